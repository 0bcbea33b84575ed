package simulate

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensing"
)

// Options say what to simulate and against which node.
type Options struct {
	What     string // "sensors" or "cameras"
	Addr     string // the node's base URL
	MQTT     string // broker host:port for telemetry; "" posts readings over HTTP
	User     string // an account with the admin or system post
	Password string
	N        int           // devices or cameras
	Every    time.Duration // between rounds of readings or events
	Seed     uint64
	Out      io.Writer // progress lines
}

// Run signs in and simulates until ctx ends.
func Run(ctx context.Context, o Options) error {
	if o.What != "sensors" && o.What != "cameras" {
		return fmt.Errorf("simulate: what must be sensors or cameras, not %q", o.What)
	}
	if o.Out == nil {
		o.Out = io.Discard
	}
	s := &sim{base: strings.TrimRight(o.Addr, "/"), out: o.Out, rng: rand.New(rand.NewPCG(o.Seed, 7))}
	if err := s.login(ctx, o.User, o.Password); err != nil {
		return err
	}
	if o.What == "cameras" {
		return s.cameras(ctx, o.N, o.Every)
	}
	return s.sensors(ctx, o.N, o.Every, o.MQTT)
}

type sim struct {
	base, token string
	out         io.Writer
	rng         *rand.Rand
	pub         *mqtt.Conn
}

func (s *sim) do(ctx context.Context, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if out != nil {
		_ = json.Unmarshal(raw, out)
	}
	if res.StatusCode >= 400 && res.StatusCode != 404 && res.StatusCode != 422 {
		return res.StatusCode, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, bytes.TrimSpace(raw))
	}
	return res.StatusCode, nil
}

func (s *sim) login(ctx context.Context, user, pass string) error {
	var out struct{ Token string }
	if _, err := s.do(ctx, "POST", "/api/v1/auth/token", map[string]string{"username": user, "password": pass}, &out); err != nil {
		return fmt.Errorf("sign in as %s (is CityLoop running at %s?): %w", user, s.base, err)
	}
	if out.Token == "" {
		return fmt.Errorf("sign in as %s failed", user)
	}
	s.token = out.Token
	return nil
}

// point is a random place near the demo city's centre (lng 118.78, lat 32.04).
func (s *sim) point() (float64, float64) {
	return 118.78 + (s.rng.Float64()-0.5)*0.06, 32.04 + (s.rng.Float64()-0.5)*0.05
}

type simDevice struct {
	id     string
	kind   sensing.Kind
	metric string
	normal float64
	high   float64
	bad    int // rounds left in a breach
}

var simKinds = []simDevice{
	{kind: sensing.KindNoise, metric: "noise_db", normal: 45, high: 72},
	{kind: sensing.KindFumes, metric: "fumes_mg", normal: 0.8, high: 3.2},
	{kind: sensing.KindCover, metric: "tilt_deg", normal: 1, high: 35},
	{kind: sensing.KindBin, metric: "fill_pct", normal: 35, high: 96},
	{kind: sensing.KindWater, metric: "water_cm", normal: 0, high: 25},
	{kind: sensing.KindAir, metric: "pm10", normal: 60, high: 220},
}

