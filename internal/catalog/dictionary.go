package catalog

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"cityloop/internal/errs"
)

// Dictionary is an immutable snapshot of the categories, departments,
// routing rules and stage limits. Every method only reads, and every value
// it returns is a copy, so a *Dictionary can be shared by any number of
// goroutines; an admin edit (the With methods) builds a new snapshot that the
// caller swaps in, for instance behind an atomic.Pointer.
type Dictionary struct {
	// versions holds each ref's versions, oldest first. A slice is never
	// written after the snapshot holding it is built, so snapshots share them.
	versions map[Ref][]SubClass
	refs     []Ref // every ref with at least one version, sorted
	depts    map[string]Department
	rules    []Rule // sorted by ID
	stages   map[Urgency]StageLimits
	// majors names the major classes (大类), including those with no
	// sub-class yet, so an admin can add one under them.
	majors map[Kind]map[string]Text
}

// New builds a dictionary from its parts with [DefaultStageLimits]. It
// checks everything and reports every problem at once as one KindInvalid
// error: invalid sub-classes, departments or rules, duplicate codes or IDs,
// a sub-class or rule naming an unknown department, a rule for an unknown
// category, and versions of one ref whose periods overlap. Versions must be
// closed explicitly (EffectiveTo) before the next begins; New does not
// guess. A zero Version is numbered after its predecessor.
func New(subs []SubClass, depts []Department, rules []Rule) (*Dictionary, error) {
	return build(subs, depts, rules, DefaultStageLimits(), nil)
}

// build is New with the parts a dictionary file adds: stage limits and
// names of major classes that may have no sub-class yet.
func build(subs []SubClass, depts []Department, rules []Rule, stages map[Urgency]StageLimits, majors map[Kind]map[string]Text) (*Dictionary, error) {
	d := &Dictionary{
		versions: map[Ref][]SubClass{},
		depts:    map[string]Department{},
		stages:   cloneStageTable(stages),
		majors:   map[Kind]map[string]Text{},
	}
	e := errs.Invalid("the dictionary is not valid")
	addFields := func(prefix string, err error) {
		if fe, ok := errs.As(err); ok && len(fe.Fields) > 0 {
			for _, f := range fe.Fields {
				e.WithField(prefix+f.Field, f.Message)
			}
			return
		}
		e.WithField(prefix, errMessage(err))
	}

	for i, dep := range depts {
		p := fmt.Sprintf("departments[%d].", i)
		if err := dep.Validate(); err != nil {
			addFields(p, err)
			continue
		}
		if _, dup := d.depts[dep.Code]; dup {
			e.WithField(p+"code", fmt.Sprintf("department %s appears twice", dep.Code))
		}
		d.depts[dep.Code] = dep
	}

	for k, m := range majors {
		if !k.Valid() {
			e.WithField("majors", fmt.Sprintf("unknown kind %q", k))
			continue
		}
		for code, name := range m {
			if !validCode(code+"01") || name.Zh == "" {
				e.WithField("majors."+string(k), fmt.Sprintf("major %q needs 2 digits and a Chinese name", code))
				continue
			}
			d.setMajor(k, code, name)
		}
	}
	for i, s := range subs {
		p := fmt.Sprintf("subclasses[%d].", i)
		s = s.withDefaults()
		if s.MajorName.Zh == "" {
			s.MajorName = d.majors[s.Ref.Kind][s.Ref.Major()]
		}
		if err := s.Validate(); err != nil {
			addFields(p, err)
			continue
		}
		if _, ok := d.depts[s.Department]; !ok {
			e.WithField(p+"department", fmt.Sprintf("%s: unknown department %q", s.Ref, s.Department))
		}
		d.versions[s.Ref] = append(d.versions[s.Ref], s)
		if _, ok := d.majors[s.Ref.Kind][s.Major]; !ok {
			d.setMajor(s.Ref.Kind, s.Major, s.MajorName)
		}
	}
	for ref, vs := range d.versions {
		slices.SortStableFunc(vs, func(a, b SubClass) int { return a.EffectiveFrom.Compare(b.EffectiveFrom) })
		for i := range vs {
			if i == 0 {
				if vs[i].Version == 0 {
					vs[i].Version = 1
				}
				continue
			}
			prev, cur := vs[i-1], &vs[i]
			if prev.EffectiveTo == nil || prev.EffectiveTo.After(cur.EffectiveFrom) {
				e.WithField("subclasses", fmt.Sprintf("%s: the version from %s overlaps the one from %s; close the earlier one with effective_to",
					ref, cur.EffectiveFrom.Format(time.DateOnly), prev.EffectiveFrom.Format(time.DateOnly)))
			}
			switch {
			case cur.Version == 0:
				cur.Version = prev.Version + 1
			case cur.Version <= prev.Version:
				e.WithField("subclasses", fmt.Sprintf("%s: version %d follows version %d", ref, cur.Version, prev.Version))
			}
		}
		d.refs = append(d.refs, ref)
	}
	slices.SortFunc(d.refs, compareRefs)

	seen := map[string]bool{}
	for i, r := range rules {
		p := fmt.Sprintf("rules[%d].", i)
		if err := d.checkRule(r); err != nil {
			addFields(p, err)
			continue
		}
		if seen[r.ID] {
			e.WithField(p+"id", fmt.Sprintf("rule %s appears twice", r.ID))
			continue
		}
		seen[r.ID] = true
		d.rules = append(d.rules, r)
	}
	slices.SortFunc(d.rules, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })

	if err := validateStageTable(d.stages); err != nil {
		addFields("stage_limits.", err)
	}
	if len(e.Fields) > 0 {
		return nil, e
	}
	return d, nil
}

