package analysis

import (
	"math"
	"math/rand/v2"
	"testing"
)

// poisson draws from a Poisson distribution of mean lambda (Knuth; the
// means here are small).
func poisson(rng *rand.Rand, lambda float64) int {
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= rng.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// synthetic builds weeks of history for cells whose mean follows a yearly
// wave (amplitude amp around base, peaking mid-year) times a per-cell
// weight, with Poisson noise; totals are the cells' sums.
func synthetic(seed uint64, weeks, cells int, base, amp float64) *History {
	rng := rand.New(rand.NewPCG(seed, 7))
	var rows []CellWeek
	var totals []WeekCount
	for w := 0; w < weeks; w++ {
		season := 1 + amp*math.Sin(2*math.Pi*float64(w)/52)
		t := 0
		for c := 0; c < cells; c++ {
			weight := 0.3 + 1.4*float64(c%5)/4 // cells differ: 0.3 … 1.7
			n := poisson(rng, base*weight*season)
			if n > 0 {
				rows = append(rows, CellWeek{Cell: Cell{Grid: string(rune('A' + c%26)), Category: string(rune('a' + c/26))}, Week: int64(w), N: n})
			}
			t += n
		}
		totals = append(totals, WeekCount{Week: int64(w), N: t})
	}
	return NewHistory(0, weeks, rows, 0, weeks, totals)
}

// TestModel_BeatsNaive: on seasonal Poisson series the model's backtest
// error (WAPE and MAE per cell, MAPE of the weekly total) is below the
// naive "same as last week" baseline's, at horizons of one and two weeks,
// in every season of the held-out weeks.
func TestModel_BeatsNaive(t *testing.T) {
	tests := []struct {
		name       string
		weeks      int
		lastSeen   int64
		horizon    int
		base, amp  float64
		wantSeason bool
		minSkill   float64
	}{
		{"three years, rising season, next week", 156, 120, 1, 2, 0.6, true, 0.15},
		{"three years, falling season, two weeks out", 156, 145, 2, 2, 0.6, true, 0.1},
		// Cells with a case every few weeks: any point forecast misses most
		// of them, the model by less.
		{"sparse cells", 156, 130, 2, 0.3, 0.5, true, 0.03},
		{"half a year: no season to use", 26, 25, 1, 2, 0.6, false, 0.15},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := synthetic(uint64(tc.weeks)+uint64(tc.lastSeen), tc.weeks, 130, tc.base, tc.amp)
			bt := DefaultModel.Backtest(h, tc.lastSeen, tc.horizon, 8)
			if len(bt.Weeks) != 8 || bt.Cells == 0 {
				t.Fatalf("backtest has %d weeks and %d cells", len(bt.Weeks), bt.Cells)
			}
			if bt.Model.WAPE >= bt.Naive.WAPE || bt.Model.MAE >= bt.Naive.MAE {
				t.Errorf("model WAPE %.4f MAE %.4f, naive WAPE %.4f MAE %.4f: the model must beat the naive baseline",
					bt.Model.WAPE, bt.Model.MAE, bt.Naive.WAPE, bt.Naive.MAE)
			}
			if bt.Skill == nil || *bt.Skill <= tc.minSkill {
				t.Errorf("skill %v; want above %v", bt.Skill, tc.minSkill)
			}
			if bt.Model.MAPE == nil || bt.Naive.MAPE == nil {
				t.Fatalf("MAPE missing: %+v", bt)
			}
			_, ok := DefaultModel.SeasonalIndex(h, tc.lastSeen, tc.lastSeen+int64(tc.horizon))
			if ok != tc.wantSeason {
				t.Errorf("seasonal index available = %v, want %v", ok, tc.wantSeason)
			}
			t.Logf("WAPE model %.3f naive %.3f, MAE %.3f vs %.3f, MAPE(total) %.3f vs %.3f, skill %.3f",
				bt.Model.WAPE, bt.Naive.WAPE, bt.Model.MAE, bt.Naive.MAE, *bt.Model.MAPE, *bt.Naive.MAPE, *bt.Skill)
		})
	}
}

