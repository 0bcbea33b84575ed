package app

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// World holds the city's reference data, the region atlas and the
// dictionary, as immutable snapshots swapped atomically, so readers never
// lock and a failed change leaves the old snapshot in place.
type World struct {
	store interface {
		org.RegionStore
	}
	edits interface {
		AppendDictEdit(ctx context.Context, kind, key string, body []byte, actor string, at time.Time) error
	}
	now   func() time.Time
	newID func() string
	atlas atomic.Pointer[org.Atlas]
	dict  atomic.Pointer[catalog.Dictionary]
	mu    sync.Mutex // serialises changes
}

// Atlas is the current region tree.
func (w *World) Atlas() *org.Atlas { return w.atlas.Load() }

// Dict is the current dictionary.
func (w *World) Dict() *catalog.Dictionary { return w.dict.Load() }

// loadRegions builds the atlas from the store.
func (w *World) loadRegions(ctx context.Context) error {
	regs, err := w.store.CurrentRegions(ctx)
	if err != nil {
		return fmt.Errorf("load regions: %w", err)
	}
	a, err := org.NewAtlas(regs)
	if err != nil {
		return fmt.Errorf("build region tree: %w", err)
	}
	w.atlas.Store(a)
	return nil
}

// Dictionary edits are stored as an append-only log replayed over the
// built-in dictionary at start.
const (
	editSubClass   = "subclass"
	editDepartment = "department"
	editRule       = "rule"
	editRuleDelete = "rule_delete"
)

type dictEdit struct {
	Kind, Key string
	Body      []byte
}

func replay(d *catalog.Dictionary, edits []dictEdit) (*catalog.Dictionary, error) {
	for i, e := range edits {
		var err error
		switch e.Kind {
		case editSubClass:
			var s catalog.SubClass
			if err = json.Unmarshal(e.Body, &s); err == nil {
				d, err = d.WithSubClass(s)
			}
		case editDepartment:
			var dep catalog.Department
			if err = json.Unmarshal(e.Body, &dep); err == nil {
				d, err = d.WithDepartment(dep)
			}
		case editRule:
			var r catalog.Rule
			if err = json.Unmarshal(e.Body, &r); err == nil {
				d, err = d.WithRule(r)
			}
		case editRuleDelete:
			d, err = d.WithoutRule(e.Key)
		default:
			err = fmt.Errorf("unknown edit kind %q", e.Kind)
		}
		if err != nil {
			return nil, fmt.Errorf("replay dictionary edit %d (%s %s): %w", i+1, e.Kind, e.Key, err)
		}
	}
	return d, nil
}

// ImportRegions checks a GeoJSON file, applies it in one transaction and
// swaps in the rebuilt tree and spatial index.
func (w *World) ImportRegions(ctx context.Context, actor org.Actor, data []byte) (org.ImportPlan, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := w.now()
	cur, err := w.store.CurrentRegions(ctx)
	if err != nil {
		return org.ImportPlan{}, fmt.Errorf("load regions: %w", err)
	}
	plan, err := org.PlanImport(data, cur, now, w.newID)
	if err != nil {
		return plan, err
	}
	// Build the tree the import would leave behind before writing anything.
	gone := map[string]bool{}
	for _, id := range plan.Supersede {
		gone[id] = true
	}
	var next []org.Region
	for _, r := range cur {
		if !gone[r.ID] {
			next = append(next, r)
		}
	}
	next = append(next, plan.Insert...)
	atlas, err := org.NewAtlas(next)
	if err != nil {
		if e, ok := errs.As(err); ok {
			return plan, errs.Invalid("the import would break the region tree: %s; nothing was imported", e.Message)
		}
		return plan, err
	}
	if err := w.store.ApplyImport(ctx, plan, now); err != nil {
		return plan, fmt.Errorf("apply region import: %w", err)
	}
	w.atlas.Store(atlas)
	return plan, nil
}

func (w *World) edit(ctx context.Context, actor org.Actor, kind, key string, body any,
	change func(d *catalog.Dictionary) (*catalog.Dictionary, error)) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	next, err := change(w.Dict())
	if err != nil {
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode dictionary edit: %w", err)
	}
	if err := w.edits.AppendDictEdit(ctx, kind, key, b, actor.ID, w.now()); err != nil {
		return fmt.Errorf("store dictionary edit: %w", err)
	}
	w.dict.Store(next)
	return nil
}

// PutSubClass adds a new version of a sub-class.
func (w *World) PutSubClass(ctx context.Context, actor org.Actor, s catalog.SubClass) (catalog.SubClass, error) {
	var saved catalog.SubClass
	err := w.edit(ctx, actor, editSubClass, s.Ref.String(), s, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		next, err := d.WithSubClass(s)
		if err != nil {
			return nil, err
		}
		vers := next.Versions(s.Ref)
		saved = vers[len(vers)-1]
		return next, nil
	})
	return saved, err
}

// PutDepartment creates or replaces a department.
func (w *World) PutDepartment(ctx context.Context, actor org.Actor, dep catalog.Department) error {
	return w.edit(ctx, actor, editDepartment, dep.Code, dep, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		return d.WithDepartment(dep)
	})
}

// PutRule adds or replaces a routing rule.
func (w *World) PutRule(ctx context.Context, actor org.Actor, r catalog.Rule) (catalog.Rule, error) {
	if r.ID == "" {
		r.ID = "r-" + w.newID()[:13]
	}
	err := w.edit(ctx, actor, editRule, r.ID, r, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		return d.WithRule(r)
	})
	return r, err
}

// DeleteRule removes a routing rule.
func (w *World) DeleteRule(ctx context.Context, actor org.Actor, id string) error {
	return w.edit(ctx, actor, editRuleDelete, id, map[string]string{"id": id}, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		return d.WithoutRule(id)
	})
}
