package demo

import (
	"math"
	"sort"
	"time"

	"cityloop/internal/worktime"
)

// Span is how far back the demo's reports go: two years, so that every
// month of the last year has its month a year before (同比, year on year),
// the current one included.
const Span = 2 * 365 * 24 * time.Hour

// timeline spreads N reports over the [Span] before now. Each hour has an
// intensity per source (time of day, weekday or holiday, season, and a slow
// growth as citizens adopt the app); case i is placed at the quantile
// (i+u)/N of the whole year's intensity, so report times rise with the index
// without sorting, a case's time depends only on its own index, and the time
// a given number of cases earlier is one binary search away.
type timeline struct {
	start time.Time // first hour, UTC
	hours int
	cum   []float64           // cum[h] = share of all reports up to the end of hour h
	rate  []float64           // share in hour h
	src   [][nSources]float64 // per hour: cumulative probability of each source
}

func newTimeline(now time.Time, cal *worktime.Calendar) *timeline {
	start := now.Add(-Span).Truncate(time.Hour)
	hours := int(now.Sub(start) / time.Hour)
	if hours < 1 {
		hours = 1
	}
	tl := &timeline{start: start, hours: hours, cum: make([]float64, hours), rate: make([]float64, hours),
		src: make([][nSources]float64, hours)}
	loc := cal.Location()
	shape := make([][nSources]float64, hours)
	var norm [nSources]float64
	var dayKind worktime.DayKind
	lastDay := -1
	for h := range hours {
		t := start.Add(time.Duration(h)*time.Hour + 30*time.Minute).In(loc)
		if t.YearDay() != lastDay {
			dayKind, lastDay = cal.Day(t).Kind, t.YearDay()
		}
		hod := float64(t.Hour()) + 0.5
		off := dayKind == worktime.Weekend || dayKind == worktime.Holiday
		season := 1 + 0.15*math.Sin(2*math.Pi*(float64(t.YearDay())-110)/365) // a little busier in summer
		if dayKind == worktime.Holiday {
			season *= 0.8
		}
		growth := 0.85 + 0.3*float64(h)/float64(hours)
		for s := range nSources {
			v := season * sourceHourFactor(s, hod, off)
			if s == srcCitizen {
				v *= growth
			}
			shape[h][s] = v
			norm[s] += v
		}
	}
	total := 0.0
	for h := range hours {
		var rate float64
		var cum [nSources]float64
		for s := range nSources {
			v := sources[s].share * shape[h][s] / norm[s]
			rate += v
			cum[s] = rate
		}
		for s := range nSources {
			cum[s] /= rate
		}
		tl.src[h] = cum
		tl.rate[h] = rate
		total += rate
		tl.cum[h] = total
	}
	for h := range hours {
		tl.cum[h] /= total
		tl.rate[h] /= total
	}
	return tl
}

// sourceHourFactor is the relative activity of a channel at local hour hod.
func sourceHourFactor(s int, hod float64, off bool) float64 {
	bell := func(mu, sigma float64) float64 { d := (hod - mu) / sigma; return math.Exp(-d * d / 2) }
	switch s {
	case srcPatrol: // patrols 07:30–19:00, fewer on rest days
		v := 0.0
		if hod >= 7.5 && hod < 19 {
			v = 1 + 0.3*bell(10, 1.5) + 0.2*bell(15.5, 1.5)
		} else if hod >= 19 && hod < 22 {
			v = 0.15
		}
		if off {
			v *= 0.45
		}
		return v
	case srcCitizen: // commuting, lunch and evening walks
		return 0.05 + bell(8.5, 1.2)*0.8 + bell(12.5, 1.5)*0.7 + bell(19.5, 2)*1.2 + bell(15, 3)*0.5
	case srcHotline: // the hotline answers 24 h but people call by day
		v := 0.05 + bell(10, 2) + bell(15, 2)*0.9 + bell(20, 1.5)*0.5
		if off {
			v *= 0.8
		}
		return v
	case srcCamera: // vending and parking peak at meal times and evenings
		return 0.2 + bell(11.5, 1.5)*0.8 + bell(18.5, 2)*1.2
	case srcSensor:
		return 1
	case srcPartner, srcLeader: // office hours
		v := 0.02
		if hod >= 8.5 && hod < 17.5 {
			v = 1
		}
		if off {
			v *= 0.1
		}
		return v
	}
	return 1
}

// at returns the time at quantile q in [0, 1) and the hour it falls in.
func (tl *timeline) at(q float64) (time.Time, int) {
	h := sort.SearchFloat64s(tl.cum, q)
	if h >= tl.hours {
		h = tl.hours - 1
	}
	prev := 0.0
	if h > 0 {
		prev = tl.cum[h-1]
	}
	frac := 0.0
	if tl.rate[h] > 0 {
		frac = (q - prev) / tl.rate[h]
	}
	frac = min(max(frac, 0), 0.999999)
	return tl.start.Add(time.Duration(h)*time.Hour + time.Duration(frac*float64(time.Hour))), h
}

// quantile is the inverse of at: the share of the year's reports before t.
func (tl *timeline) quantile(t time.Time) float64 {
	d := t.Sub(tl.start)
	if d <= 0 {
		return 0
	}
	h := int(d / time.Hour)
	if h >= tl.hours {
		return 1
	}
	prev := 0.0
	if h > 0 {
		prev = tl.cum[h-1]
	}
	frac := float64(d-time.Duration(h)*time.Hour) / float64(time.Hour)
	return prev + tl.rate[h]*frac
}

// source picks the channel of a report in hour h.
func (tl *timeline) source(h int, u float64) int {
	c := tl.src[h]
	for s := range nSources {
		if u < c[s] {
			return s
		}
	}
	return srcPatrol
}
