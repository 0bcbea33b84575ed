package worktime

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
)

//go:embed data/*.json
var dataFS embed.FS

// DayKind classifies a calendar date.
type DayKind string

const (
	Workday         DayKind = "workday"          // Mon–Fri, no holiday
	Weekend         DayKind = "weekend"          // Sat/Sun, not an adjusted working day
	Holiday         DayKind = "holiday"          // 法定节假日 and the days joined to it (放假调休)
	AdjustedWorkday DayKind = "adjusted_workday" // 调休上班: a weekend day worked in exchange for a holiday
)

// Day is one date of the calendar as shown by GET /api/v1/calendar and the CLI.
type Day struct {
	Date         time.Time  `json:"date"` // local midnight in the calendar's location
	Kind         DayKind    `json:"kind"`
	Working      bool       `json:"working"`
	Name         string     `json:"name,omitempty"`    // e.g. 国庆节; set for holidays and adjusted working days
	NameEn       string     `json:"name_en,omitempty"` // e.g. National Day
	Segments     []Interval `json:"segments,omitempty"`
	WorkingHours float64    `json:"working_hours"`
}

// Calendar is a parsed, immutable working-time calendar; it is safe for
// concurrent use. Build one with [Default] or [Parse].
type Calendar struct {
	loc   *time.Location
	years map[int]*yearCal
	order []int // covered years, ascending
}

// yearCal is one year's data, indexed by day of the year so the day walk in
// deadline.go needs no map lookups or string parsing.
type yearCal struct {
	year  int
	sched schedule
	days  [367]*special // by YearDay (1-based); nil means "ordinary Mon–Fri/weekend rule"
}

type special struct {
	kind   DayKind // Holiday or AdjustedWorkday
	name   string
	nameEn string
}

// segment is an office period as seconds after local midnight (wall clock),
// [from, to). Wall-clock seconds rather than durations because office hours
// are defined on the clock face, whatever the zone offset does that day.
type segment struct{ from, to int }

// season replaces the default segments between two month-days, inclusive;
// from > to wraps over the new year (a winter schedule from 11-01 to 02-28).
type season struct {
	name     string
	from, to int // month*100 + day
	segs     []segment
}

type schedule struct {
	segs    []segment
	seasons []season
}

// on returns the office segments that apply on month m, day d.
func (s *schedule) on(m time.Month, d int) []segment {
	md := int(m)*100 + d
	for i := range s.seasons {
		if s.seasons[i].contains(md) {
			return s.seasons[i].segs
		}
	}
	return s.segs
}

func (s *season) contains(md int) bool {
	if s.from <= s.to {
		return s.from <= md && md <= s.to
	}
	return md >= s.from || md <= s.to
}

func segLength(segs []segment) time.Duration {
	var total int
	for _, s := range segs {
		total += s.to - s.from
	}
	return time.Duration(total) * time.Second
}

// fileJSON is the shape of one data/YYYY.json file.
type fileJSON struct {
	Year     int          `json:"year"`
	Timezone string       `json:"timezone"`
	Source   string       `json:"source,omitempty"` // the notice the dates come from; informational
	Holidays []fileDay    `json:"holidays"`
	Workdays []fileDay    `json:"workdays"`
	Schedule fileSchedule `json:"schedule"`
}

type fileDay struct {
	Date   string `json:"date"`
	NameZh string `json:"name_zh"`
	NameEn string `json:"name_en"`
}

type fileSchedule struct {
	Segments []string     `json:"segments"`
	Seasons  []fileSeason `json:"seasons,omitempty"`
}

type fileSeason struct {
	Name     string   `json:"name"`
	From     string   `json:"from"` // MM-DD, inclusive
	To       string   `json:"to"`   // MM-DD, inclusive
	Segments []string `json:"segments"`
}

