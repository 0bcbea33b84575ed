package casework

import (
	"cityloop/internal/org"
)

// Scope is the part of the city a caller may see: cases inside any of
// Regions (a subtree, matched on the case's column of that level) or
// currently assigned to any of Departments. The store applies it in SQL to
// every list, count and detail query, so a handler cannot forget it.
type Scope struct {
	All         bool // the whole city
	Regions     []RegionScope
	Departments []string
}

// RegionScope is one region subtree, optionally narrowed to the cases of
// one department (a street office's handler sees its street's tasks only).
type RegionScope struct {
	Level      org.Level
	Code       string
	Department string
}

// Empty reports a scope that sees nothing.
func (s *Scope) Empty() bool {
	return s != nil && !s.All && len(s.Regions) == 0 && len(s.Departments) == 0
}

// cityWide are the posts of the command centre: without a region in their
// grant they work on the whole city.
var cityWide = map[org.Post]bool{org.PostOperator: true, org.PostShiftLead: true, org.PostDispatcher: true,
	org.PostLeader: true, org.PostAdmin: true, org.PostSystem: true, org.PostPartner: true}

// ScopeFor derives the caller's jurisdiction from its grants (DOMAIN.md
// §2.2): a grant bound to a region sees that subtree; a department handler
// sees the tasks of its department; centre posts without a region see the
// whole city; citizens see no case lists at all. level tells the level of a
// region code (from the atlas); an unknown code sees nothing.
func ScopeFor(a org.Actor, level func(code string) (org.Level, bool)) *Scope {
	s := &Scope{}
	for _, g := range a.Grants {
		switch {
		case g.Region != "":
			dep := ""
			if g.Post == org.PostHandler || g.Post == org.PostEnforcer {
				dep = g.Department
			}
			if l, ok := level(g.Region); ok {
				switch {
				case l == org.LevelCity && dep == "":
					s.All = true
				case l == org.LevelCity:
					s.Departments = append(s.Departments, dep)
				default:
					s.Regions = append(s.Regions, RegionScope{Level: l, Code: g.Region, Department: dep})
				}
			}
		case g.Post == org.PostHandler || g.Post == org.PostEnforcer:
			if g.Department != "" {
				s.Departments = append(s.Departments, g.Department)
			}
		case cityWide[g.Post], g.Post == org.PostSupervisor, g.Post == org.PostGridMember, g.Post == org.PostStreetHead:
			// A supervisor without a beat, or a centre post, works city-wide.
			s.All = true
		}
	}
	return s
}

// Allows reports whether c is inside the scope; nil allows everything.
func (s *Scope) Allows(c *Case) bool {
	if s == nil || s.All {
		return true
	}
	for _, r := range s.Regions {
		var v string
		switch r.Level {
		case org.LevelDistrict:
			v = c.District
		case org.LevelStreet:
			v = c.Street
		case org.LevelCommunity:
			v = c.Community
		case org.LevelGrid:
			v = c.Grid
		}
		if v == r.Code && (r.Department == "" || r.Department == c.Department) {
			return true
		}
	}
	for _, d := range s.Departments {
		if c.Department == d {
			return true
		}
	}
	return false
}