// TestModel_SeasonMatters: with a strong season the seasonal term lowers
// the error of the level alone around the turns of the wave.
func TestModel_SeasonMatters(t *testing.T) {
	h := synthetic(3, 156, 130, 3, 0.8)
	flat := DefaultModel
	flat.SeasonWeight = 0
	var with, without float64
	for _, last := range []int64{110, 120, 130, 140, 150} {
		with += DefaultModel.Backtest(h, last, 1, 6).Model.WAPE
		without += flat.Backtest(h, last, 1, 6).Model.WAPE
	}
	if with >= without {
		t.Errorf("WAPE with the season %.4f, without %.4f: the seasonal term should help on a seasonal series", with/5, without/5)
	}
}

// TestModel_ByHand checks one forecast against the arithmetic the model's
// documentation describes.
func TestModel_ByHand(t *testing.T) {
	m := Model{Window: 3, Decay: 0.5, SeasonWeight: 0.5, SeasonLag: 4}
	c := Cell{Grid: "g", Category: "event:0501"}
	// Cell weeks 4…7 = 0, 4, 2, 6; totals weeks 0…7 = 10, 10, 10, 20, 0, 0, 0, 0.
	rows := []CellWeek{{Cell: c, Week: 5, N: 4}, {Cell: c, Week: 6, N: 2}, {Cell: c, Week: 7, N: 6}}
	totals := []WeekCount{{Week: 0, N: 10}, {Week: 1, N: 10}, {Week: 2, N: 10}, {Week: 3, N: 20}}
	h := NewHistory(4, 4, rows, 0, 8, totals)
	// level at 7 = (6 + 0.5·2 + 0.25·4)/1.75 = 8/1.75.
	// Season for week 8: last year's weeks 3…5 average (20+0+0)/3; the
	// totals' level at week 3 is (20 + 0.5·10 + 0.25·10)/1.75 = 15.71;
	// index 0.42, clipped to 0.5; factor 1 − 0.5 + 0.5·0.5 = 0.75.
	got := m.Predict(h, 7, 8)[c]
	want := 8 / 1.75 * 0.75
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("Predict = %v, want %v", got, want)
	}
	// Week 7 seen from week 6: level (2 + 0.5·4 + 0)/1.75; season from
	// weeks 2…4, (10+20+0)/3 = 10, against the level at week 2, 10: index
	// 1, factor 1.
	got = m.Predict(h, 6, 7)[c]
	want = 4 / 1.75
	if math.Abs(got-want) > 1e-9 {
		t.Errorf("Predict(6→7) = %v, want %v", got, want)
	}
	// Now with a season: week 3 was twice the level before it.
	h2 := NewHistory(4, 4, rows, 0, 8, []WeekCount{{Week: 0, N: 10}, {Week: 1, N: 10}, {Week: 2, N: 10}, {Week: 3, N: 30}, {Week: 4, N: 20}})
	// Week 7 from 6: last year's weeks 2…4 average 20 against 10: index 2, factor 1.5.
	if got := m.Predict(h2, 6, 7)[c]; math.Abs(got-4/1.75*1.5) > 1e-9 {
		t.Errorf("Predict with a season = %v, want %v", got, 4/1.75*1.5)
	}
	bt := m.Backtest(h, 7, 1, 1)
	if bt.Weeks[0].Actual != 6 || math.Abs(bt.Model.MAE-math.Abs(want-6)) > 1e-3 || bt.Naive.MAE != 4 {
		t.Errorf("backtest %+v; want actual 6, model MAE %.4f, naive MAE 4", bt, math.Abs(want-6))
	}
}

func TestModel_Ranked(t *testing.T) {
	a, b, c := Cell{"g1", "event:0501"}, Cell{"g2", "event:0501"}, Cell{"g1", "event:0102"}
	rows := []CellWeek{{Cell: a, Week: 0, N: 3}, {Cell: b, Week: 0, N: 3}, {Cell: c, Week: 0, N: 9}, {Cell: a, Week: 1, N: 1}}
	h := NewHistory(0, 2, rows, 0, 2, nil)
	got := DefaultModel.Ranked(h, 1, 2, 0, 2)
	if len(got) != 2 || got[0].Grid != "g1" || got[0].Category != "event:0102" || got[0].Recent != 9 || got[0].LastWeek != 0 {
		t.Fatalf("Ranked = %+v", got)
	}
	if got[1].Grid != "g1" || got[1].Category != "event:0501" || got[1].Recent != 4 || got[1].LastWeek != 1 {
		t.Errorf("second = %+v; want g1 event:0501 with 4 recent, 1 last week (ahead of g2's 3, 0)", got[1])
	}
}
