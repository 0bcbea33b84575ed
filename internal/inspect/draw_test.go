package inspect

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/errs"
)

// testPlan is a plan of n objects over two districts and m inspectors
// (odd ones in 鼓楼区, even ones in 玄武区, the last one city-level).
func testPlan(n, m, count, per int) *Plan {
	p := &Plan{ID: "plan-1", PlanInput: PlanInput{Name: "2026年第三季度店外经营抽查", Period: "2026Q3", Count: count, PerObject: per}}
	for i := range n {
		d := "玄武区"
		if i%2 == 1 {
			d = "鼓楼区"
		}
		p.Objects = append(p.Objects, Object{ID: fmt.Sprintf("o%03d", i), Name: fmt.Sprintf("商铺%d", i), Kind: KindShop, District: d,
			Address: fmt.Sprintf("中山路%d号", i), Contact: "张三", Phone: "13812345678"})
	}
	for i := range m {
		d := "玄武区"
		if i%2 == 1 {
			d = "鼓楼区"
		}
		if i == m-1 {
			d = ""
		}
		p.Inspectors = append(p.Inspectors, Inspector{ID: fmt.Sprintf("i%02d", i), Name: fmt.Sprintf("队员%d", i),
			Certificate: fmt.Sprintf("32010020%04d", i), District: d, Phone: "13900001111"})
	}
	p.Normalize()
	return p
}

func seedOf(b byte) []byte { return bytes.Repeat([]byte{b}, SeedSize) }

func TestRun_Deterministic(t *testing.T) {
	p := testPlan(40, 10, 8, 2)
	a, err := Run(p, seedOf(1))
	if err != nil {
		t.Fatal(err)
	}
	// The same data typed in another order draws the same.
	q := testPlan(40, 10, 8, 2)
	slices.Reverse(q.Objects)
	slices.Reverse(q.Inspectors)
	b, err := Run(q, seedOf(1))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a) != fmt.Sprint(b) || a.PlanHash != p.Hash() || q.Hash() != p.Hash() {
		t.Fatalf("order changed the draw:\n%v\n%v", a, b)
	}
	c, err := Run(p, seedOf(2))
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(a.Assignments) == fmt.Sprint(c.Assignments) {
		t.Fatal("another seed drew the same")
	}
	// A golden draw: a change of algorithm must be deliberate, since it
	// breaks the verification of every published draw.
	got := []string{}
	for _, x := range a.Assignments {
		got = append(got, x.Object.ID+":"+officerIDs(x.Inspectors))
	}
	if a.PlanHash != goldenHash || strings.Join(got, " ") != goldenDraw {
		t.Errorf("draw changed:\nhash %s\ndraw %s", a.PlanHash, strings.Join(got, " "))
	}
}

// The golden draw of testPlan(40, 10, 8, 2) with seed 0x01…; see TestRun_Deterministic.
const (
	goldenHash = "8170109deec661f04662266c180f7cfbd5f7efe611df9c8daf43fb81ebad29a6"
	goldenDraw = "o028:i04,i03 o022:i05,i08 o015:i01,i06 o016:i00,i09 o013:i06,i09 o033:i05,i06 o038:i03,i09 o018:i05,i08"
)

