package hub

import (
	"context"
	"slices"
	"sort"
	"time"

	"cityloop/internal/share"
)

// DepartmentFigures are the sharing figures of one department over a period.
type DepartmentFigures struct {
	Department       string  `json:"department"`
	Name             string  `json:"name,omitempty"`
	Datasets         int     `json:"datasets"`
	RealtimeDatasets int     `json:"realtime_datasets"`
	RealtimeShare    float64 `json:"realtime_share"`
	Subscriptions    int     `json:"subscriptions"`
	EventsDelivered  int     `json:"events_delivered"`
	MedianDelaySec   float64 `json:"median_delay_s"`
	WorstDelaySec    float64 `json:"worst_delay_s"`
	ChecksAvoided    int     `json:"duplicate_checks_avoided"`
}

// Figures is the answer of GET /api/v1/hub/figures.
type Figures struct {
	From        time.Time           `json:"from"`
	To          time.Time           `json:"to"`
	Departments []DepartmentFigures `json:"departments"`
	Total       DepartmentFigures   `json:"total"`
	Baseline    map[string]any      `json:"baseline"`
	Definitions map[string]string   `json:"definitions"`
}

// Definitions say how each figure is computed; the API shows them beside the numbers.
var Definitions = map[string]string{
	"realtime_share": "realtime_datasets / datasets: of the catalogue datasets the department owns, those whose update frequency is " +
		"'realtime' AND that at least one active subscription receives (pushed through the outbox within seconds)",
	"median_delay_s": "median over the changes delivered to the department's subscriptions in the period of (2xx received − change stored); " +
		"computed as the event-weighted median of each delivery's own median",
	"worst_delay_s": "largest (2xx received − change stored) of any change delivered to the department in the period, retries and dead-letter replays included",
	"duplicate_checks_avoided": "on-site inspection results (核实 verify, 核查 check, 自行处置 self_handle) of cases in another department's charge, " +
		"delivered to this department: each is an inspection it did not have to repeat (the plan's '35% of checks done twice')",
	"events_delivered": "changes delivered (2xx) to the department's subscriptions in the period, counted once per subscription",
}

// Baseline is the situation the plan (2.2.1) describes, to compare against.
var Baseline = map[string]any{"departments": 12, "realtime_departments": 3, "lag_hours": 48, "duplicate_check_share": 0.35}

// ComputeFigures builds the figures per department from the catalogue,
// the subscriptions and the deliveries of [from, to).
func ComputeFigures(ctx context.Context, st share.Store, depts map[string]string, from, to time.Time) (Figures, error) {
	f := Figures{From: from, To: to, Baseline: Baseline, Definitions: Definitions}
	datasets, err := st.FindDatasets(ctx)
	if err != nil {
		return f, err
	}
	subs, err := st.FindSubscriptions(ctx)
	if err != nil {
		return f, err
	}
	by := map[string]*DepartmentFigures{}
	get := func(code string) *DepartmentFigures {
		d, ok := by[code]
		if !ok {
			d = &DepartmentFigures{Department: code, Name: depts[code]}
			by[code] = d
		}
		return d
	}
	for code := range depts {
		get(code)
	}
	for _, d := range datasets {
		df := get(d.Owner)
		df.Datasets++
		if d.Frequency != share.Realtime {
			continue
		}
		for _, s := range subs {
			if s.Active && (len(s.Datasets) == 0 || slices.Contains(s.Datasets, d.Code)) {
				df.RealtimeDatasets++
				break
			}
		}
	}
	for _, s := range subs {
		if s.Active {
			get(s.Department).Subscriptions++
		}
	}
	type point struct {
		d time.Duration
		n int
	}
	delays := map[string][]point{}
	var all []point
	err = st.DelayRows(ctx, from, to, func(r share.DelayRow) error {
		df := get(r.Department)
		df.EventsDelivered += r.Events
		df.ChecksAvoided += r.Checks
		if s := r.DelayMax.Seconds(); s > df.WorstDelaySec {
			df.WorstDelaySec = s
		}
		delays[r.Department] = append(delays[r.Department], point{r.DelayP50, r.Events})
		all = append(all, point{r.DelayP50, r.Events})
		return nil
	})
	if err != nil {
		return f, err
	}
	median := func(ps []point) float64 {
		sort.Slice(ps, func(i, j int) bool { return ps[i].d < ps[j].d })
		total := 0
		for _, p := range ps {
			total += p.n
		}
		acc := 0
		for _, p := range ps {
			acc += p.n
			if 2*acc >= total {
				return p.d.Seconds()
			}
		}
		return 0
	}
	t := &f.Total
	t.Department = "*"
	for code, df := range by {
		df.MedianDelaySec = round3(median(delays[code]))
		df.WorstDelaySec = round3(df.WorstDelaySec)
		if df.Datasets > 0 {
			df.RealtimeShare = round3(float64(df.RealtimeDatasets) / float64(df.Datasets))
		}
		t.Datasets += df.Datasets
		t.RealtimeDatasets += df.RealtimeDatasets
		t.Subscriptions += df.Subscriptions
		t.EventsDelivered += df.EventsDelivered
		t.ChecksAvoided += df.ChecksAvoided
		t.WorstDelaySec = max(t.WorstDelaySec, df.WorstDelaySec)
		f.Departments = append(f.Departments, *df)
	}
	t.MedianDelaySec = round3(median(all))
	if t.Datasets > 0 {
		t.RealtimeShare = round3(float64(t.RealtimeDatasets) / float64(t.Datasets))
	}
	sort.Slice(f.Departments, func(i, j int) bool { return f.Departments[i].Department < f.Departments[j].Department })
	return f, nil
}

func round3(x float64) float64 { return float64(int64(x*1000+0.5)) / 1000 }

// Builtins are the datasets CityLoop itself publishes.
func Builtins(now time.Time) []share.Dataset {
	return []share.Dataset{
		{Code: "cases", Name: "城管案件及处置过程 Cases and their timeline", Owner: "center", Frequency: share.Realtime, Builtin: true,
			Description: "Every change of every case (report, filing, dispatch, disposal, check, closure), fed from the case timeline; no personal data.",
			Schema:      []byte(`{"type":"object","required":["id","dataset","type","changed_at","case","event"],"properties":{"id":{"type":"string","description":"idempotency key (event id)"},"case":{"type":"object"},"event":{"type":"object"}}}`)},
		{Code: "facilities", Name: "城市部件 Facilities (components)", Owner: "municipal", Frequency: share.Daily, Builtin: true,
			Description: "Component inventory (16-digit component ids, class, owner, location), published as records.",
			Schema:      []byte(`{"type":"object","required":["key","record"],"properties":{"key":{"type":"string","description":"component id"}}}`)},
		{Code: "sensor_readings", Name: "物联感知读数 Sensor readings", Owner: "center", Frequency: share.Realtime, Builtin: true,
			Description: "Readings of IoT devices (manhole covers, water level, dust), published as records by the sensing module.",
			Schema:      []byte(`{"type":"object","required":["key","record"],"properties":{"key":{"type":"string","description":"device id + time"}}}`)},
		{Code: "enforcement_disclosures", Name: "行政执法公示 Enforcement disclosures", Owner: "enforcement", Frequency: share.Daily, Builtin: true,
			Description: "Public disclosures of administrative penalty decisions (三项制度), published as records.",
			Schema:      []byte(`{"type":"object","required":["key","record"],"properties":{"key":{"type":"string","description":"decision number"}}}`)},
	}
}
