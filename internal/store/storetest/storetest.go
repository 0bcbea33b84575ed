package storetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/worktime"
)

// Store is everything the suite exercises.
type Store interface {
	casework.Store
	casework.TallyStore
	org.RegionStore
	org.AccountStore
	CaseViews
	BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error
	CountCases(ctx context.Context) (int, error)
	CheckRollups(ctx context.Context) ([]string, error)
	RebuildRollups(ctx context.Context) error
	EachIndexedCase(ctx context.Context, closedSince time.Time, fn func(*casework.Case) error) error
	IndexedCases(ctx context.Context, ids []string) ([]*casework.Case, error)
	AppendDictEdit(ctx context.Context, kind, key string, body []byte, actor string, at time.Time) error
	DictEdits(ctx context.Context) ([]sqlstore.DictEdit, error)
	SavePhoto(ctx context.Context, p sqlstore.PhotoMeta) error
	FindPhoto(ctx context.Context, id string) (*sqlstore.PhotoMeta, error)
	MissingPhotos(ctx context.Context, ids []string) (missing []string, err error)
	FindPhotoUses(ctx context.Context, id string) ([]disclose.PhotoUse, error)
	FindPhotoEventUses(ctx context.Context, id string) ([]disclose.PhotoUse, error)
	PutOneTimeCode(ctx context.Context, key string, hash []byte, now, expires time.Time) error
	CheckOneTimeCode(ctx context.Context, key string, hash []byte, now time.Time, maxTries int) (ok bool, tries int, err error)
}

