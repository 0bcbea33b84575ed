package casework

import (
	"cityloop/internal/jobs"
	"context"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/address"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Filter selects cases for a list. Zero fields do not filter.
type Filter struct {
	Statuses    []Status
	Category    *catalog.Ref
	RegionLevel org.Level // with Region: which column to match
	Region      string
	Source      Source
	Department  string
	Light       worktime.Light // green | yellow | red, at Now
	Overdue     *bool
	From, To    *time.Time // reported_at range, [From, To)
	ExternalRef string     // the channel's own id (hotline order, device event, offline report id)
	ReporterID  string     // cases reported by one account
	ReporterIDs []string   // cases reported by any of these accounts (a ranking of supervisors)
	// Text is the search box (q=): a case code, whole or its beginning;
	// part of an address; or, with TextPhone, a reporter's phone number.
	Text string
	// TextPhone lets Text match reporters' phones, through their blind
	// index (the phone itself stays sealed). [Service.FindCases] sets it
	// only for the posts that see contact details.
	TextPhone bool
	// Is keeps the cases for which every fact test holds (the indicators'
	// predicates; see [Fact]).
	Is Predicate
	// Scope is the caller's jurisdiction; nil means unscoped (the platform itself).
	Scope *Scope
	// SortByDue orders by the stage deadline (queues) instead of newest first.
	SortByDue bool
	Now       time.Time
	Limit     int
	Offset    int
}

// NearbyQuery finds cases of one category inside a box, for duplicates
// (open cases reported since Since) and recurrence (cases closed since Since).
type NearbyQuery struct {
	Category catalog.Ref
	Bounds   geo.Bounds
	Closed   bool // false: open cases reported since Since; true: cases closed since Since
	Since    time.Time
	Exclude  string
	Limit    int
}

// Store persists cases. Every write stores the case and its events in one
// transaction; UpdateCase fails with a Conflict when the stored version is no
// longer prevVersion (someone else moved the case first).
type Store interface {
	CreateCase(ctx context.Context, c *Case, events []Event) error
	UpdateCase(ctx context.Context, c *Case, prevVersion int, events []Event) error
	FindCaseByID(ctx context.Context, id string) (*Case, error)
	// FindCaseByIDIn is FindCaseByID limited to a jurisdiction: a case
	// outside it is NotFound.
	FindCaseByIDIn(ctx context.Context, id string, scope *Scope) (*Case, error)
	// FindCaseByCode finds a case by its human number (the tracking code),
	// outside any jurisdiction; [Service] applies the caller's.
	FindCaseByCode(ctx context.Context, code string) (*Case, error)
	// FindCasesByPhone finds the cases reported from a phone number (any
	// common spelling), newest first, at most limit.
	FindCasesByPhone(ctx context.Context, phone string, limit int) ([]*Case, error)
	FindCases(ctx context.Context, f Filter) ([]*Case, int, error)
	FindNearby(ctx context.Context, q NearbyQuery) ([]*Case, error)
	FindDue(ctx context.Context, now time.Time, limit int) ([]*Case, error)
	Timeline(ctx context.Context, caseID string) ([]Event, error)
}

// NearbyIndex answers the duplicate and recurrence searches from memory
// instead of the store's spatial scan (package caseindex). Its FindNearby
// must return the cases Store.FindNearby would, in the same order; it may
// fill only the fields those searches read (id, code, status, category,
// point, regions, department, report and closing times). Stored tells it of
// every case this service has just written.
type NearbyIndex interface {
	FindNearby(ctx context.Context, q NearbyQuery) ([]*Case, error)
	Stored(c *Case)
}

// Service runs intake and transitions: it does the I/O around Decide.
type Service struct {
	Store Store
	Atlas func() *org.Atlas
	Dict  func() *catalog.Dictionary
	Cal   *worktime.Calendar
	Now   func() time.Time
	NewID func() string
	// Nearby, when set, answers the duplicate and recurrence searches in
	// place of Store.FindNearby, and hears of every case stored here.
	Nearby NearbyIndex
	// Addresses, when set, writes the address of a report that came
	// without one, from the city's roads (nil: stop at the street).
	Addresses func() *address.Index
}

// findNearby runs a duplicate or recurrence search on the index when there
// is one, else on the store.
func (s *Service) findNearby(ctx context.Context, q NearbyQuery) ([]*Case, error) {
	if s.Nearby != nil {
		return s.Nearby.FindNearby(ctx, q)
	}
	return s.Store.FindNearby(ctx, q)
}

// stored tells the index (if any) that c was just written.
func (s *Service) stored(c *Case) {
	if s.Nearby != nil {
		s.Nearby.Stored(c)
	}
}

// Report is one incoming problem from any channel.
type Report struct {
	Source      Source    `json:"source"`
	Category    string    `json:"category"`
	Condition   int       `json:"condition"`
	Description string    `json:"description"`
	Address     string    `json:"address"`
	Lng         *float64  `json:"lng"`
	Lat         *float64  `json:"lat"`
	CRS         string    `json:"crs"`
	Photos      []string  `json:"photos"`
	Reporter    string    `json:"reporter_name"`
	Phone       string    `json:"reporter_phone"`
	ExternalRef string    `json:"external_ref"`
	SelfHandled bool      `json:"self_handled"`
	AfterPhotos []string  `json:"after_photos"`
	At          time.Time `json:"-"` // when seen; zero = now (the demo back-dates)
}

// Duplicate is an open case that may be the same problem as a new report.
type Duplicate struct {
	ID        string  `json:"id"`
	Code      string  `json:"code"`
	Status    Status  `json:"status"`
	DistanceM float64 `json:"distance_m"`
}

// Intake is the answer to a report: the case and any duplicate candidates.
type Intake struct {
	Case       *Case       `json:"case"`
	Duplicates []Duplicate `json:"duplicates"`
}

func (s *Service) env(now time.Time) Env {
	atlas := s.Atlas()
	return Env{Now: now, Cal: s.Cal, Dict: s.Dict(), Path: func(grid string) []string { return atlas.Path(grid) }}
}

// Report takes a problem through the one intake path: locate → find
// duplicates → suggest a route → store.
func (s *Service) Report(ctx context.Context, actor org.Actor, r Report) (*Intake, error) {
	now := s.Now()
	if !r.At.IsZero() {
		now = r.At
	}
	c, err := s.newCase(actor, r, now)
	if err != nil {
		return nil, err
	}
	env := s.env(now)
	dups, err := s.duplicates(ctx, c, nil) // c.ReportedAt is now
	if err != nil {
		return nil, err
	}
	events := []Event{{CaseID: c.ID, Action: ActReport, To: c.Status, Actor: actor.ID, Name: actor.Name,
		Post: primaryPost(actor), At: now, Note: c.Description, Photos: c.Photos, Point: &c.Point,
		Data: map[string]any{"source": c.Source}}}
	switch {
	case len(dups) > 0 && c.Source.Machine():
		// Devices report the same thing again and again: merge by themselves.
		c.Status, c.MergedInto = StatusMerged, dups[0].ID
		stopClocks(c, now)
		events = append(events, Event{CaseID: c.ID, Action: ActMerge, From: StatusPendingAccept, To: StatusMerged,
			Actor: org.SystemActor.ID, Name: org.SystemActor.Name, Post: org.PostSystem, At: now,
			Note: fmt.Sprintf("自动合并：与 %s 相距 %.0f 米", dups[0].Code, dups[0].DistanceM), Data: map[string]any{"into": dups[0].ID}})
	case r.SelfHandled:
		next, more, err := Decide(*c, Command{Action: ActSelfHandle, Actor: actor, Photos: r.AfterPhotos, Note: r.Description}, env)
		if err != nil {
			return nil, err
		}
		*c = next
		events = append(events, more...)
	}
	if err := s.Store.CreateCase(ctx, c, events); err != nil {
		return nil, fmt.Errorf("store case: %w", err)
	}
	s.stored(c)
	return &Intake{Case: c, Duplicates: dups}, nil
}

func primaryPost(a org.Actor) org.Post {
	if len(a.Grants) == 0 {
		return org.PostCitizen
	}
	return a.Grants[0].Post
}

const maxDescription = 2000

func (s *Service) newCase(actor org.Actor, r Report, now time.Time) (*Case, error) {
	bad := errs.Invalid("the report is not valid")
	if r.Source == "" {
		r.Source = SourcesFor(actor)[0]
	}
	if !r.Source.Valid() {
		bad.WithField("source", "must be one of patrol, citizen, hotline, camera, sensor, partner, leader")
	} else if !r.Source.AllowedFor(actor) {
		return nil, errs.Forbidden("此身份不能以“%s”渠道上报 / this credential may not report through the channel %q; it may report as: %s",
			SourceNames[r.Source][0], r.Source, sourceList(SourcesFor(actor))).WithField("source", "not granted to this credential")
	}
	if r.Lng == nil || r.Lat == nil {
		bad.WithField("lng", "lng and lat are required")
	}
	crs, err := geo.ParseCRS(r.CRS)
	if err != nil {
		bad.WithField("crs", "must be wgs84, gcj02 or bd09")
	}
	if utf8.RuneCountInString(r.Description) > maxDescription {
		bad.WithField("description", fmt.Sprintf("at most %d characters", maxDescription))
	}
	bad.CheckText(true, "description", r.Description)
	bad.CheckText(false, "address", r.Address, "reporter_name", r.Reporter, "reporter_phone", r.Phone,
		"external_ref", r.ExternalRef, "category", r.Category)
	if strings.TrimSpace(r.Description) == "" && len(r.Photos) == 0 && r.Category == "" {
		bad.WithField("description", "say what the problem is, add a photo, or give a category")
	}
	if len(r.Photos) > 9 || len(r.AfterPhotos) > 9 {
		bad.WithField("photos", "at most 9 photos")
	}
	var cat *catalog.Ref
	var sub catalog.SubClass
	if r.Category != "" {
		ref, err := catalog.ParseRef(r.Category)
		if err != nil {
			bad.WithField("category", errText(err))
		} else if sc, ok := s.Dict().Lookup(ref, now); !ok {
			bad.WithField("category", fmt.Sprintf("%s is not in the dictionary; GET /api/v1/categories lists them", ref))
		} else {
			cat, sub = &ref, sc
		}
	}
	if r.Condition != 0 && cat != nil {
		if _, ok := sub.Condition(r.Condition); !ok {
			bad.WithField("condition", fmt.Sprintf("%s has filing conditions 1–%d", cat, len(sub.Conditions)))
		}
	}
	if r.SelfHandled && !Patrols(actor) {
		bad.WithField("self_handled", "only supervisors and grid members handle problems on the spot")
	}
	if len(bad.Fields) > 0 {
		return nil, bad
	}
	p := geo.ToWGS84(geo.Point{Lng: *r.Lng, Lat: *r.Lat}, crs)
	loc, err := s.Atlas().Locate(p)
	if err != nil {
		return nil, err
	}
	c := &Case{
		ID: s.NewID(), Status: StatusPendingAccept, Source: r.Source, Category: cat,
		Description: strings.TrimSpace(r.Description), Address: strings.TrimSpace(r.Address), Point: p,
		Grid: loc.Grid, Community: loc.Community, Street: loc.Street, District: loc.District,
		ReporterID: actor.ID, Reporter: strings.TrimSpace(r.Reporter), Phone: strings.TrimSpace(r.Phone),
		ExternalRef: strings.TrimSpace(r.ExternalRef), Photos: nonNilStrings(r.Photos), AfterPhotos: []string{},
		ReportedAt: now, UpdatedAt: now,
	}
	if c.Address == "" && s.Addresses != nil {
		c.Address = DescribeAt(s.Addresses(), p, loc)
	}
	if cat != nil {
		c.Condition = max(r.Condition, 1)
		cond, _ := sub.Condition(c.Condition)
		c.Urgency = cond.Urgency
		if sg, ok := s.Dict().Route(*cat, loc.Path, now); ok {
			c.Suggested = sg.Department
		}
	}
	if err := startStage(c, "accept", s.env(now)); err != nil {
		return nil, err
	}
	return c, nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func errText(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// dupLimit bounds the candidates one duplicate search reads.
const dupLimit = 50

// duplicates lists the open cases of c's sub-class within its radius,
// reported since its time window before c was, nearest first. The clock is
// c's report time, so intake (where it is now) and a later look from the
// console find the same cases. A non-nil scope keeps only the cases inside
// it; intake passes nil, since devices merge into any open case.
func (s *Service) duplicates(ctx context.Context, c *Case, scope *Scope) ([]Duplicate, error) {
	if c.Category == nil {
		return []Duplicate{}, nil
	}
	at := c.ReportedAt
	sub, _ := s.Dict().Lookup(*c.Category, at)
	radius, window := dupParams(sub)
	near, err := s.findNearby(ctx, NearbyQuery{Category: *c.Category, Bounds: boxAround(c.Point, radius),
		Since: at.Add(-window), Exclude: c.ID, Limit: dupLimit})
	if err != nil {
		return nil, fmt.Errorf("find duplicates: %w", err)
	}
	if scope != nil {
		seen := near[:0:0]
		for _, o := range near {
			if scope.Allows(o) {
				seen = append(seen, o)
			}
		}
		near = seen
	}
	return Duplicates(c.Point, near, radius), nil
}

func dupParams(sub catalog.SubClass) (float64, time.Duration) {
	radius, window := sub.DupRadiusM, sub.DupWindowHours
	if radius <= 0 {
		radius = catalog.DefaultDupRadiusM
	}
	if window <= 0 {
		window = catalog.DefaultDupWindowHours
	}
	return radius, time.Duration(window * float64(time.Hour))
}

// Duplicates keeps the candidates within radius metres of p, nearest first.
func Duplicates(p geo.Point, cands []*Case, radius float64) []Duplicate {
	out := []Duplicate{}
	for _, o := range cands {
		if d := geo.DistanceM(p, o.Point); d <= radius {
			out = append(out, Duplicate{ID: o.ID, Code: o.Code, Status: o.Status, DistanceM: math.Round(d*10) / 10})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].DistanceM < out[j].DistanceM })
	return out
}

// boxAround returns a box that contains the circle of radius metres around p.
func boxAround(p geo.Point, radius float64) geo.Bounds {
	dLat := radius / 111_320
	dLng := radius / (111_320 * math.Max(math.Cos(p.Lat*math.Pi/180), 0.01))
	return geo.Bounds{MinLng: p.Lng - dLng, MinLat: p.Lat - dLat, MaxLng: p.Lng + dLng, MaxLat: p.Lat + dLat}
}

// recurrenceWindow is how far back a closed case at the same place makes a new closure a recurrence (复发).
const recurrenceWindow = 30 * 24 * time.Hour

// Act applies one command to a case and stores the result with its events.
func (s *Service) Act(ctx context.Context, id string, cmd Command) (*Case, []Event, error) {
	return s.act(ctx, id, cmd, s.Now())
}

// ActWithKey is Act for a caller whose right to this one case was proven
// another way (a citizen's tracking key), outside any jurisdiction: the
// case is found without a scope, and the transition table still checks
// the post and the state.
func (s *Service) ActWithKey(ctx context.Context, id string, cmd Command) (*Case, []Event, error) {
	return s.actIn(ctx, id, cmd, s.Now(), nil)
}

// ActAt is Act at a given time; the demo uses it to replay a past year.
func (s *Service) ActAt(ctx context.Context, id string, cmd Command, at time.Time) (*Case, []Event, error) {
	return s.act(ctx, id, cmd, at)
}

// ScopeOf is the actor's jurisdiction over the current region tree.
func (s *Service) ScopeOf(a org.Actor) *Scope {
	atlas := s.Atlas()
	return ScopeFor(a, func(code string) (org.Level, bool) {
		r, ok := atlas.Region(code)
		if !ok {
			return 0, false
		}
		return r.Level, true
	})
}

func (s *Service) act(ctx context.Context, id string, cmd Command, now time.Time) (*Case, []Event, error) {
	return s.actIn(ctx, id, cmd, now, s.ScopeOf(cmd.Actor))
}

func (s *Service) actIn(ctx context.Context, id string, cmd Command, now time.Time, scope *Scope) (*Case, []Event, error) {
	c, err := s.Store.FindCaseByIDIn(ctx, id, scope)
	if err != nil {
		return nil, nil, err
	}
	if cmd.Action == ActClose && c.Category != nil && c.Status == StatusPendingClose {
		sub, _ := s.Dict().Lookup(*c.Category, now)
		radius, _ := dupParams(sub)
		near, err := s.findNearby(ctx, NearbyQuery{Category: *c.Category, Bounds: boxAround(c.Point, radius),
			Closed: true, Since: now.Add(-recurrenceWindow), Exclude: c.ID, Limit: 20})
		if err != nil {
			return nil, nil, fmt.Errorf("find recurrence: %w", err)
		}
		if d := Duplicates(c.Point, near, radius); len(d) > 0 {
			cmd.Recurrence = d[0].ID
		}
	}
	if cmd.Action == ActMerge && cmd.Into != "" {
		into, err := s.Store.FindCaseByIDIn(ctx, cmd.Into, scope)
		if err != nil {
			return nil, nil, errs.Invalid("the case to merge into (%s) does not exist", cmd.Into).WithField("into", "unknown case")
		}
		if into.Status.Terminal() {
			return nil, nil, errs.Conflict("case %s is %s; merge into an open case", into.Code, into.Status.Zh())
		}
	}
	next, events, err := Decide(*c, cmd, s.env(now))
	if err != nil {
		return nil, nil, err
	}
	if err := s.Store.UpdateCase(ctx, &next, c.Version, events); err != nil {
		return nil, nil, fmt.Errorf("%s case %s: %w", cmd.Action, c.Code, err)
	}
	s.stored(&next)
	return &next, events, nil
}

// SweepJob is the overdue sweep as the jobs runner runs it every interval:
// all overdue cases marked in batches of 500, the count logged.
func (s *Service) SweepJob(every time.Duration, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "overdue-sweep", Schedule: jobs.Every(every), Timeout: 5 * time.Minute, Run: func(ctx context.Context) error {
		n, err := s.SweepAllOverdue(ctx, 500)
		if n > 0 {
			log.Info("overdue sweep", "marked", n)
		}
		return err
	}}
}

// SweepAllOverdue runs SweepOverdue in batches until a batch comes back
// short, and returns how many cases it marked in all.
func (s *Service) SweepAllOverdue(ctx context.Context, batch int) (int, error) {
	total := 0
	for {
		n, err := s.SweepOverdue(ctx, batch)
		total += n
		if err != nil {
			return total, fmt.Errorf("overdue sweep: %w", err)
		}
		if n < batch {
			return total, nil
		}
	}
}

// SweepOverdue marks cases whose stage deadline has passed and escalates
// them (督办 by the system). Several nodes may sweep at once: the version
// check in UpdateCase lets only one of them record each case.
func (s *Service) SweepOverdue(ctx context.Context, batch int) (int, error) {
	now := s.Now()
	due, err := s.Store.FindDue(ctx, now, batch)
	if err != nil {
		return 0, fmt.Errorf("find overdue cases: %w", err)
	}
	n := 0
	for _, c := range due {
		next, events, err := Decide(*c, Command{Action: ActOverdue, Actor: org.SystemActor}, s.env(now))
		if err != nil {
			continue // no longer overdue or already moved on
		}
		if urge, ok := table[ActUrge]; ok && slices.Contains(urge.from, next.Status) {
			next.Urges++
			events = append(events, Event{CaseID: c.ID, Action: ActUrge, From: next.Status, To: next.Status,
				Actor: org.SystemActor.ID, Name: org.SystemActor.Name, Post: org.PostSystem, At: now,
				Note: fmt.Sprintf("超期自动督办：%s 环节已超时", stageZh(c.Stage)), Data: map[string]any{"escalate_to": "leader", "department": c.Department}})
		}
		if err := s.Store.UpdateCase(ctx, &next, c.Version, events); err != nil {
			if errs.Is(err, errs.KindConflict) {
				continue // another node got there first
			}
			return n, fmt.Errorf("mark %s overdue: %w", c.Code, err)
		}
		s.stored(&next)
		n++
	}
	return n, nil
}

var stageNames = map[string]string{"accept": "受理", "verify": "核实", "file": "立案", "dispatch": "派遣",
	"sign": "签收", "dispose": "处置", "check": "核查", "close": "结案"}

func stageZh(s string) string {
	if n, ok := stageNames[s]; ok {
		return n
	}
	return s
}

// StageName gives the Chinese term of a stage.
func StageName(s string) string { return stageZh(s) }

// Draft builds a new case from a report exactly as Report would (validated,
// located, classified, routed, clock started) without storing it or looking
// for duplicates. The demo generator uses it to replay a year of intake.
func (s *Service) Draft(actor org.Actor, r Report) (*Case, error) {
	now := s.Now()
	if !r.At.IsZero() {
		now = r.At
	}
	return s.newCase(actor, r, now)
}

// EnvAt returns the environment Decide runs in at a given time.
func (s *Service) EnvAt(now time.Time) Env { return s.env(now) }

// DescribeAt is the readable address of p in loc: its district and street
// names from the atlas and the nearest road of ix, with a house number.
func DescribeAt(ix *address.Index, p geo.Point, loc org.Location) string {
	var district, street string
	for i, code := range loc.Path {
		if i < len(loc.Names) {
			switch code {
			case loc.District:
				district = loc.Names[i]
			case loc.Street:
				street = loc.Names[i]
			}
		}
	}
	return ix.Describe(p, district, street)
}
