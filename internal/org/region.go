package org

import (
	"fmt"
	"time"

	"cityloop/internal/geo"
)

// Level is a node's depth in the region tree.
type Level int

const (
	LevelCity      Level = 1 // 市
	LevelDistrict  Level = 2 // 区/县
	LevelStreet    Level = 3 // 街道/乡镇
	LevelCommunity Level = 4 // 社区/村
	LevelGrid      Level = 5 // 单元网格
)

var levelNames = map[Level][3]string{
	LevelCity:      {"city", "市", "City"},
	LevelDistrict:  {"district", "区", "District"},
	LevelStreet:    {"street", "街道", "Street"},
	LevelCommunity: {"community", "社区", "Community"},
	LevelGrid:      {"grid", "单元网格", "Unit grid"},
}

// String is the English key used in the API and in import files.
func (l Level) String() string {
	if n, ok := levelNames[l]; ok {
		return n[0]
	}
	return fmt.Sprintf("level(%d)", int(l))
}

// Zh is the standard Chinese term.
func (l Level) Zh() string { return levelNames[l][1] }

// ParseLevel accepts the English key, the Chinese term or the number 1–5.
func ParseLevel(s string) (Level, bool) {
	for l, n := range levelNames {
		if s == n[0] || s == n[1] || s == fmt.Sprint(int(l)) {
			return l, true
		}
	}
	return 0, false
}

// Region is one version of a node in the tree. A region is never edited in
// place: an import that changes it closes the old version (ValidTo) and adds a
// new one, so cases keep pointing at the grid they were filed in.
type Region struct {
	ID        string           `json:"id"`
	Code      string           `json:"code"`
	Name      string           `json:"name"`
	Level     Level            `json:"level"`
	Parent    string           `json:"parent,omitempty"` // parent code; empty only for the city
	Shape     geo.MultiPolygon `json:"geometry,omitempty"`
	Bounds    geo.Bounds       `json:"-"`
	AreaM2    float64          `json:"area_m2"`
	ValidFrom time.Time        `json:"valid_from"`
	ValidTo   *time.Time       `json:"valid_to,omitempty"`
	Version   int              `json:"version"`
}

// Current reports whether the version is in force at t.
func (r Region) Current(t time.Time) bool {
	return !r.ValidFrom.After(t) && (r.ValidTo == nil || r.ValidTo.After(t))
}