func TestRun_Rules(t *testing.T) {
	tests := []struct {
		name  string
		plan  func() *Plan
		check func(t *testing.T, p *Plan, r Result)
		err   string // substring of the error; "" none
		kind  errs.Kind
	}{
		{name: "count objects, distinct, each with per-object distinct inspectors", plan: func() *Plan { return testPlan(30, 8, 12, 3) },
			check: func(t *testing.T, p *Plan, r Result) {
				seen := map[string]bool{}
				for _, a := range r.Assignments {
					if seen[a.Object.ID] {
						t.Errorf("object %s drawn twice", a.Object.ID)
					}
					seen[a.Object.ID] = true
					ids := map[string]bool{}
					for _, o := range a.Inspectors {
						ids[o.ID] = true
					}
					if len(a.Inspectors) != 3 || len(ids) != 3 {
						t.Errorf("object %s: inspectors %v", a.Object.ID, a.Inspectors)
					}
				}
				if len(r.Assignments) != 12 {
					t.Errorf("%d objects drawn", len(r.Assignments))
				}
			}},
		{name: "district restriction: objects and inspectors of the district or city-level", plan: func() *Plan {
			p := testPlan(30, 8, 10, 2)
			p.District = "鼓楼区"
			return p
		}, check: func(t *testing.T, p *Plan, r Result) {
			for _, a := range r.Assignments {
				if a.Object.District != "鼓楼区" {
					t.Errorf("object %s of %s drawn", a.Object.ID, a.Object.District)
				}
				for _, o := range a.Inspectors {
					if d := inspector(p, o.ID).District; d != "鼓楼区" && d != "" {
						t.Errorf("inspector %s of %s drawn", o.ID, d)
					}
				}
			}
		}},
		{name: "declared conflicts are never drawn", plan: func() *Plan {
			p := testPlan(6, 4, 6, 2)
			// i00 and i01 declare conflicts with every object but o000.
			for _, o := range p.Objects[1:] {
				p.Conflicts = append(p.Conflicts, Conflict{Inspector: "i00", Object: o.ID, Reason: "亲属经营"}, Conflict{Inspector: "i01", Object: o.ID})
			}
			p.Normalize()
			return p
		}, check: func(t *testing.T, p *Plan, r Result) {
			for _, a := range r.Assignments {
				for _, o := range a.Inspectors {
					if a.Object.ID != "o000" && (o.ID == "i00" || o.ID == "i01") {
						t.Errorf("%s drawn for %s despite a declared conflict", o.ID, a.Object.ID)
					}
				}
			}
		}},
		{name: "excluded districts are never inspected", plan: func() *Plan {
			p := testPlan(20, 6, 20, 2)
			for i := range p.Inspectors {
				if i%3 == 0 {
					p.Inspectors[i].Excluded = []string{"玄武区"}
				}
			}
			return p
		}, check: func(t *testing.T, p *Plan, r Result) {
			for _, a := range r.Assignments {
				for _, o := range a.Inspectors {
					if slices.Contains(inspector(p, o.ID).Excluded, a.Object.District) {
						t.Errorf("%s drawn for %s in excluded %s", o.ID, a.Object.ID, a.Object.District)
					}
				}
			}
		}},
		{name: "fewer than two inspectors per object", plan: func() *Plan { return testPlan(5, 5, 2, 1) },
			err: "per_object", kind: errs.KindInvalid},
		{name: "not enough inspectors after recusal", plan: func() *Plan {
			p := testPlan(4, 3, 2, 2)
			p.Conflicts = []Conflict{{Inspector: "i00", Object: "o002"}, {Inspector: "i02", Object: "o002"}}
			return p
		}, err: "o002", kind: errs.KindUnprocessable},
		{name: "not enough inspectors in the district", plan: func() *Plan {
			p := testPlan(10, 3, 2, 3)
			p.District = "鼓楼区" // i01 and city-level i02 only
			return p
		}, err: "only 2 eligible inspectors", kind: errs.KindUnprocessable},
		{name: "not enough objects", plan: func() *Plan { return testPlan(5, 4, 6, 2) },
			err: "only 5 objects are eligible", kind: errs.KindUnprocessable},
		{name: "a conflict naming nobody", plan: func() *Plan {
			p := testPlan(5, 4, 2, 2)
			p.Conflicts = []Conflict{{Inspector: "ghost", Object: "o001"}}
			return p
		}, err: "no such inspector", kind: errs.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.plan()
			p.Normalize()
			verr := p.Validate()
			r, err := Run(p, seedOf(7))
			if tt.err != "" {
				if err == nil || verr == nil {
					t.Fatalf("drew %v (validate: %v), want an error with %q", r, verr, tt.err)
				}
				if !strings.Contains(errText(err), tt.err) || errs.KindOf(err) != tt.kind {
					t.Fatalf("error %v (kind %v), want %q of kind %v", errText(err), errs.KindOf(err), tt.err, tt.kind)
				}
				return
			}
			if err != nil || verr != nil {
				t.Fatalf("run: %v, validate: %v", err, verr)
			}
			tt.check(t, p, r)
			// Many seeds, to exercise the rules beyond one lucky draw.
			for b := range 50 {
				r, err := Run(p, seedOf(byte(b)))
				if err != nil {
					t.Fatal(err)
				}
				tt.check(t, p, r)
			}
		})
	}
}