// Run runs every contract subtest, in parallel, each on a store from open.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		run  func(t *testing.T, s Store)
	}{
		{"case round trip", testCaseRoundTrip},
		{"case codes are unique under concurrency", testCodeSequence},
		{"a failing intake item fails alone", testIntakeIsolation},
		{"update version conflict", testUpdateConflict},
		{"update and events are atomic", testUpdateAtomic},
		{"find cases", testFindCases},
		{"find cases pagination", testFindCasesPages},
		{"find nearby", testFindNearby},
		{"nearby index answers as the store", testNearbyIndex},
		{"find due", testFindDue},
		{"case views for the other stores", testCaseViews},
		{"bulk create", testBulkCreate},
		{"regions import supersede history", testRegions},
		{"accounts", testAccounts},
		{"tokens", testTokens},
		{"dictionary edits", testDictEdits},
		{"photos", testPhotos},
		{"photo uses", testPhotoUses},
		{"one-time codes", testOneTimeCodes},
		{"tally for the indicators", testTally},
		{"cases per day for the big screen", testCasesPerDay},
		{"rollups equal a recount over random histories", testRollups},
		{"list totals agree with the cases", testListTotals},
		{"search by code, address and phone", testSearchCases},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

// t0 is the suite's "now": a Monday morning in 2026, in UTC+8 as the city
// sees it. Times are whole microseconds, the stores' resolution.
var (
	cst = time.FixedZone("CST", 8*3600)
	t0  = time.Date(2026, 3, 2, 9, 30, 0, 123456000, cst)
)

func ptr[T any](v T) *T { return &v }

var idSeq atomic.Int64

// newID makes unique, time-ordered test IDs (the app uses UUIDv7).
func newID(prefix string) string {
	return fmt.Sprintf("%s-%06d", prefix, idSeq.Add(1))
}

var (
	catManhole = catalog.Ref{Kind: catalog.Component, Code: "0101"}
	catParking = catalog.Ref{Kind: catalog.Event, Code: "0501"}
	catOther   = catalog.Ref{Kind: catalog.Event, Code: "0102"}
)

// newCase returns a case with every field set, reported at `at`.
func newCase(at time.Time) *casework.Case {
	due := at.Add(4 * time.Hour)
	warn := at.Add(3 * time.Hour)
	caseDue := at.Add(72 * time.Hour)
	return &casework.Case{
		ID:          newID("case"),
		Status:      casework.StatusPendingDispatch,
		Source:      casework.SourcePatrol,
		Category:    ptr(catParking),
		Condition:   2,
		Urgency:     catalog.Normal,
		Description: "机动车乱停放，占用盲道",
		Address:     "人民路 12 号",
		Point:       geo.Point{Lng: 120.123456789, Lat: 30.987654321},
		Grid:        "330102001001",
		Community:   "330102001",
		Street:      "330102",
		District:    "3301",
		Department:  "dept-traffic",
		Suggested:   "dept-traffic",
		ReporterID:  "acc-supervisor",
		Reporter:    "王五",
		Phone:       "13800000000",
		ExternalRef: "12345-" + newID("ext"),
		Photos:      []string{"aa11", "bb22"},
		AfterPhotos: []string{},
		MergedInto:  "",
		Recurrence:  "case-earlier",
		SelfHandled: false,
		Reworks:     1,
		Returns:     2,
		Shirks:      1,
		Extensions:  1,
		Urges:       3,
		Pending: &casework.Request{Kind: "extension", By: "acc-handler", At: at.Add(time.Hour), Reason: "需要调车",
			Extra: &worktime.Limit{Amount: 2, Unit: worktime.WorkingHours}},
		Stage: "dispatch",
		StageClock: &worktime.Clock{Start: at, Limit: worktime.Limit{Amount: 4, Unit: worktime.WorkingHours},
			Extra: 30 * time.Minute, Paused: []worktime.Interval{{Start: at.Add(time.Minute), End: at.Add(2 * time.Minute)}},
			PausedSince: ptr(at.Add(3 * time.Minute))},
		CaseClock:    &worktime.Clock{Start: at, Limit: worktime.Limit{Amount: 3, Unit: worktime.WorkingDays}},
		StageDue:     &due,
		StageWarn:    &warn,
		CaseDue:      &caseDue,
		Overdue:      false,
		ClosedLate:   false,
		ClosureKind:  "",
		Satisfaction: "satisfied",
		ReportedAt:   at,
		FiledAt:      ptr(at.Add(10 * time.Minute)),
		DispatchedAt: nil,
		DisposedAt:   nil,
		ClosedAt:     nil,
		UpdatedAt:    at.Add(10 * time.Minute),
	}
}

// newEvents returns n events for c, starting at c.ReportedAt.
func newEvents(c *casework.Case, n int) []casework.Event {
	evs := make([]casework.Event, n)
	for i := range evs {
		evs[i] = casework.Event{
			Action: casework.ActReport, To: c.Status, Actor: "acc-supervisor", Name: "王五",
			Post: org.PostSupervisor, At: c.ReportedAt.Add(time.Duration(i) * time.Minute),
			Note: fmt.Sprintf("第 %d 步", i+1),
		}
	}
	if n > 0 {
		evs[0].Photos = []string{"aa11"}
		evs[0].Point = &geo.Point{Lng: c.Point.Lng, Lat: c.Point.Lat}
		evs[0].Data = map[string]any{"source": "patrol", "n": 1.5, "nested": map[string]any{"ok": true}}
	}
	return evs
}

// mustCreate stores c with n events.
func mustCreate(t *testing.T, s Store, c *casework.Case, n int) []casework.Event {
	t.Helper()
	evs := newEvents(c, n)
	if err := s.CreateCase(context.Background(), c, evs); err != nil {
		t.Fatalf("CreateCase(%s): %v", c.ID, err)
	}
	return evs
}

// wantKind fails unless err carries kind k.
func wantKind(t *testing.T, what string, err error, k errs.Kind) {
	t.Helper()
	if !errs.Is(err, k) {
		t.Fatalf("%s: got error %v (kind %s), want kind %s", what, err, errs.KindOf(err), k)
	}
}

// ids lists the IDs of cases, in order.
func ids(list []*casework.Case) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.ID
	}
	return out
}

// emptyEqual treats nil and empty slices and maps alike.
var emptyEqual = cmpopts.EquateEmpty()

func mustRef(t *testing.T, s string) catalog.Ref {
	t.Helper()
	r, err := catalog.ParseRef(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// boxAround is a square of half-side d degrees around p.
func boxAround(p geo.Point, d float64) geo.Bounds {
	return geo.Bounds{MinLng: p.Lng - d, MinLat: p.Lat - d, MaxLng: p.Lng + d, MaxLat: p.Lat + d}
}