// Default returns the embedded calendar: mainland China's State Council
// holiday and 调休 arrangements for 2024–2026 with an 08:30–12:00,
// 14:00–17:30 office day all year round (no summer variant: the cities we
// know disagree on one, so a city adds its own through [Parse]).
func Default() (*Calendar, error) {
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		return nil, fmt.Errorf("read embedded calendars: %w", err)
	}
	var names []string
	var files [][]byte
	for _, e := range entries {
		name := path.Join("data", e.Name())
		b, err := dataFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("read embedded calendar %s: %w", name, err)
		}
		names = append(names, name)
		files = append(files, b)
	}
	c, err := parse(names, files)
	if err != nil {
		return nil, fmt.Errorf("embedded calendar: %w", err)
	}
	return c, nil
}

// Parse builds a calendar from one JSON file per year (the format of
// data/YYYY.json). All files must share one timezone and cover distinct
// years. Every problem is reported as an [errs.KindInvalid] error naming the
// file (by position, "file 2") and the offending date or field.
func Parse(files ...[]byte) (*Calendar, error) {
	names := make([]string, len(files))
	for i := range files {
		names[i] = fmt.Sprintf("file %d", i+1)
	}
	return parse(names, files)
}

func parse(names []string, files [][]byte) (*Calendar, error) {
	if len(files) == 0 {
		return nil, errs.Invalid("calendar: no calendar files")
	}
	c := &Calendar{years: make(map[int]*yearCal, len(files))}
	tz := ""
	for i, b := range files {
		name := names[i]
		f, err := decodeFile(name, b)
		if err != nil {
			return nil, err
		}
		if tz == "" {
			tz = f.Timezone
			loc, err := loadLocation(tz)
			if err != nil {
				return nil, invalidf(name, "", "calendar %s: unknown timezone %q", name, tz)
			}
			c.loc = loc
		} else if f.Timezone != tz {
			return nil, invalidf(name, "", "calendar %s: timezone %q differs from %q in the other files", name, f.Timezone, tz)
		}
		if _, dup := c.years[f.Year]; dup {
			return nil, invalidf(name, "", "calendar %s: year %d given twice", name, f.Year)
		}
		y, err := buildYear(name, f)
		if err != nil {
			return nil, err
		}
		c.years[f.Year] = y
		c.order = append(c.order, f.Year)
	}
	slices.Sort(c.order)
	return c, nil
}

func decodeFile(name string, b []byte) (*fileJSON, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	// Unknown fields are rejected because a misspelt "workday" key would
	// otherwise silently drop every 调休 Saturday from the calendar.
	dec.DisallowUnknownFields()
	var f fileJSON
	if err := dec.Decode(&f); err != nil {
		return nil, &errs.Error{Kind: errs.KindInvalid, Message: fmt.Sprintf("calendar %s: malformed JSON: %s", name, err), Err: err}
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, invalidf(name, "", "calendar %s: trailing data after the JSON object", name)
	}
	if f.Year < 1900 || f.Year > 9999 {
		return nil, invalidf(name, "", "calendar %s: year %d out of range 1900–9999", name, f.Year)
	}
	if f.Timezone == "" || f.Timezone == "Local" {
		// "Local" would make deadlines depend on the host's TZ setting.
		return nil, invalidf(name, "", "calendar %s: timezone is required (an IANA name such as Asia/Shanghai)", name)
	}
	return &f, nil
}

// loadLocation falls back to a fixed UTC+8 for Asia/Shanghai when the host
// has no tz database (minimal containers): China has kept UTC+8 without
// daylight saving since 1991, so the result is identical for our years.
func loadLocation(name string) (*time.Location, error) {
	loc, err := time.LoadLocation(name)
	if err != nil && name == "Asia/Shanghai" {
		return time.FixedZone("CST", 8*3600), nil
	}
	return loc, err
}