// errText is the message with its field errors.
func errText(err error) string {
	if e, ok := errs.As(err); ok {
		return fmt.Sprintf("%s %v", e.Message, e.Fields)
	}
	return err.Error()
}

func inspector(p *Plan, id string) Inspector {
	for _, x := range p.Inspectors {
		if x.ID == id {
			return x
		}
	}
	return Inspector{}
}

// TestRun_Uniform: over many seeds every eligible object is drawn about
// equally often (no modulo or ordering bias a verifier could point at).
func TestRun_Uniform(t *testing.T) {
	p := testPlan(10, 4, 1, 2)
	counts := map[string]int{}
	const runs = 5000
	for i := range runs {
		seed := make([]byte, SeedSize)
		seed[0], seed[1] = byte(i), byte(i>>8)
		r, err := Run(p, seed)
		if err != nil {
			t.Fatal(err)
		}
		counts[r.Assignments[0].Object.ID]++
	}
	for id, n := range counts {
		if n < runs/10*8/10 || n > runs/10*12/10 {
			t.Errorf("object %s drawn %d times of %d, want about %d", id, n, runs, runs/10)
		}
	}
	if len(counts) != 10 {
		t.Errorf("only %d objects ever drawn", len(counts))
	}
}

func TestVerify(t *testing.T) {
	p := testPlan(30, 8, 6, 2)
	seed := seedOf(9)
	commitment := SeedHash(seed)
	res, err := Run(p, seed)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(p, seed, commitment, res); err != nil {
		t.Fatalf("the honest draw does not verify: %v", err)
	}
	tests := []struct {
		name   string
		mutate func(p *Plan, seed []byte, commitment *string, r *Result)
		want   string
	}{
		{"another seed", func(p *Plan, seed []byte, c *string, r *Result) { seed[0] ^= 1 }, "commitment"},
		{"another commitment", func(p *Plan, seed []byte, c *string, r *Result) { *c = SeedHash(seedOf(3)) }, "commitment"},
		{"an object renamed in the plan", func(p *Plan, seed []byte, c *string, r *Result) { p.Objects[0].Name = "别的商铺" }, "plan hash"},
		{"an inspector added to the plan", func(p *Plan, seed []byte, c *string, r *Result) {
			p.Inspectors = append(p.Inspectors, Inspector{ID: "i99", Name: "新队员", Certificate: "320100209999"})
		}, "plan hash"},
		{"a conflict added to the plan", func(p *Plan, seed []byte, c *string, r *Result) {
			p.Conflicts = append(p.Conflicts, Conflict{Inspector: "i00", Object: "o000"})
		}, "plan hash"},
		{"an inspector swapped in the result", func(p *Plan, seed []byte, c *string, r *Result) {
			a := &r.Assignments[2]
			for _, x := range p.Inspectors {
				if !slices.ContainsFunc(a.Inspectors, func(o Officer) bool { return o.ID == x.ID }) {
					a.Inspectors[0] = Officer{ID: x.ID, Name: x.Name, Certificate: x.Certificate}
					break
				}
			}
		}, "should have inspectors"},
		{"an object swapped in the result", func(p *Plan, seed []byte, c *string, r *Result) {
			r.Assignments[0].Object.ID = "o029"
			if res.Assignments[0].Object.ID == "o029" {
				r.Assignments[0].Object.ID = "o028"
			}
		}, "object 1 should be"},
		{"a certificate changed in the result", func(p *Plan, seed []byte, c *string, r *Result) {
			r.Assignments[1].Inspectors[0].Certificate = "000000"
		}, "certificate numbers"},
		{"an object renamed in the result", func(p *Plan, seed []byte, c *string, r *Result) { r.Assignments[0].Object.Name = "别的商铺" }, "differ from the plan"},
		{"an object dropped from the result", func(p *Plan, seed []byte, c *string, r *Result) { r.Assignments = r.Assignments[1:] }, "the re-run draws 6"},
		{"two objects reordered", func(p *Plan, seed []byte, c *string, r *Result) {
			r.Assignments[0], r.Assignments[1] = r.Assignments[1], r.Assignments[0]
		}, "should be"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := testPlan(30, 8, 6, 2)
			s := slices.Clone(seed)
			c := commitment
			r := Result{PlanHash: res.PlanHash}
			for _, a := range res.Assignments {
				a.Inspectors = slices.Clone(a.Inspectors)
				r.Assignments = append(r.Assignments, a)
			}
			tt.mutate(q, s, &c, &r)
			err := Verify(q, s, c, r)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Verify = %v, want an error about %q", err, tt.want)
			}
		})
	}
}

