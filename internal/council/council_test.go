package council

import (
	"slices"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

var t0 = time.Date(2026, 5, 9, 1, 0, 0, 0, time.UTC) // 09:00 in China

func activity() *Activity {
	return &Activity{ID: "a1", Title: "清洁家园", Community: "320101001001", Place: geo.Point{Lng: 118.78, Lat: 32.06},
		RadiusM: 200, Start: t0, End: t0.Add(3 * time.Hour)}
}

func TestCheckPresence(t *testing.T) {
	a := activity()
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	// 0.001° of latitude is about 111 m.
	for _, c := range []struct {
		name  string
		where geo.Point
		at    time.Time
		kind  errs.Kind
	}{
		{"outside the radius", geo.Point{Lng: 118.78, Lat: 32.063}, t0.Add(time.Hour), errs.KindConflict},
		{"before the window", a.Place, t0.Add(-time.Hour), errs.KindConflict},
		{"after the window", a.Place, t0.Add(3*time.Hour + time.Second), errs.KindConflict},
		{"no position", geo.Point{}, t0.Add(time.Hour), errs.KindInvalid},
		{"nowhere on earth", geo.Point{Lng: 200, Lat: 32}, t0.Add(time.Hour), errs.KindInvalid},
		{"inside, on time", geo.Point{Lng: 118.78, Lat: 32.0615}, t0.Add(time.Hour), 0},
		{"a little early", a.Place, t0.Add(-10 * time.Minute), 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := a.CheckPresence(c.where, c.at)
			if c.kind == 0 && err != nil || c.kind != 0 && errs.KindOf(err) != c.kind {
				t.Errorf("got %v, want kind %v", err, c.kind)
			}
		})
	}
}

func TestCredit(t *testing.T) {
	a := activity()
	for _, c := range []struct {
		name    string
		in, out time.Time
		want    float64
	}{
		{"whole activity", t0, t0.Add(3 * time.Hour), 3},
		{"early arrival not paid", t0.Add(-15 * time.Minute), t0.Add(time.Hour), 1},
		{"late stay not paid", t0.Add(2 * time.Hour), t0.Add(5 * time.Hour), 1},
		{"quarter hours rounded down", t0, t0.Add(74 * time.Minute), 1.0},
		{"out before in", t0.Add(time.Hour), t0, 0},
	} {
		if got := a.Credit(c.in, c.out); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestActivityValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(a *Activity)
	}{
		{"radius too wide", func(a *Activity) { a.RadiusM = 50000 }},
		{"radius NaN-like zero", func(a *Activity) { a.RadiusM = 0 }},
		{"ends before it starts", func(a *Activity) { a.End = a.Start.Add(-time.Hour) }},
		{"lasts days", func(a *Activity) { a.End = a.Start.Add(72 * time.Hour) }},
		{"no place", func(a *Activity) { a.Place = geo.Point{} }},
		{"no title", func(a *Activity) { a.Title = "  " }},
	} {
		a := activity()
		c.edit(a)
		if err := a.Validate(); errs.KindOf(err) != errs.KindInvalid {
			t.Errorf("%s: %v, want invalid", c.name, err)
		}
	}
}

func TestVolunteerValidate(t *testing.T) {
	for _, c := range []struct {
		name string
		v    Volunteer
		ok   bool
	}{
		{"phone with spaces", Volunteer{Name: "张三", Phone: "138 0013 8000", Community: "c"}, true},
		{"short phone", Volunteer{Name: "张三", Phone: "1380013", Community: "c"}, false},
		{"no name", Volunteer{Name: " ", Phone: "13800138000", Community: "c"}, false},
		{"no community", Volunteer{Name: "张三", Phone: "13800138000"}, false},
		{"empty skill", Volunteer{Name: "张三", Phone: "13800138000", Community: "c", Skills: []string{""}}, false},
	} {
		if err := c.v.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

func TestLifecycle(t *testing.T) {
	// Wrong actions first: each is a 409 carrying what is possible.
	for _, c := range []struct {
		from State
		a    Action
	}{
		{Collecting, Answer}, {Collecting, Close}, {Voting, OpenVote}, {Voting, Close},
		{Answered, Close}, {Closed, FollowUp}, {Closed, OpenVote},
	} {
		tp := &Topic{State: c.from}
		_, err := Apply(tp, c.a, "说明", "u", t0)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindConflict || tp.State != c.from {
			t.Errorf("%s from %s: %v, state %s", c.a, c.from, err, tp.State)
			continue
		}
		if !slices.Equal(e.Details["allowed_actions"].([]Action), Allowed(c.from)) {
			t.Errorf("%s from %s: allowed %v", c.a, c.from, e.Details["allowed_actions"])
		}
	}
	tp := &Topic{Title: "小区停车", Community: "c"}
	if err := tp.Validate(); err != nil || tp.State != Collecting {
		t.Fatal(err, tp.State)
	}
	if _, err := Apply(tp, Answer, "", "u", t0); errs.KindOf(err) != errs.KindConflict {
		t.Errorf("answer while collecting: %v", err)
	}
	for _, s := range []struct {
		a    Action
		note string
		want State
	}{{OpenVote, "", Voting}, {Answer, "同意增设车位", Answered}, {FollowUp, "已施工", Following}, {FollowUp, "已验收", Following}, {Close, "", Closed}} {
		st, err := Apply(tp, s.a, s.note, "u", t0)
		if err != nil || tp.State != s.want || st.To != s.want {
			t.Fatalf("%s: %v, state %s", s.a, err, tp.State)
		}
	}
	if tp.Answer != "同意增设车位" {
		t.Errorf("answer %q", tp.Answer)
	}
	if len(Allowed(Closed)) != 0 {
		t.Errorf("closed allows %v", Allowed(Closed))
	}
}

func TestAnswerNeedsText(t *testing.T) {
	tp := &Topic{State: Voting}
	if _, err := Apply(tp, Answer, "  ", "u", t0); errs.KindOf(err) != errs.KindInvalid || tp.State != Voting {
		t.Errorf("empty answer: %v, %s", err, tp.State)
	}
}

func TestVotesAndOpinionsByState(t *testing.T) {
	for _, s := range []State{Collecting, Voting, Answered, Following, Closed} {
		tp := &Topic{State: s}
		verr := CheckVote(tp, &Vote{Person: "p"})
		oerr := CheckOpinion(tp, &Opinion{Person: "p", Text: "好"})
		if (verr == nil) != (s == Voting) || (oerr == nil) != (s == Collecting) {
			t.Errorf("%s: vote %v, opinion %v", s, verr, oerr)
		}
	}
	if err := CheckVote(&Topic{State: Voting}, &Vote{}); errs.KindOf(err) != errs.KindInvalid {
		t.Errorf("anonymous vote: %v", err)
	}
}
