package casework

import (
	"slices"
	"strings"

	"cityloop/internal/org"
)

// Patrols reports whether the actor patrols the streets (监督员 or 网格员):
// it reports from the field as a patrol and may handle a problem on the spot.
func Patrols(a org.Actor) bool {
	for _, p := range supervisors {
		if _, ok := a.Grant(p); ok {
			return true
		}
	}
	return false
}

// SourcesFor lists the channels through which actor may report, the one
// used when a report names none first. The channel is a fact about the
// credential, not a claim of the caller: machine channels merge duplicates
// by themselves, a leader's instruction jumps the queue and patrol reports
// count for the supervisors' discovery figures, so a report may only
// declare a channel that the actor's posts, or a grant of its API key
// (org.Actor.Sources), give it.
//
//   - everyone: citizen (the channel anyone can use anonymously);
//   - supervisors and grid members: patrol;
//   - leaders: leader;
//   - operators and shift leads, who register calls and instructions at
//     the command centre: hotline and leader;
//   - partner systems: partner, and what their key grants;
//   - the platform itself (sensing, the 12345 adapter): camera, sensor, hotline.
func SourcesFor(a org.Actor) []Source {
	var out []Source
	add := func(ss ...Source) {
		for _, s := range ss {
			if s.Valid() && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
	}
	has := func(p org.Post) bool { _, ok := a.Grant(p); return ok }
	switch {
	case Patrols(a):
		add(SourcePatrol)
	case has(org.PostLeader):
		add(SourceLeader)
	case has(org.PostPartner):
		add(SourcePartner)
	default:
		add(SourceCitizen)
	}
	if Patrols(a) {
		add(SourcePatrol)
	}
	if has(org.PostLeader) {
		add(SourceLeader)
	}
	if has(org.PostOperator) || has(org.PostShiftLead) {
		add(SourceHotline, SourceLeader)
	}
	if has(org.PostSystem) {
		add(SourceCamera, SourceSensor, SourceHotline)
	}
	for _, s := range a.Sources {
		add(Source(s))
	}
	if !has(org.PostPartner) {
		add(SourceCitizen)
	}
	return out
}

// AllowedFor reports whether actor may report through channel s.
func (s Source) AllowedFor(a org.Actor) bool { return slices.Contains(SourcesFor(a), s) }

func sourceList(ss []Source) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
}
