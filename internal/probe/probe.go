// Package probe holds the readiness checks /readyz runs beside the
// database write (package api runs them): the store's migrations are
// current, the MQTT broker is connected on the node that subscribes, and
// the jobs runner is making its passes. Each check answers a short state
// or an error; the error goes to the node's log, only the check's name to
// the caller.
package probe

import (
	"context"
	"errors"
	"fmt"
	"time"

	"cityloop/internal/api"
)

// Parts are what the checks look at; a nil one is not checked.
type Parts struct {
	// Migrations reports whether the database lacks some of this binary's
	// migrations.
	Migrations func(ctx context.Context) (bool, error)
	// Broker reports whether this node subscribes to the broker (only the
	// node holding the sensing service does) and whether every session is
	// connected. Nil without --mqtt-addr.
	Broker func() (running, up bool)
	// Jobs says whether the runner made a pass recently.
	Jobs func(now time.Time) error
	Now  func() time.Time
}

// Checks are the readiness checks of p, in the order /readyz lists them.
func Checks(p Parts) []api.ReadyCheck {
	var out []api.ReadyCheck
	if p.Migrations != nil {
		out = append(out, api.ReadyCheck{Name: "migrations", Check: func(ctx context.Context) (string, error) {
			pending, err := p.Migrations(ctx)
			if err != nil {
				return "", err
			}
			if pending {
				return "", errors.New("the database lacks migrations this binary has: run `cityloop migrate` or restart a node of this version")
			}
			return "ok", nil
		}})
	}
	if p.Broker != nil {
		out = append(out, api.ReadyCheck{Name: "mqtt_broker", Check: func(context.Context) (string, error) {
			switch running, up := p.Broker(); {
			case !running:
				// Another node holds the sensing service and subscribes;
				// this one takes over when that lease ends.
				return "standby", nil
			case !up:
				return "", fmt.Errorf("the MQTT subscription is not connected to the broker")
			}
			return "ok", nil
		}})
	}
	if p.Jobs != nil {
		out = append(out, api.ReadyCheck{Name: "jobs", Check: func(context.Context) (string, error) {
			if err := p.Jobs(p.Now()); err != nil {
				return "", err
			}
			return "ok", nil
		}})
	}
	return out
}