func (s *sim) sensors(ctx context.Context, n int, every time.Duration, broker string) error {
	var devs []*simDevice
	for i := 0; len(devs) < n && i < n*5; i++ {
		d := simKinds[i%len(simKinds)]
		d.id = fmt.Sprintf("sim-%s-%03d", d.kind, i)
		lng, lat := s.point()
		body := map[string]any{"kind": d.kind, "lng": lng, "lat": lat, "interval_s": int(max(every, time.Second).Seconds() * 5)}
		if d.kind == sensing.KindCover {
			body["category"] = "component:0103"
		}
		st, err := s.do(ctx, "PUT", "/api/v1/sensing/devices/"+d.id, body, nil)
		if err != nil {
			return err
		}
		if st == 200 {
			devs = append(devs, &d)
		}
	}
	berths, err := s.parking(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "registered %d devices and %d parking berths; feeding them every %s via %s (Ctrl+C to stop)\n", len(devs), len(berths), every, map[bool]string{true: "MQTT " + broker, false: "HTTP"}[broker != ""])
	if broker != "" {
		var err error
		if s.pub, err = mqtt.Dial(ctx, mqtt.ConnConfig{Addr: broker, ClientID: fmt.Sprintf("cityloop-sim-%d", time.Now().UnixNano()), CleanStart: true}); err != nil {
			return err
		}
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for round := 0; ; round++ {
		var batch []map[string]any
		for _, d := range devs {
			if d.bad == 0 && s.rng.IntN(200) == 0 {
				d.bad = 5 + s.rng.IntN(20)
				fmt.Fprintf(s.out, "%s  %s starts breaking its rule (%s → %.1f)\n", time.Now().Format("15:04:05"), d.id, d.metric, d.high)
			}
			v := d.normal * (0.9 + 0.2*s.rng.Float64())
			if d.bad > 0 {
				v = d.high * (0.95 + 0.1*s.rng.Float64())
				d.bad--
			}
			r := map[string]any{"device_id": d.id, "ts": float64(time.Now().UnixMicro()) / 1e6, "values": map[string]float64{d.metric: v}}
			if s.pub != nil {
				b, _ := json.Marshal(r)
				if err := s.pub.Publish(ctx, sensing.Topic(d.id), b); err != nil {
					return nil
				}
			} else {
				batch = append(batch, r)
			}
		}
		// Cars come and go: each berth changes about every 20 rounds; a
		// berth reports every round, like berth sensors' heartbeats.
		for _, b := range berths {
			if s.rng.IntN(20) == 0 {
				b.occupied = !b.occupied
			}
			v := 0.0
			if b.occupied {
				v = 1
			}
			r := map[string]any{"device_id": b.id, "ts": float64(time.Now().UnixMicro()) / 1e6, "values": map[string]float64{"occupied": v}}
			if s.pub != nil {
				body, _ := json.Marshal(r)
				if err := s.pub.Publish(ctx, sensing.Topic(b.id), body); err != nil {
					return nil
				}
			} else {
				batch = append(batch, r)
			}
		}
		if len(batch) > 0 {
			if _, err := s.do(ctx, "POST", "/api/v1/sensing/telemetry", map[string]any{"readings": batch}, nil); err != nil && ctx.Err() == nil {
				fmt.Fprintln(s.out, "telemetry:", err)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

type simBerth struct {
	id       string
	occupied bool
}

// simLots are the parking lots the simulator sets up near the centre: two
// car parks and a stretch of on-street berths with a 30-minute limit.
var simLots = []struct {
	id, name string
	dlng     float64
	dlat     float64
	berths   int
	onStreet bool
	maxStay  int
}{
	{"sim-lot-1", "模拟·中心广场地下停车场", -0.006, 0.004, 8, false, 0},
	{"sim-lot-2", "模拟·人民医院停车场", 0.009, -0.005, 6, false, 0},
	{"sim-lot-3", "模拟·中山路路内泊位", 0.002, 0.008, 6, true, 30},
}

// parking registers the simulated lots and their berth sensors, about half
// of them occupied to begin with.
func (s *sim) parking(ctx context.Context) ([]*simBerth, error) {
	var berths []*simBerth
	for _, l := range simLots {
		lng, lat := 118.78+l.dlng, 32.04+l.dlat
		st, err := s.do(ctx, "PUT", "/api/v1/sensing/parking/lots/"+l.id, map[string]any{"name": l.name, "lng": lng, "lat": lat,
			"capacity": l.berths, "on_street": l.onStreet, "max_stay_min": l.maxStay}, nil)
		if err != nil {
			return nil, err
		}
		if st != 200 {
			continue
		}
		for k := 0; k < l.berths; k++ {
			id := fmt.Sprintf("%s-b%02d", l.id, k+1)
			st, err := s.do(ctx, "PUT", "/api/v1/sensing/devices/"+id, map[string]any{"kind": sensing.KindBerth, "lot": l.id,
				"lng": lng + float64(k)*0.00005, "lat": lat, "interval_s": 600}, nil)
			if err != nil {
				return nil, err
			}
			if st == 200 {
				berths = append(berths, &simBerth{id: id, occupied: s.rng.IntN(2) == 0})
			}
		}
	}
	return berths, nil
}

// simPNG is a 1×1 PNG standing in for a camera snapshot.
var simPNG = []byte{0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
	0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00,
	0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
	0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82}

func (s *sim) cameras(ctx context.Context, n int, every time.Duration) error {
	codes := []string{"884", "882", "885", "888", "890", "mixed_sorting"}
	var cams []string
	for i := 0; len(cams) < n && i < n*5; i++ {
		id := fmt.Sprintf("sim-cam-%03d", i)
		lng, lat := s.point()
		st, err := s.do(ctx, "PUT", "/api/v1/sensing/cameras/"+id, map[string]any{"lng": lng, "lat": lat, "vendor": "dahua", "direction": s.rng.IntN(360)}, nil)
		if err != nil {
			return err
		}
		if st == 200 {
			cams = append(cams, id)
		}
	}
	fmt.Fprintf(s.out, "registered %d cameras; sending AI events every %s and heartbeats every %s (Ctrl+C to stop)\n", len(cams), every, simHeartbeat)
	img := base64.StdEncoding.EncodeToString(simPNG)
	type scene struct {
		cam, code string
		x         float64
		left      int
	}
	var scenes []*scene
	var beat time.Time
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if time.Since(beat) >= simHeartbeat {
			beat = time.Now()
			s.heartbeats(ctx, cams)
		}
		if s.rng.IntN(3) == 0 && len(cams) > 0 {
			scenes = append(scenes, &scene{cam: cams[s.rng.IntN(len(cams))], code: codes[s.rng.IntN(len(codes))], x: float64(s.rng.IntN(4)) * 0.25, left: 3 + s.rng.IntN(15)})
		}
		kept := scenes[:0]
		for _, sc := range scenes {
			sc.left--
			body := map[string]any{"camera_id": sc.cam, "code": sc.code, "confidence": 0.6 + 0.4*s.rng.Float64(),
				"bbox": []float64{sc.x + 0.05, 0.5, 0.1, 0.2}, "image": img, "gone": sc.left <= 0}
			var out struct {
				Verdict string `json:"verdict"`
				CaseID  string `json:"case_id"`
			}
			if _, err := s.do(ctx, "POST", "/api/v1/sensing/camera-events", body, &out); err != nil && ctx.Err() == nil {
				fmt.Fprintln(s.out, "camera event:", err)
			}
			if out.Verdict != "duplicate" && out.Verdict != "" {
				fmt.Fprintf(s.out, "%s  %s code %s → %s %s\n", time.Now().Format("15:04:05"), sc.cam, sc.code, out.Verdict, out.CaseID)
			}
			if sc.left > 0 {
				kept = append(kept, sc)
			}
		}
		scenes = kept
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// simHeartbeat is how often simulated cameras say they are alive, well
// within the default allowance (10 minutes) after which a silent camera
// becomes a maintenance case.
const simHeartbeat = time.Minute

// heartbeats posts one heartbeat for each camera.
func (s *sim) heartbeats(ctx context.Context, cams []string) {
	for _, id := range cams {
		if _, err := s.do(ctx, "POST", "/api/v1/sensing/cameras/"+id+"/heartbeat", nil, nil); err != nil {
			if ctx.Err() == nil {
				fmt.Fprintln(s.out, "heartbeat:", err)
			}
			return
		}
	}
}