// checkRule validates r against this dictionary's categories and departments.
func (d *Dictionary) checkRule(r Rule) error {
	if err := r.Validate(); err != nil {
		return err
	}
	e := errs.Invalid("rule %q is not valid", r.ID)
	if _, ok := d.versions[r.Category]; !ok {
		e.WithField("category", fmt.Sprintf("unknown category %s", r.Category))
	}
	if _, ok := d.depts[r.Department]; !ok {
		e.WithField("department", fmt.Sprintf("unknown department %q", r.Department))
	}
	if len(e.Fields) > 0 {
		return e
	}
	return nil
}

// Lookup returns the version of r in force at `at`.
func (d *Dictionary) Lookup(r Ref, at time.Time) (SubClass, bool) {
	for _, s := range d.versions[r] {
		if s.EffectiveAt(at) {
			return s.clone(), true
		}
	}
	return SubClass{}, false
}

// SubClasses returns every sub-class in force at `at`, components before
// events, each tree in code order.
func (d *Dictionary) SubClasses(at time.Time) []SubClass {
	var out []SubClass
	for _, r := range d.refs {
		if s, ok := d.Lookup(r, at); ok {
			out = append(out, s)
		}
	}
	return out
}

// Versions returns every version of r, oldest first; nil if r is unknown.
func (d *Dictionary) Versions(r Ref) []SubClass {
	vs := d.versions[r]
	if len(vs) == 0 {
		return nil
	}
	out := make([]SubClass, len(vs))
	for i, s := range vs {
		out[i] = s.clone()
	}
	return out
}

// Refs returns every ref that has ever had a version, sorted like
// [Dictionary.SubClasses]; use it with Versions to list history.
func (d *Dictionary) Refs() []Ref { return slices.Clone(d.refs) }

// Departments returns all departments sorted by code.
func (d *Dictionary) Departments() []Department {
	return slices.SortedFunc(maps.Values(d.depts), func(a, b Department) int { return cmp.Compare(a.Code, b.Code) })
}

// Department returns the department with this code.
func (d *Dictionary) Department(code string) (Department, bool) {
	dep, ok := d.depts[code]
	return dep, ok
}

// HasDepartment reports whether a department with this code exists.
func (d *Dictionary) HasDepartment(code string) bool { _, ok := d.depts[code]; return ok }

// Rules returns the joint enforcement list sorted by ID.
func (d *Dictionary) Rules() []Rule { return slices.Clone(d.rules) }

// StageLimits returns the stage limits for cases of urgency u, or nil for an
// unknown urgency. The map is a copy.
func (d *Dictionary) StageLimits(u Urgency) StageLimits {
	l, ok := d.stages[u]
	if !ok {
		return nil
	}
	return maps.Clone(l)
}

// clone copies the containers a With method changes; the values inside
// (version slices, departments, rules) are never written in place.
func (d *Dictionary) clone() *Dictionary {
	return &Dictionary{
		versions: maps.Clone(d.versions),
		refs:     slices.Clone(d.refs),
		depts:    maps.Clone(d.depts),
		rules:    slices.Clone(d.rules),
		stages:   d.stages,
		majors:   d.majors,
	}
}

