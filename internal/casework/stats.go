package casework

import "time"

// StatsQuery asks for the leader's overview charts, inside Scope.
type StatsQuery struct {
	Scope *Scope
	Now   time.Time
	// Days: cases reported per day since Since (city days: the zone's
	// offset from UTC is ZoneOffset).
	Since      time.Time
	ZoneOffset time.Duration
	// MonthStart: the top sub-classes count cases reported since then.
	MonthStart time.Time
	TopN       int
}

// KeyCount is one bar of a chart.
type KeyCount struct {
	Key   string `json:"key"`
	Count int    `json:"count"`
}

// DistrictCount is one district's open and overdue (red) cases.
type DistrictCount struct {
	District string `json:"district"`
	Open     int    `json:"open"`
	Overdue  int    `json:"overdue"`
}

// CaseStats is what the overview charts draw.
type CaseStats struct {
	// PerDay counts reports by city day, as days since 1970-01-01.
	PerDay        map[int64]int
	TopCategories []KeyCount
	Districts     []DistrictCount
}

// OpenStatuses are the states of a case still in the loop.
var OpenStatuses = []Status{StatusPendingAccept, StatusPendingVerify, StatusPendingFile,
	StatusPendingDispatch, StatusDispatched, StatusInDisposal, StatusReturned,
	StatusPendingCheck, StatusPendingClose}
