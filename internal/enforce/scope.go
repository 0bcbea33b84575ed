package enforce

import (
	"slices"

	"cityloop/internal/org"
)

// Scope is the part of the city's penalty cases a caller may see: all of
// them, or those of some districts or brigades. The store applies it in
// SQL to lists, details and figures, so a handler cannot forget it.
type Scope struct {
	All       bool     `json:"all"`
	Districts []string `json:"districts,omitempty"`
	Brigades  []string `json:"brigades,omitempty"`
}

// Empty reports a scope that sees nothing.
func (s *Scope) Empty() bool {
	return s != nil && !s.All && len(s.Districts) == 0 && len(s.Brigades) == 0
}

// Allows reports whether c is inside the scope; nil allows everything.
func (s *Scope) Allows(c *Case) bool {
	if s == nil || s.All {
		return true
	}
	return slices.Contains(s.Districts, c.District) || (c.Brigade != "" && slices.Contains(s.Brigades, c.Brigade))
}

// cityWidePosts see every penalty case: the leaders who sign the approval
// chains, the legal reviewers who review any district's major decisions
// (第五十八条), the administrator and the platform itself.
var cityWidePosts = []org.Post{org.PostLeader, PostLegalReviewer, org.PostAdmin, org.PostSystem}

// ScopeFor derives the caller's jurisdiction over penalty cases, as
// casework.ScopeFor does for the loop: an enforcer bound to a region sees
// the cases of that region's district (a street-level grant still means
// its district's brigade, which handles every street of it), an enforcer
// bound only to a department sees that brigade's cases, an enforcer bound
// to the city (with or without a department) or to nothing works
// city-wide; leaders, legal reviewers
// and administrators see the whole city; every other post sees nothing.
// districtOf maps a region code to its district code, city=true for the
// city itself, ok=false for an unknown code (which sees nothing).
func ScopeFor(a org.Actor, districtOf func(code string) (district string, city, ok bool)) *Scope {
	s := &Scope{}
	for _, g := range a.Grants {
		switch {
		case slices.Contains(cityWidePosts, g.Post):
			s.All = true
		case g.Post != org.PostEnforcer:
		case g.Region != "":
			d, city, ok := districtOf(g.Region)
			switch {
			case !ok:
			case city:
				s.All = true
			default:
				s.Districts = append(s.Districts, d)
			}
		case g.Department != "":
			s.Brigades = append(s.Brigades, g.Department)
		default:
			s.All = true
		}
	}
	return s
}