func buildYear(name string, f *fileJSON) (*yearCal, error) {
	y := &yearCal{year: f.Year}
	segs, err := parseSegments(name, "schedule.segments", f.Schedule.Segments)
	if err != nil {
		return nil, err
	}
	y.sched.segs = segs
	for i, s := range f.Schedule.Seasons {
		field := fmt.Sprintf("schedule.seasons[%d]", i)
		if strings.TrimSpace(s.Name) == "" {
			return nil, invalidf(name, "", "calendar %s: %s: name is required", name, field)
		}
		from, err := parseMonthDay(name, field+".from", s.From)
		if err != nil {
			return nil, err
		}
		to, err := parseMonthDay(name, field+".to", s.To)
		if err != nil {
			return nil, err
		}
		segs, err := parseSegments(name, field+".segments", s.Segments)
		if err != nil {
			return nil, err
		}
		y.sched.seasons = append(y.sched.seasons, season{name: s.Name, from: from, to: to, segs: segs})
	}
	if err := checkSeasonOverlap(name, y.sched.seasons); err != nil {
		return nil, err
	}

	add := func(list []fileDay, kind DayKind, field string) error {
		for _, d := range list {
			t, err := time.Parse(time.DateOnly, d.Date)
			if err != nil {
				return invalidf(name, d.Date, "calendar %s: %s: bad date %q, want YYYY-MM-DD", name, field, d.Date)
			}
			if t.Year() != f.Year {
				return invalidf(name, d.Date, "calendar %s: %s: %s is not in year %d", name, field, d.Date, f.Year)
			}
			if strings.TrimSpace(d.NameZh) == "" {
				return invalidf(name, d.Date, "calendar %s: %s: %s has no name_zh", name, field, d.Date)
			}
			if kind == AdjustedWorkday && t.Weekday() != time.Saturday && t.Weekday() != time.Sunday {
				// Catches typos: Mon–Fri already work, so listing one is never intended.
				return invalidf(name, d.Date, "calendar %s: %s: %s is a %s, not a weekend", name, field, d.Date, t.Weekday())
			}
			prev := y.days[t.YearDay()]
			switch {
			case prev == nil:
			case prev.kind == kind:
				return invalidf(name, d.Date, "calendar %s: %s: %s listed twice", name, field, d.Date)
			default:
				return invalidf(name, d.Date, "calendar %s: %s is both a holiday and an adjusted workday", name, d.Date)
			}
			y.days[t.YearDay()] = &special{kind: kind, name: d.NameZh, nameEn: d.NameEn}
		}
		return nil
	}
	if err := add(f.Holidays, Holiday, "holidays"); err != nil {
		return nil, err
	}
	if err := add(f.Workdays, AdjustedWorkday, "workdays"); err != nil {
		return nil, err
	}
	return y, nil
}

// parseSegments reads "HH:MM-HH:MM" periods; they must be non-empty, in
// order and must not overlap (touching is fine). 24:00 is allowed as an end.
func parseSegments(name, field string, in []string) ([]segment, error) {
	if len(in) == 0 {
		return nil, invalidf(name, "", "calendar %s: %s: at least one office segment is required", name, field)
	}
	out := make([]segment, 0, len(in))
	for i, s := range in {
		a, b, ok := strings.Cut(s, "-")
		from, ok1 := parseClock(a, false)
		to, ok2 := parseClock(b, true)
		if !ok || !ok1 || !ok2 {
			return nil, invalidf(name, "", "calendar %s: %s[%d]: bad segment %q, want HH:MM-HH:MM", name, field, i, s)
		}
		if from >= to {
			return nil, invalidf(name, "", "calendar %s: %s[%d]: segment %q ends before it starts", name, field, i, s)
		}
		if i > 0 && from < out[i-1].to {
			return nil, invalidf(name, "", "calendar %s: %s[%d]: segment %q overlaps or precedes %q", name, field, i, s, in[i-1])
		}
		out = append(out, segment{from: from, to: to})
	}
	return out, nil
}

// parseClock reads exactly "HH:MM" as seconds after midnight.
func parseClock(s string, allow24 bool) (int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, false
	}
	h, ok1 := twoDigits(s[0:2])
	m, ok2 := twoDigits(s[3:5])
	if !ok1 || !ok2 || m > 59 || h > 24 || (h == 24 && (m != 0 || !allow24)) {
		return 0, false
	}
	return h*3600 + m*60, true
}