// WithSubClass returns a snapshot in which s is the newest version of
// s.Ref, in force from s.EffectiveFrom. The current newest version is closed
// at that moment (its EffectiveTo set) rather than edited, and s gets its
// Version number plus one; whatever Version s carried is ignored. A ref not
// seen before is added as version 1.
//
// An empty MajorName is taken from the dictionary's major class names
// ([Dictionary.Majors]); a new name renames the major class. s.EffectiveTo must be nil: a version's end is decided by the next
// edit. The edit must take effect after the newest version's start
// (KindConflict otherwise), so history is never rewritten; a mistake in a
// version that has not started yet is corrected by another, later version.
// d itself is unchanged.
func (d *Dictionary) WithSubClass(s SubClass) (*Dictionary, error) {
	s = s.withDefaults()
	if s.MajorName.Zh == "" {
		s.MajorName = d.majors[s.Ref.Kind][s.Ref.Major()]
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	if s.EffectiveTo != nil {
		return nil, errs.Invalid("sub-class %s is not valid", s.Ref).
			WithField("effective_to", "must be empty: a version ends when the next edit takes effect")
	}
	if _, ok := d.depts[s.Department]; !ok {
		return nil, errs.Invalid("sub-class %s is not valid", s.Ref).
			WithField("department", fmt.Sprintf("unknown department %q", s.Department))
	}
	vs := slices.Clone(d.versions[s.Ref])
	s.Version = 1
	if n := len(vs); n > 0 {
		last := vs[n-1].clone()
		if !s.EffectiveFrom.After(last.EffectiveFrom) {
			return nil, errs.Conflict("%s: version %d is in force from %s; an edit must take effect after that",
				s.Ref, last.Version, last.EffectiveFrom.Format(time.RFC3339))
		}
		if last.EffectiveTo == nil || last.EffectiveTo.After(s.EffectiveFrom) {
			end := s.EffectiveFrom
			last.EffectiveTo = &end
			vs[n-1] = last
		}
		s.Version = last.Version + 1
	}
	nd := d.clone()
	if len(vs) == 0 {
		nd.refs = append(nd.refs, s.Ref)
		slices.SortFunc(nd.refs, compareRefs)
	}
	if d.majors[s.Ref.Kind][s.Major] != s.MajorName {
		// The newest version names the major class; copy the tables so
		// the old snapshot keeps its names.
		nd.majors = maps.Clone(d.majors)
		nd.majors[s.Ref.Kind] = maps.Clone(d.majors[s.Ref.Kind])
		nd.setMajor(s.Ref.Kind, s.Major, s.MajorName)
	}
	nd.versions[s.Ref] = append(vs, s)
	return nd, nil
}

// WithoutSubClass returns a snapshot in which r stops being in force at
// `at` (its newest version is closed then). Existing cases keep their
// category; new ones can no longer be filed or routed under it. Rules for r
// stay, so reinstating it with WithSubClass restores its routing.
func (d *Dictionary) WithoutSubClass(r Ref, at time.Time) (*Dictionary, error) {
	vs := slices.Clone(d.versions[r])
	n := len(vs)
	if n == 0 {
		return nil, errs.NotFound("category %s does not exist", r)
	}
	last := vs[n-1].clone()
	at = at.UTC()
	if !at.After(last.EffectiveFrom) {
		return nil, errs.Conflict("%s: version %d is in force from %s; it can only be retired after that",
			r, last.Version, last.EffectiveFrom.Format(time.RFC3339))
	}
	if last.EffectiveTo != nil && !last.EffectiveTo.After(at) {
		return nil, errs.Conflict("%s is already retired from %s", r, last.EffectiveTo.Format(time.RFC3339))
	}
	last.EffectiveTo = &at
	vs[n-1] = last
	nd := d.clone()
	nd.versions[r] = vs
	return nd, nil
}

// setMajor records a major class name; only for a snapshot being built.
func (d *Dictionary) setMajor(k Kind, major string, name Text) {
	if d.majors[k] == nil {
		d.majors[k] = map[string]Text{}
	}
	d.majors[k][major] = name
}

// Majors returns the names of the major classes (大类) of tree k, keyed by
// their 2-digit code, including classes with no sub-class yet.
func (d *Dictionary) Majors(k Kind) map[string]Text { return maps.Clone(d.majors[k]) }

// WithDepartment returns a snapshot with dep added, or replacing the
// department of the same code.
func (d *Dictionary) WithDepartment(dep Department) (*Dictionary, error) {
	if err := dep.Validate(); err != nil {
		return nil, err
	}
	nd := d.clone()
	nd.depts[dep.Code] = dep
	return nd, nil
}

// WithRule returns a snapshot with r added to the joint enforcement list,
// or replacing the rule of the same ID.
func (d *Dictionary) WithRule(r Rule) (*Dictionary, error) {
	if err := d.checkRule(r); err != nil {
		return nil, err
	}
	nd := d.clone()
	i, found := slices.BinarySearchFunc(nd.rules, r.ID, func(x Rule, id string) int { return cmp.Compare(x.ID, id) })
	if found {
		nd.rules[i] = r
	} else {
		nd.rules = slices.Insert(nd.rules, i, r)
	}
	return nd, nil
}

// WithoutRule returns a snapshot without the rule id; KindNotFound if there
// is none.
func (d *Dictionary) WithoutRule(id string) (*Dictionary, error) {
	i := slices.IndexFunc(d.rules, func(r Rule) bool { return r.ID == id })
	if i < 0 {
		return nil, errs.NotFound("rule %q does not exist", id)
	}
	nd := d.clone()
	nd.rules = slices.Delete(nd.rules, i, i+1)
	return nd, nil
}

// WithStageLimits returns a snapshot with the stage limits of urgency u
// replaced; every stage must have a limit.
func (d *Dictionary) WithStageLimits(u Urgency, l StageLimits) (*Dictionary, error) {
	if !u.Valid() {
		return nil, errs.Invalid("unknown urgency %q", u)
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	nd := d.clone()
	nd.stages = cloneStageTable(d.stages)
	nd.stages[u] = maps.Clone(l)
	return nd, nil
}