// TestVerify_FromTheDocument: a verifier holding only the published
// document, the seed and the result reproduces the draw.
func TestVerify_FromTheDocument(t *testing.T) {
	p := testPlan(25, 7, 5, 3)
	p.Conflicts = []Conflict{{Inspector: "i01", Object: "o003", Reason: "其配偶经营"}}
	seed := seedOf(4)
	res, err := Run(p, seed)
	if err != nil {
		t.Fatal(err)
	}
	doc := p.Canonical()
	for _, secret := range []string{"13812345678", "13900001111", "张三", "其配偶经营", "中山路"} {
		if strings.Contains(string(doc), secret) {
			t.Errorf("the published document holds %q: %s", secret, doc)
		}
	}
	q, err := PlanFromCanonical(doc)
	if err != nil {
		t.Fatal(err)
	}
	if q.Hash() != p.Hash() {
		t.Fatalf("document round trip changed the hash")
	}
	if err := Verify(q, seed, SeedHash(seed), res); err != nil {
		t.Fatalf("verify from the document: %v", err)
	}
	if _, err := PlanFromCanonical([]byte(`{"format":"other/9"}`)); err == nil {
		t.Error("an unknown format was read")
	}
}

func TestSeed(t *testing.T) {
	s, err := NewSeed(bytes.NewReader(bytes.Repeat([]byte{0xab}, 40)))
	if err != nil || len(s) != SeedSize {
		t.Fatalf("%x %v", s, err)
	}
	if _, err := NewSeed(bytes.NewReader([]byte{1, 2})); err == nil {
		t.Error("a short random source made a seed")
	}
	// SHA-256 of 32 bytes of 0xab, as Python's hashlib prints it.
	if got := SeedHash(s); got != "9a2db2e23f1504cd056606553ac049c5e718e8f9ce9233876df1a7a1821af885" {
		t.Errorf("SeedHash %s", got)
	}
	if _, err := Run(testPlan(5, 4, 1, 2), []byte{1}); err == nil {
		t.Error("a short seed drew")
	}
}

