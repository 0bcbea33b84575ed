package sensing

import (
	"context"
	"time"

	"cityloop/internal/geo"
)

// Store persists devices, readings, rule states, cameras, tracks and the
// rest. sensingstore implements it on SQLite and PostgreSQL.
type Store interface {
	Devices(ctx context.Context) ([]*Device, error)
	PutDevice(ctx context.Context, d *Device) error
	// SaveDeviceStatus writes last_seen, online and the last values.
	SaveDeviceStatus(ctx context.Context, ds []*Device) error
	// AppendReadings stores raw readings; a reading already stored (same
	// device, metric and time) is skipped, so redeliveries are harmless.
	AppendReadings(ctx context.Context, rs []Reading) error
	Series(ctx context.Context, q SeriesQuery) ([]SeriesPoint, error)
	// Downsample writes minute and hour aggregates of complete buckets
	// before upTo, including buckets that late readings (devices uploading
	// what they buffered offline) changed since; Prune drops rows past their
	// retention. A reading older than the raw retention is stored until the
	// next Prune but never aggregated: its bucket's other raw rows are gone.
	Downsample(ctx context.Context, upTo time.Time) error
	Prune(ctx context.Context, now time.Time, r Retention) error

	RuleStates(ctx context.Context) ([]RuleState, error)
	SaveRuleStates(ctx context.Context, ss []RuleState) error
	Rules(ctx context.Context) ([]Rule, error)
	PutRule(ctx context.Context, r Rule) error

	Cameras(ctx context.Context) ([]*Camera, error)
	PutCamera(ctx context.Context, c *Camera) error
	// SaveCameraStatus writes last_seen and online (whole camera documents).
	SaveCameraStatus(ctx context.Context, cs []*Camera) error
	// LiveTracks returns tracks seen since `since` and tracks whose case
	// has not been judged yet.
	LiveTracks(ctx context.Context, since time.Time) ([]*Track, error)
	PutTracks(ctx context.Context, ts []*Track) error
	Tallies(ctx context.Context) ([]TallyRow, error)
	Policies(ctx context.Context) ([]Policy, error)
	PutPolicy(ctx context.Context, p Policy) error
	Zones(ctx context.Context) ([]Zone, error)
	PutZone(ctx context.Context, z Zone) error
	DeleteZone(ctx context.Context, id string) error
	AddReminder(ctx context.Context, r Reminder) error

	Lots(ctx context.Context) ([]Lot, error)
	PutLot(ctx context.Context, l Lot) error
	Points(ctx context.Context) ([]CollectionPoint, error)
	PutPoint(ctx context.Context, p CollectionPoint) error
	AddCollection(ctx context.Context, point string, at time.Time, by string) error
	LastCollections(ctx context.Context) (map[string]time.Time, error)

	AddIncident(ctx context.Context, in Incident) error
	Incidents(ctx context.Context, from, to time.Time) ([]Incident, error)
}

// SeriesQuery asks for one metric of one device at a resolution.
type SeriesQuery struct {
	Device, Metric string
	Res            string // raw | minute | hour
	From, To       time.Time
	Limit          int
}

// SeriesPoint is one raw reading (N = 1) or one aggregate bucket.
type SeriesPoint struct {
	T   time.Time `json:"t"`
	N   int       `json:"n"`
	Avg float64   `json:"avg"`
	Min float64   `json:"min"`
	Max float64   `json:"max"`
}

// Retention says how long each resolution is kept.
type Retention struct {
	Raw, Minute, Hour time.Duration
}

// DefaultRetention keeps raw readings 7 days, minute aggregates 90 days and
// hour aggregates 3 years.
var DefaultRetention = Retention{Raw: 7 * 24 * time.Hour, Minute: 90 * 24 * time.Hour, Hour: 3 * 365 * 24 * time.Hour}

// TallyRow counts tracks by class, camera, vendor and outcome.
type TallyRow struct {
	Category, Camera, Vendor string
	Outcome                  Outcome
	N                        int
}

// ReminderSender sends a reminder to the party of the place a camera
// watches, if one is registered, and says by which channel ("" when none:
// the reminder stays on the site's display).
type ReminderSender interface {
	SendReminder(ctx context.Context, r Reminder, cam Camera, e Event) (channel string, err error)
}

// Reminder is a notice sent before a case (柔性执法).
type Reminder struct {
	ID       string    `json:"id"`
	Track    string    `json:"track_id"`
	Camera   string    `json:"camera_id"`
	Category string    `json:"category"`
	Channel  string    `json:"channel"` // display | sms
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// Proposal is a case the sensing layer asks the loop to open.
type Proposal struct {
	Source      string // sensor | camera
	Category    string // a catalog ref; empty only when the dictionary has no MaintenanceCategory
	Condition   int
	Description string
	Point       geo.Point
	Photos      []string
	ExternalRef string
	AutoFile    bool // accept and file at once (high-confidence rules, earned AI classes)
	At          time.Time
}

// Resolution is what became of a request to resolve a case.
type Resolution string

const (
	Resolved Resolution = "resolved" // ended by this request (withdrawn, or checked and closed)
	Waiting  Resolution = "waiting"  // with a department: resolves once it reaches 待核查
	Ended    Resolution = "ended"    // already closed, rejected, voided or merged
)

// Place is where a point lies in the region tree.
type Place struct {
	Grid, Community, Street, District string
}

// Desk is the closed loop as the sensing layer sees it. app adapts
// casework.Service to it with a system actor.
type Desk interface {
	Open(ctx context.Context, p Proposal) (caseID string, err error)
	IsOpen(ctx context.Context, caseID string) (bool, error)
	// Resolve ends the case the loop's own way; evidence (a PNG) is the
	// photo of the automatic check (核查) when the case has reached it.
	Resolve(ctx context.Context, caseID, note string, evidence []byte) (Resolution, error)
	// Outcome says how a person judged the case, if anyone has.
	Outcome(ctx context.Context, caseID string) (Outcome, error)
	Locate(p geo.Point) (Place, error)
	SavePhoto(ctx context.Context, data []byte) (id string, err error)
}
