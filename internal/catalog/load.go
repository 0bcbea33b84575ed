package catalog

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"time"

	"cityloop/internal/errs"
)

//go:embed data/dictionary.json
var defaultData []byte

// file is the layout of a dictionary file (see doc.go). Sub-classes use
// SubClass's own JSON form, with two shorthands that keep a hand-edited file
// short: a missing major_name comes from the majors table, and a missing
// effective_from from the file's.
type file struct {
	EffectiveFrom time.Time                `json:"effective_from,omitzero"`
	Majors        map[Kind]map[string]Text `json:"majors"`
	StageLimits   map[Urgency]StageLimits  `json:"stage_limits"`
	Departments   []Department             `json:"departments"`
	SubClasses    []SubClass               `json:"subclasses"`
	Rules         []Rule                   `json:"rules"`
}

// Default returns the dictionary embedded in the binary: the national
// classes of DOMAIN.md §4 with limits drawn from local manuals. A city
// replaces it with its own file through [Parse].
func Default() (*Dictionary, error) {
	d, err := Parse(defaultData)
	if err != nil {
		return nil, fmt.Errorf("catalog: embedded dictionary: %w", err)
	}
	return d, nil
}

// Parse reads a dictionary file. Unknown fields are rejected so that a
// misspelt key in a city's file fails loudly instead of silently falling
// back to a default. A file without stage_limits gets [DefaultStageLimits].
func Parse(data []byte) (*Dictionary, error) {
	var f file
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, &errs.Error{Kind: errs.KindInvalid, Message: "the dictionary file is not valid JSON of the expected shape", Err: err}
	}
	if dec.More() {
		return nil, errs.Invalid("the dictionary file has data after its JSON object")
	}
	for i := range f.SubClasses {
		s := &f.SubClasses[i]
		if s.EffectiveFrom.IsZero() {
			s.EffectiveFrom = f.EffectiveFrom
		}
	}
	stages := f.StageLimits
	if stages == nil {
		stages = DefaultStageLimits()
	}
	return build(f.SubClasses, f.Departments, f.Rules, stages, f.Majors)
}

// MarshalJSON writes d in the file layout [Parse] reads, every version in
// full, so an edited dictionary can be exported and loaded elsewhere.
func (d *Dictionary) MarshalJSON() ([]byte, error) {
	f := file{
		Majors:      map[Kind]map[string]Text{Component: d.Majors(Component), Event: d.Majors(Event)},
		StageLimits: cloneStageTable(d.stages),
		Departments: d.Departments(),
		Rules:       d.Rules(),
		SubClasses:  []SubClass{},
	}
	for _, r := range d.refs {
		for _, s := range d.versions[r] {
			f.SubClasses = append(f.SubClasses, s.clone())
		}
	}
	return json.Marshal(f)
}
