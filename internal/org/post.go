package org

import (
	"strings"
	"time"
)

// Post is a job on the platform (岗位). The casework transition table says
// which post may take which action; jurisdiction says over which cases.
type Post string

const (
	PostCitizen    Post = "citizen"     // 市民
	PostSupervisor Post = "supervisor"  // 监督员
	PostGridMember Post = "grid_member" // 网格员
	PostOperator   Post = "operator"    // 受理员
	PostShiftLead  Post = "shift_lead"  // 值班长
	PostDispatcher Post = "dispatcher"  // 派遣员
	PostHandler    Post = "handler"     // 处置单位
	PostEnforcer   Post = "enforcer"    // 执法队员
	// PostLegalReviewer reviews major penalty decisions before they are
	// made (法制审核, Administrative Penalty Law Art. 58).
	PostLegalReviewer Post = "legal_reviewer" // 法制审核员
	PostStreetHead    Post = "street_chief"   // 街长
	PostLeader        Post = "leader"         // 领导
	PostAdmin         Post = "admin"          // 系统管理员
	PostAuditor       Post = "auditor"        // 审计员: reads the audit trail, nothing else
	PostSystem        Post = "system"         // the platform itself: scheduler, auto-dispatch, sensors
	PostPartner       Post = "partner"        // a partner system calling with an API key
)

// PostNames gives the standard Chinese term and an English name for each post.
var PostNames = map[Post][2]string{
	PostCitizen:       {"市民", "Citizen"},
	PostSupervisor:    {"监督员", "Supervisor"},
	PostGridMember:    {"网格员", "Grid member"},
	PostOperator:      {"受理员", "Operator"},
	PostShiftLead:     {"值班长", "Shift lead"},
	PostDispatcher:    {"派遣员", "Dispatcher"},
	PostHandler:       {"处置单位", "Department handler"},
	PostEnforcer:      {"执法队员", "Enforcement officer"},
	PostLegalReviewer: {"法制审核员", "Legal reviewer"},
	PostStreetHead:    {"街长", "Street chief"},
	PostLeader:        {"领导", "Leader"},
	PostAdmin:         {"系统管理员", "Administrator"},
	PostAuditor:       {"审计员", "Auditor"},
	PostSystem:        {"系统", "System"},
	PostPartner:       {"合作系统", "Partner system"},
}

// PostList names posts for a message, bilingual ("无 / no post" when none).
func PostList(ps []Post) string {
	if len(ps) == 0 {
		return "无 / no post"
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		name := string(p)
		if n, ok := PostNames[p]; ok {
			name = n[0]
		}
		s[i] = string(p) + " (" + name + ")"
	}
	return strings.Join(s, " / ")
}

// Valid reports whether p is a known post.
func (p Post) Valid() bool { _, ok := PostNames[p]; return ok }

// Grant is one post held by an account, bound to a jurisdiction: a region
// subtree (empty = whole city) and/or a department.
type Grant struct {
	Post       Post   `json:"post"`
	Region     string `json:"region,omitempty"`
	Department string `json:"department,omitempty"`
}

// Account is a person or a machine that signs in.
type Account struct {
	ID           string     `json:"id"`
	Username     string     `json:"username"`
	Name         string     `json:"name"`
	PasswordHash string     `json:"-"`
	Grants       []Grant    `json:"posts"`
	Disabled     bool       `json:"disabled"`
	MustChange   bool       `json:"must_change_password"`
	CreatedAt    time.Time  `json:"created_at"`
	LastLoginAt  *time.Time `json:"last_login_at,omitempty"`
}

// Has reports whether the account holds post p.
func (a Account) Has(p Post) bool {
	for _, g := range a.Grants {
		if g.Post == p {
			return true
		}
	}
	return false
}

// Actor is who performs an action, as the domain sees it.
type Actor struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Grants []Grant `json:"posts,omitempty"`
	// Sources are reporting channels granted to the credential beyond what
	// its posts give (an API client key or an Open311 key that an
	// administrator allowed to report as, say, a camera platform); see
	// casework.SourcesFor.
	Sources []string `json:"sources,omitempty"`
}

// Posts lists the actor's posts.
func (a Actor) Posts() []Post {
	out := make([]Post, 0, len(a.Grants))
	for _, g := range a.Grants {
		out = append(out, g.Post)
	}
	return out
}

// Grant returns the actor's grant for post p.
func (a Actor) Grant(p Post) (Grant, bool) {
	for _, g := range a.Grants {
		if g.Post == p {
			return g, true
		}
	}
	return Grant{}, false
}

// SystemActor is the platform acting by itself (auto-dispatch, escalation).
var SystemActor = Actor{ID: "system", Name: "系统", Grants: []Grant{{Post: PostSystem}}}
