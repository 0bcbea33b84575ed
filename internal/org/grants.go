package org

import (
	"context"
	"fmt"

	"cityloop/internal/errs"
)

// AccountAdmin changes accounts after they are made: posts and the disabled
// flag. The SQL store implements it next to AccountStore; the API and the
// console's admin page both use it.
type AccountAdmin interface {
	SetGrants(ctx context.Context, id string, grants []Grant) error
	SetDisabled(ctx context.Context, id string, disabled bool) error
}

// Assignable reports whether a person's account may hold post p: system
// and partner belong to the platform and to API clients.
func Assignable(p Post) bool { return p.Valid() && p != PostSystem && p != PostPartner }

// CheckGrants validates the posts of an account against the region tree
// and the departments (hasDepartment answers for a department code). It adds
// one field error per problem to bad, naming posts[i].post, posts[i].region
// or posts[i].department.
func CheckGrants(bad *errs.Error, grants []Grant, atlas *Atlas, hasDepartment func(code string) bool) {
	if len(grants) == 0 {
		bad.WithField("posts", "give at least one post")
	}
	seen := map[Post]bool{}
	for i, g := range grants {
		f := fmt.Sprintf("posts[%d].", i)
		if !Assignable(g.Post) {
			bad.WithField(f+"post", "unknown post "+string(g.Post))
		} else if seen[g.Post] {
			bad.WithField(f+"post", "the post "+string(g.Post)+" is given twice")
		}
		seen[g.Post] = true
		if g.Region != "" {
			if _, ok := atlas.Region(g.Region); !ok {
				bad.WithField(f+"region", "no region "+g.Region)
			}
		}
		if g.Department != "" && !hasDepartment(g.Department) {
			bad.WithField(f+"department", "no department "+g.Department)
		}
	}
}
