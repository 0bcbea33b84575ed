// Package hubtest builds a small city for the interoperability tests and
// benchmarks: sqlstore and hubstore on one temporary SQLite file (or a
// fresh PostgreSQL schema), the built-in dictionary, a 2×2-grid city and a
// casework.Service. It is test support only.
package hubtest

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"
	_ "github.com/jackc/pgx/v5/stdlib"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/store/hubstore"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/worktime"
)

// Env is one test city.
type Env struct {
	DSN   string
	Cases *casework.Service
	Store *sqlstore.DB
	Hub   *hubstore.DB
	Atlas *org.Atlas
	Dict  *catalog.Dictionary
	Cal   *worktime.Calendar
}

// Actors of the loop, one per post.
var (
	Supervisor = org.Actor{ID: "sup", Name: "监督员", Grants: []org.Grant{{Post: org.PostSupervisor}}}
	Operator   = org.Actor{ID: "op", Name: "受理员", Grants: []org.Grant{{Post: org.PostOperator}}}
	ShiftLead  = org.Actor{ID: "lead", Name: "值班长", Grants: []org.Grant{{Post: org.PostShiftLead}}}
	Dispatcher = org.Actor{ID: "disp", Name: "派遣员", Grants: []org.Grant{{Post: org.PostDispatcher}}}
	Citizen    = org.Actor{ID: "", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}
)

// Handler is a department handler actor.
func Handler(dept string) org.Actor {
	return org.Actor{ID: "h-" + dept, Name: "处置 " + dept, Grants: []org.Grant{{Post: org.PostHandler, Department: dept}}}
}

// City is the fixture: one district 118.70–118.80 E, 32.00–32.10 N, two
// streets, one community each, 2×2 grids per community.
func City() []org.Region {
	at := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	box := func(x0, y0, x1, y1 float64) geo.MultiPolygon {
		return geo.MultiPolygon{geo.Polygon{geo.Ring{{Lng: x0, Lat: y0}, {Lng: x1, Lat: y0}, {Lng: x1, Lat: y1}, {Lng: x0, Lat: y1}, {Lng: x0, Lat: y0}}}}
	}
	reg := func(code, name, parent string, l org.Level, x0, y0, x1, y1 float64) org.Region {
		s := box(x0, y0, x1, y1)
		return org.Region{ID: uuid.NewString(), Code: code, Name: name, Parent: parent, Level: l, Shape: s, Bounds: s.Bounds(), ValidFrom: at, Version: 1}
	}
	rs := []org.Region{
		reg("3201", "测试市", "", org.LevelCity, 118.70, 32.00, 118.80, 32.10),
		reg("320101", "测试区", "3201", org.LevelDistrict, 118.70, 32.00, 118.80, 32.10),
		reg("320101001", "西街道", "320101", org.LevelStreet, 118.70, 32.00, 118.75, 32.10),
		reg("320101002", "东街道", "320101", org.LevelStreet, 118.75, 32.00, 118.80, 32.10),
		reg("320101001001", "西社区", "320101001", org.LevelCommunity, 118.70, 32.00, 118.75, 32.10),
		reg("320101002001", "东社区", "320101002", org.LevelCommunity, 118.75, 32.00, 118.80, 32.10),
	}
	for _, c := range []struct {
		code string
		x0   float64
	}{{"320101001001", 118.70}, {"320101002001", 118.75}} {
		n := 0
		for i := 0; i < 2; i++ {
			for j := 0; j < 2; j++ {
				n++
				x0, y0 := c.x0+float64(i)*0.025, 32.00+float64(j)*0.05
				rs = append(rs, reg(fmt.Sprintf("%s%02d", c.code, n), fmt.Sprintf("网格%d", n), c.code, org.LevelGrid, x0, y0, x0+0.025, y0+0.05))
			}
		}
	}
	return rs
}

// PostgresEnv names the variable that points the tests at PostgreSQL.
const PostgresEnv = "CITYLOOP_TEST_POSTGRES_URL"

// Open builds an Env on a temporary SQLite file, or on a fresh PostgreSQL
// schema when pg is true (the test is skipped without CITYLOOP_TEST_POSTGRES_URL).
func Open(t testing.TB, pg bool) *Env {
	t.Helper()
	ctx := context.Background()
	dsn := "sqlite:" + filepath.Join(t.TempDir(), "interop.db")
	if pg {
		base := os.Getenv(PostgresEnv)
		if base == "" {
			t.Skip(PostgresEnv + " is not set: skipping the PostgreSQL run")
		}
		dsn = freshSchema(t, base)
	}
	return OpenDSN(t, ctx, dsn)
}

// OpenDSN builds an Env on dsn (migrating both stores).
func OpenDSN(t testing.TB, ctx context.Context, dsn string) *Env {
	t.Helper()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hs, err := hubstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hs.Close() })
	hs.SetCases(st)
	if err := hs.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	atlas, err := org.NewAtlas(City())
	if err != nil {
		t.Fatal(err)
	}
	dict, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	cal, err := worktime.Default()
	if err != nil {
		t.Fatal(err)
	}
	e := &Env{DSN: dsn, Store: st, Hub: hs, Atlas: atlas, Dict: dict, Cal: cal}
	e.Cases = &casework.Service{Store: st, Atlas: func() *org.Atlas { return atlas }, Dict: func() *catalog.Dictionary { return dict },
		Cal: cal, Now: func() time.Time { return time.Now().UTC() }, NewID: func() string { return uuid.Must(uuid.NewV7()).String() }}
	return e
}

// freshSchema makes a schema of its own for one test and returns a DSN
// whose search_path points at it.
func freshSchema(t testing.TB, base string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := "t_interop_" + uuid.NewString()[:8]
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d, err := sql.Open("pgx", base)
		if err == nil {
			_, _ = d.Exec("DROP SCHEMA " + schema + " CASCADE")
			d.Close()
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Walk takes a case from report to closure with the loop's posts and
// returns the case after each step; the case must have a category.
func (e *Env) Walk(t testing.TB, id string) *casework.Case {
	t.Helper()
	ctx := context.Background()
	c, err := e.Store.FindCaseByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	steps := []casework.Command{
		{Action: casework.ActAccept, Actor: Operator},
		{Action: casework.ActFile, Actor: ShiftLead},
	}
	for _, cmd := range steps {
		if c, _, err = e.Cases.Act(ctx, id, cmd); err != nil {
			t.Fatalf("%s: %v", cmd.Action, err)
		}
	}
	if c.Status == casework.StatusPendingDispatch {
		dept := c.Suggested
		if c, _, err = e.Cases.Act(ctx, id, casework.Command{Action: casework.ActDispatch, Actor: Dispatcher, Department: dept}); err != nil {
			t.Fatalf("dispatch: %v", err)
		}
	}
	h := Handler(c.Department)
	for _, cmd := range []casework.Command{
		{Action: casework.ActSign, Actor: h},
		{Action: casework.ActDispose, Actor: h, Note: "已处置", Photos: []string{"after"}},
		{Action: casework.ActCheck, Actor: Supervisor, Passed: &yes, Photos: []string{"check"}},
		{Action: casework.ActClose, Actor: ShiftLead},
	} {
		if c, _, err = e.Cases.Act(ctx, id, cmd); err != nil {
			t.Fatalf("%s: %v", cmd.Action, err)
		}
	}
	return c
}
