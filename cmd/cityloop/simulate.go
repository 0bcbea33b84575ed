package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"cityloop/internal/app"
)

// cmdSimulate drives a running CityLoop's demo city: it registers devices
// or cameras around the demo centre and feeds them, now and then breaking a
// rule, so a newcomer can watch cases appear, get confirmed and close.
func cmdSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "sensors" && args[0] != "cameras") {
		return fmt.Errorf("usage: cityloop simulate sensors|cameras [--addr http://127.0.0.1:8080] [--mqtt 127.0.0.1:1883]")
	}
	what := args[0]
	fs := newFlags("simulate "+what, "Register demo devices (or cameras) on a running CityLoop and feed them readings (or AI events).", stderr)
	addr := fs.String("addr", "http://127.0.0.1:8080", "CityLoop base URL")
	broker := fs.String("mqtt", "", "MQTT broker host:port for sensor telemetry (empty: post over HTTP)")
	user := fs.String("user", "admin", "account with the admin or system post")
	pass := fs.String("password", "demo", "its password")
	n := fs.Int("n", 40, "devices or cameras to simulate")
	every := fs.Duration("every", 2*time.Second, "interval between rounds of readings or events")
	seed := fs.Uint64("seed", 1, "random seed")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	return app.Simulate(ctx, app.SimulateOptions{What: what, Addr: *addr, MQTT: *broker, User: *user, Password: *pass,
		N: *n, Every: *every, Seed: *seed, Out: stdout})
}
