package councilstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"cityloop/internal/council"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/pii"
	"cityloop/internal/store/councilstore"
	"cityloop/internal/store/sqlkit/sqlkittest"
)

// dialects lists how each test gets a fresh database of each dialect; the
// same contract runs on both.
var dialects = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return sqlkittest.SQLiteDSN(t, "council.db") }},
	{"postgres", func(t *testing.T) string { return sqlkittest.PostgresDSN(t, "cl_council", "the council store") }},
}

func mustOpen(t *testing.T, dsn string) *councilstore.DB {
	t.Helper()
	db, err := councilstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	keys, err := pii.ParseKeyring(keySpec)
	if err != nil {
		t.Fatal(err)
	}
	db.SetKeyring(keys)
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// keySpec is the tests' keyring, made once per run.
var keySpec = "k1:" + pii.NewKey()

var t0 = time.Date(2026, 5, 9, 1, 0, 0, 0, time.UTC)

func TestContract(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			ctx := context.Background()
			db := mustOpen(t, d.dsn(t))
			for i, c := range []string{"c1", "c1", "c2"} {
				v := &council.Volunteer{ID: fmt.Sprintf("v%d", i), Name: "志愿者", Phone: "1380013800" + fmt.Sprint(i), Community: c,
					Skills: []string{"急救"}, CreatedAt: t0.Add(time.Duration(i) * time.Minute), Registered: "admin"}
				if err := db.AddVolunteer(ctx, v); err != nil {
					t.Fatal(err)
				}
			}
			act := &council.Activity{ID: "a1", Title: "清洁家园", Community: "c1", Place: geo.Point{Lng: 118.78, Lat: 32.06}, RadiusM: 200, Start: t0, End: t0.Add(3 * time.Hour)}
			if err := db.AddActivity(ctx, act); err != nil {
				t.Fatal(err)
			}

			t.Run("other communities are not listed", func(t *testing.T) {
				got, total, err := db.FindVolunteers(ctx, council.Filter{Communities: []string{"c2"}, Limit: 10})
				if err != nil || total != 1 || len(got) != 1 || got[0].ID != "v2" {
					t.Fatalf("c2: %v %d %v", got, total, err)
				}
				if got, total, _ := db.FindVolunteers(ctx, council.Filter{Communities: []string{}, Limit: 10}); total != 0 || len(got) != 0 {
					t.Errorf("empty jurisdiction sees %d", total)
				}
				all, total, _ := db.FindVolunteers(ctx, council.Filter{Limit: 2})
				if total != 3 || len(all) != 2 || all[0].ID != "v2" {
					t.Errorf("all: %d, first page %d", total, len(all))
				}
			})
			t.Run("phone sealed at rest, open on read", func(t *testing.T) {
				v, err := db.FindVolunteer(ctx, "v0")
				if err != nil || v.Phone != "13800138000" || len(v.Skills) != 1 || !v.CreatedAt.Equal(t0) {
					t.Fatalf("%+v %v", v, err)
				}
				var raw string
				if err := db.ReadPool().QueryRowContext(ctx, `SELECT phone FROM volunteers WHERE id = 'v0'`).Scan(&raw); err != nil || strings.Contains(raw, "13800138000") {
					t.Errorf("stored phone %q %v", raw, err)
				}
			})
			t.Run("double sign-in refused, sign-out credits once", func(t *testing.T) {
				in := &council.Attendance{ActivityID: "a1", VolunteerID: "v0", In: t0, RecordedBy: "lead"}
				if err := db.SignIn(ctx, in); err != nil {
					t.Fatal(err)
				}
				if err := db.SignIn(ctx, in); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("second sign-in: %v", err)
				}
				att, err := db.SignOut(ctx, "a1", "v0", t0.Add(2*time.Hour), 2)
				if err != nil || att.Out == nil || att.Hours != 2 {
					t.Fatalf("%+v %v", att, err)
				}
				if _, err := db.SignOut(ctx, "a1", "v0", t0.Add(3*time.Hour), 3); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("second sign-out: %v", err)
				}
				if _, err := db.SignOut(ctx, "a1", "v1", t0.Add(3*time.Hour), 3); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("sign-out without sign-in: %v", err)
				}
				v, _ := db.FindVolunteer(ctx, "v0")
				if v.Hours != 2 {
					t.Errorf("hours %v, want 2", v.Hours)
				}
				if err := db.SignIn(ctx, &council.Attendance{ActivityID: "a1", VolunteerID: "nobody", In: t0, RecordedBy: "lead"}); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("unknown volunteer: %v", err)
				}
			})
			t.Run("one vote per person, even at once", func(t *testing.T) {
				tp := &council.Topic{ID: "t1", Community: "c1", Title: "增设停车位", State: council.Collecting, CreatedAt: t0, UpdatedAt: t0, CreatedBy: "lead"}
				if err := db.AddTopic(ctx, tp); err != nil {
					t.Fatal(err)
				}
				if err := db.AddVote(ctx, &council.Vote{TopicID: "t1", Person: "v0", Yes: true, At: t0}); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("vote while collecting: %v", err)
				}
				if err := db.AddOpinion(ctx, &council.Opinion{TopicID: "t1", Person: "v1", Text: "赞成", At: t0}); err != nil {
					t.Fatal(err)
				}
				st, err := council.Apply(tp, council.OpenVote, "", "lead", t0.Add(time.Hour))
				if err != nil {
					t.Fatal(err)
				}
				if err := db.SaveStep(ctx, tp, st); err != nil || tp.Version != 2 {
					t.Fatal(err, tp.Version)
				}
				if err := db.AddOpinion(ctx, &council.Opinion{TopicID: "t1", Person: "v1", Text: "迟到的意见", At: t0}); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("opinion while voting: %v", err)
				}
				var wg sync.WaitGroup
				results := make([]error, 4)
				for i := range results {
					wg.Add(1)
					go func() {
						defer wg.Done()
						results[i] = db.AddVote(ctx, &council.Vote{TopicID: "t1", Person: "v0", Yes: true, At: t0})
					}()
				}
				wg.Wait()
				ok := 0
				for _, err := range results {
					switch {
					case err == nil:
						ok++
					case errs.KindOf(err) != errs.KindConflict:
						t.Errorf("concurrent vote: %v", err)
					}
				}
				if err := db.AddVote(ctx, &council.Vote{TopicID: "t1", Person: "v1", Yes: false, At: t0}); err != nil {
					t.Fatal(err)
				}
				got, _ := db.FindTopic(ctx, "t1")
				if ok != 1 || got.Yes != 1 || got.No != 1 || got.Opinions != 1 || got.State != council.Voting {
					t.Errorf("%d votes accepted; topic %+v", ok, got)
				}
			})
			t.Run("stale version refused, history kept", func(t *testing.T) {
				a, _ := db.FindTopic(ctx, "t1")
				b, _ := db.FindTopic(ctx, "t1")
				st, _ := council.Apply(a, council.Answer, "同意，下月施工", "leader", t0.Add(2*time.Hour))
				if err := db.SaveStep(ctx, a, st); err != nil {
					t.Fatal(err)
				}
				st2, _ := council.Apply(b, council.Answer, "另一个答复", "leader", t0.Add(2*time.Hour))
				if err := db.SaveStep(ctx, b, st2); errs.KindOf(err) != errs.KindConflict {
					t.Errorf("stale answer: %v", err)
				}
				got, _ := db.FindTopic(ctx, "t1")
				steps, err := db.Steps(ctx, "t1")
				if err != nil || got.Answer != "同意，下月施工" || got.State != council.Answered || len(steps) != 2 || steps[1].Note != "同意，下月施工" {
					t.Errorf("topic %+v steps %+v %v", got, steps, err)
				}
				ops, _ := db.Opinions(ctx, "t1", 10)
				if len(ops) != 1 || ops[0].Text != "赞成" {
					t.Errorf("opinions %+v", ops)
				}
			})
			t.Run("lists by state and community", func(t *testing.T) {
				got, total, err := db.FindTopics(ctx, council.Filter{Communities: []string{"c1"}, State: council.Answered, Limit: 10})
				if err != nil || total != 1 || got[0].ID != "t1" {
					t.Errorf("%v %d %v", got, total, err)
				}
				if _, total, _ := db.FindTopics(ctx, council.Filter{Communities: []string{"c2"}, Limit: 10}); total != 0 {
					t.Errorf("c2 sees %d topics", total)
				}
				acts, total, err := db.FindActivities(ctx, council.Filter{Communities: []string{"c1"}, Limit: 10})
				if err != nil || total != 1 || acts[0].RadiusM != 200 || !acts[0].End.Equal(act.End) {
					t.Errorf("%v %d %v", acts, total, err)
				}
			})
			t.Run("phones resealed under a rotated key", func(t *testing.T) {
				newKey := "k2:" + pii.NewKey()
				rotated, err := pii.ParseKeyring(newKey + "," + keySpec)
				if err != nil {
					t.Fatal(err)
				}
				db.SetKeyring(rotated)
				if n, err := db.ResealPII(ctx); err != nil || n != 3 {
					t.Fatalf("resealed %d: %v", n, err)
				}
				if n, _ := db.ResealPII(ctx); n != 0 {
					t.Errorf("second reseal rewrote %d", n)
				}
				// Only the new key is needed to read them now.
				only, _ := pii.ParseKeyring(newKey)
				db.SetKeyring(only)
				defer db.SetKeyring(rotated)
				v, err := db.FindVolunteer(ctx, "v1")
				if err != nil || v.Phone != "13800138001" {
					t.Errorf("after reseal: %+v %v", v, err)
				}
			})
			t.Run("missing", func(t *testing.T) {
				for _, err := range []error{
					func() error { _, err := db.FindTopic(ctx, "x"); return err }(),
					func() error { _, err := db.FindVolunteer(ctx, "x"); return err }(),
					func() error { _, err := db.FindActivity(ctx, "x"); return err }(),
				} {
					if errs.KindOf(err) != errs.KindNotFound {
						t.Errorf("missing: %v", err)
					}
				}
			})
		})
	}
}