func TestDecideOutcome(t *testing.T) {
	cal := testCalendar(t)
	p := testPlan(10, 4, 2, 2)
	drawnAt := time.Date(2026, 9, 28, 2, 0, 0, 0, time.UTC) // Monday 10:00 in Beijing
	res, err := Run(p, seedOf(5))
	if err != nil {
		t.Fatal(err)
	}
	drawn := *p
	drawn.Status, drawn.ResultDays = StatusDrawn, 20
	drawn.Draw = &Draw{Seed: hex.EncodeToString(seedOf(5)), DrawnAt: drawnAt, Result: res}
	obj := res.Assignments[0].Object.ID
	now := drawnAt.Add(72 * time.Hour)
	tests := []struct {
		name  string
		plan  *Plan
		in    OutcomeInput
		field string // "" accepted
		kind  errs.Kind
	}{
		{"accepted", &drawn, OutcomeInput{Object: obj, Kind: OutcomeRectify, Note: "占道经营，责令当日整改", InspectedAt: drawnAt.Add(24 * time.Hour)}, "", 0},
		{"not drawn yet", p, OutcomeInput{Object: obj, Kind: OutcomePassed, InspectedAt: now}, "", errs.KindConflict},
		{"an object not drawn", &drawn, OutcomeInput{Object: "nowhere", Kind: OutcomePassed, InspectedAt: now}, "object_id", errs.KindInvalid},
		{"an unknown outcome", &drawn, OutcomeInput{Object: obj, Kind: "fine", InspectedAt: now}, "outcome", errs.KindInvalid},
		{"before the draw", &drawn, OutcomeInput{Object: obj, Kind: OutcomePassed, InspectedAt: drawnAt.Add(-time.Hour)}, "inspected_at", errs.KindInvalid},
		{"in the future", &drawn, OutcomeInput{Object: obj, Kind: OutcomePassed, InspectedAt: now.Add(time.Hour)}, "inspected_at", errs.KindInvalid},
		{"no time", &drawn, OutcomeInput{Object: obj, Kind: OutcomePassed}, "inspected_at", errs.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := DecideOutcome(tt.plan, tt.in, "acc-enforcer", now, cal)
			if tt.kind == 0 {
				if err != nil {
					t.Fatal(err)
				}
				// 20 working days from Tuesday 29 September 2026 10:00
				// skip the National Day holiday (1–7 October; 10 October
				// is a 调休 working Saturday).
				if o.PublishBy.Before(o.InspectedAt.AddDate(0, 0, 28)) || !o.OnTime() {
					t.Errorf("publish by %v for an inspection at %v", o.PublishBy.In(cal.Location()), o.InspectedAt.In(cal.Location()))
				}
				return
			}
			if errs.KindOf(err) != tt.kind {
				t.Fatalf("error %v, want kind %v", err, tt.kind)
			}
			if tt.field != "" && !strings.Contains(errText(err), tt.field) {
				t.Errorf("error %v does not name %s", errText(err), tt.field)
			}
		})
	}
}

func TestPublicOf_Masked(t *testing.T) {
	p := testPlan(10, 4, 3, 2)
	p.Conflicts = []Conflict{{Inspector: "i00", Object: "o001", Reason: "其配偶经营"}}
	p.Normalize()
	seed := seedOf(6)
	res, err := Run(p, seed)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 6, 1, 2, 0, 0, 0, time.UTC)
	res.Assignments[0].Outcome = &Outcome{Object: res.Assignments[0].Object.ID, Kind: OutcomeFailed,
		Note: "负责人电话 13812345678，身份证 320102199001011234", InspectedAt: at, RecordedAt: at, PublishBy: at.Add(time.Hour)}
	p.Status = StatusDrawn
	p.Commitment = &Commitment{PlanHash: p.Hash(), SeedHash: SeedHash(seed)}
	p.Draw = &Draw{Seed: hex.EncodeToString(seed), Result: res}
	v := PublicOf(p)
	text := fmt.Sprintf("%+v", v)
	for _, secret := range []string{"13812345678", "13900001111", "张三", "其配偶经营", "320102199001011234", "中山路0号"} {
		if strings.Contains(text, secret) {
			t.Errorf("public view holds %q", secret)
		}
	}
	if v.Seed == "" || len(v.Results) != 3 || v.Results[0].OutcomeName != "不合格" || v.Results[0].Inspectors[0].Certificate == "" {
		t.Errorf("public view %+v", v)
	}
	m := p.Masked()
	if m.Objects[0].Phone == p.Objects[0].Phone || m.Conflicts[0].Reason == p.Conflicts[0].Reason || p.Objects[0].Phone != "13812345678" {
		t.Errorf("masked %+v, original %+v", m.Objects[0], p.Objects[0])
	}
}