func twoDigits(s string) (int, bool) {
	if len(s) != 2 || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

func parseMonthDay(name, field, s string) (int, error) {
	bad := invalidf(name, "", "calendar %s: %s: bad month-day %q, want MM-DD", name, field, s)
	if len(s) != 5 || s[2] != '-' {
		return 0, bad
	}
	m, ok1 := twoDigits(s[0:2])
	d, ok2 := twoDigits(s[3:5])
	// 2000 is a leap year, so 02-29 is accepted and simply unused in other years.
	if !ok1 || !ok2 || m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), 2000) {
		return 0, bad
	}
	return m*100 + d, nil
}

func checkSeasonOverlap(name string, ss []season) error {
	if len(ss) < 2 {
		return nil
	}
	for m := time.January; m <= time.December; m++ {
		for d := 1; d <= daysIn(m, 2000); d++ {
			md, hit := int(m)*100+d, -1
			for i := range ss {
				if !ss[i].contains(md) {
					continue
				}
				if hit >= 0 {
					return invalidf(name, "", "calendar %s: seasons %q and %q overlap on %02d-%02d", name, ss[hit].name, ss[i].name, m, d)
				}
				hit = i
			}
		}
	}
	return nil
}

func invalidf(file, date, format string, args ...any) error {
	e := errs.Invalid(format, args...).With("file", file)
	if date != "" {
		e = e.With("date", date)
	}
	return e
}

// Location is the calendar's timezone; all dates and office hours are read in it.
func (c *Calendar) Location() *time.Location { return c.loc }

// Years lists the covered years in ascending order. Dates outside them get
// plain Mon–Fri working days with no holidays, and the office schedule of the
// closest earlier covered year (or of the first one, before it), so a missing
// next-year file degrades deadlines rather than stopping them.
func (c *Calendar) Years() []int { return slices.Clone(c.order) }

// DayLength is the office time of a normal working day under the default
// schedule of the latest covered year (7h for the embedded data). By
// convention 1 working day == DayLength of working time, so a limit of n
// working days ends at the same clock time n working days later when the
// schedule does not change; DOMAIN.md §6 notes that cities differ here.
// A nil calendar reports 7h, the embedded default.
func (c *Calendar) DayLength() time.Duration {
	if c == nil || len(c.order) == 0 {
		return 7 * time.Hour
	}
	return segLength(c.years[c.order[len(c.order)-1]].sched.segs)
}

// scheduleFor returns the schedule that applies in year y (see Years).
func (c *Calendar) scheduleFor(y int) *schedule {
	if yc, ok := c.years[y]; ok {
		return &yc.sched
	}
	i, _ := slices.BinarySearch(c.order, y) // c.order[i-1] < y
	if i > 0 {
		i--
	}
	return &c.years[c.order[i]].sched
}

// Day describes the date that contains t (in the calendar's location).
func (c *Calendar) Day(t time.Time) Day {
	k := c.cursorAt(t)
	return k.day()
}

// Days lists the dates from from's date to to's date inclusive, nil when to
// is on an earlier date. It does not cap the range: callers that take dates
// from users must.
func (c *Calendar) Days(from, to time.Time) []Day {
	k := c.cursorAt(from)
	last := c.cursorAt(to)
	if last.before(&k) {
		return nil
	}
	var out []Day
	for {
		out = append(out, k.day())
		if k.sameDate(&last) {
			return out
		}
		k.next()
	}
}

// Month lists every day of a month.
func (c *Calendar) Month(year int, month time.Month) []Day {
	first := time.Date(year, month, 1, 12, 0, 0, 0, c.loc)
	last := time.Date(year, month+1, 0, 12, 0, 0, 0, c.loc)
	return c.Days(first, last)
}

// day materialises the cursor's date as a Day.
func (k *cursor) day() Day {
	d := Day{Date: k.midnight, Kind: k.kind()}
	if sp := k.special(); sp != nil {
		d.Name, d.NameEn = sp.name, sp.nameEn
	}
	segs := k.segments()
	d.Working = segs != nil
	var total time.Duration
	for _, s := range segs {
		iv := Interval{Start: k.at(s.from), End: k.at(s.to)}
		d.Segments = append(d.Segments, iv)
		total += iv.End.Sub(iv.Start)
	}
	d.WorkingHours = total.Hours()
	return d
}
