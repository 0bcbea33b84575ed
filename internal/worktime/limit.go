package worktime

import (
	"fmt"
	"time"
)

// Unit is how a time limit is counted.
type Unit string

const (
	WorkingHours Unit = "working_hours" // 工作时: only inside office segments on working days
	WorkingDays  Unit = "working_days"  // 工作日: whole working days (see Calendar.DayLength)
	NaturalHours Unit = "natural_hours" // 自然时: 24×7, for emergencies
)

// Valid reports whether u is one of the known units.
func (u Unit) Valid() bool {
	return u == WorkingHours || u == WorkingDays || u == NaturalHours
}

// Working reports whether the unit counts only office time.
func (u Unit) Working() bool { return u == WorkingHours || u == WorkingDays }

// Limit is an amount of time in a unit, e.g. 4 working hours or 0.5 natural hours.
type Limit struct {
	Amount float64 `json:"amount"`
	Unit   Unit    `json:"unit"`
}

func (l Limit) String() string { return fmt.Sprintf("%g %s", l.Amount, l.Unit) }

// IsZero reports an unset limit.
func (l Limit) IsZero() bool { return l.Amount == 0 }

// Interval is a half-open span of time [Start, End).
type Interval struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}
