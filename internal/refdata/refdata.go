package refdata

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/geo/gisfile"
	"cityloop/internal/org"
)

// Store keeps the region versions and the log of dictionary edits.
type Store interface {
	// CurrentRegions returns the region versions in force.
	CurrentRegions(ctx context.Context) ([]org.Region, error)
	// ApplyImport closes the superseded versions at `at` and inserts the
	// new ones, in one transaction.
	ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error
	// AppendDictEdit records one dictionary edit; body is JSON.
	AppendDictEdit(ctx context.Context, kind, key string, body []byte, actor string, at time.Time) error
	// DictEdits returns the stored dictionary edits, oldest first.
	DictEdits(ctx context.Context) ([]Edit, error)
}

// Edit is one stored dictionary edit, as Load replays it.
type Edit struct {
	Seq   int64     `json:"seq"`
	Kind  string    `json:"kind"` // what was edited, e.g. "subclass", "department", "rule", "rule_delete"
	Key   string    `json:"key"`  // which one, e.g. "event:0501"
	Body  []byte    `json:"body"` // JSON
	Actor string    `json:"actor"`
	At    time.Time `json:"at"`
}

// The kinds of dictionary edit, as stored.
const (
	editSubClass   = "subclass"
	editDepartment = "department"
	editRule       = "rule"
	editRuleDelete = "rule_delete"
)

// Service holds the current region atlas and dictionary and makes every
// change to them. Changes are serialised; reads take the current snapshot.
type Service struct {
	store Store
	now   func() time.Time
	newID func() string
	atlas atomic.Pointer[org.Atlas]
	dict  atomic.Pointer[catalog.Dictionary]
	mu    sync.Mutex // serialises changes

	// ReadFile reads an uploaded regions file into features; nil means
	// gisfile.Read (GeoJSON, zipped Shapefile). The app sets gpkg.Read,
	// which adds GeoPackage, an SQLite file this package may not open.
	ReadFile func([]byte) ([]geo.Feature, error)

	gapSnapM float64 // see SetGapSnap; guarded by mu
}

// SetGapSnap makes the atlas place a point that lies in no grid in the
// nearest grid within m metres (org.Atlas.WithGapSnap), now and after every
// import; 0 turns it off.
func (s *Service) SetGapSnap(m float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.gapSnapM = m
	if a := s.atlas.Load(); a != nil {
		s.atlas.Store(a.WithGapSnap(m))
	}
}

// New returns a service over st; call Load before reading.
func New(st Store, now func() time.Time, newID func() string) *Service {
	return &Service{store: st, now: now, newID: newID}
}

// Atlas is the current region tree.
func (s *Service) Atlas() *org.Atlas { return s.atlas.Load() }

// Dict is the current dictionary.
func (s *Service) Dict() *catalog.Dictionary { return s.dict.Load() }

// Load replays the stored dictionary edits over base and reads the region
// tree from the store.
func (s *Service) Load(ctx context.Context, base *catalog.Dictionary, edits []Edit) error {
	d, err := replay(base, edits)
	if err != nil {
		return err
	}
	s.dict.Store(d)
	return s.LoadRegions(ctx)
}

// LoadStored loads the built-in dictionary with the stored edits replayed
// over it, and the region tree.
func (s *Service) LoadStored(ctx context.Context) error {
	d, err := catalog.Default()
	if err != nil {
		return fmt.Errorf("load built-in dictionary: %w", err)
	}
	edits, err := s.store.DictEdits(ctx)
	if err != nil {
		return fmt.Errorf("load dictionary edits: %w", err)
	}
	return s.Load(ctx, d, edits)
}

// LoadRegions rebuilds the atlas from the store, for regions written
// another way (the demo city writes its own).
func (s *Service) LoadRegions(ctx context.Context) error {
	regs, err := s.store.CurrentRegions(ctx)
	if err != nil {
		return fmt.Errorf("load regions: %w", err)
	}
	a, err := org.NewAtlas(regs)
	if err != nil {
		return fmt.Errorf("build region tree: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.atlas.Store(a.WithGapSnap(s.gapSnapM))
	return nil
}

func replay(d *catalog.Dictionary, edits []Edit) (*catalog.Dictionary, error) {
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

// ImportRegions checks a regions file (GeoJSON, zipped Shapefile or
// GeoPackage; see gisfile.Read), applies it in one transaction and swaps in
// the rebuilt tree and spatial index.
func (s *Service) ImportRegions(ctx context.Context, actor org.Actor, data []byte) (org.ImportPlan, error) {
	return s.importRegions(ctx, data, false)
}

// PreviewRegions does every check and repair of ImportRegions and returns
// the same plan and report, marked DryRun, without writing anything.
func (s *Service) PreviewRegions(ctx context.Context, data []byte) (org.ImportPlan, error) {
	return s.importRegions(ctx, data, true)
}

func (s *Service) importRegions(ctx context.Context, data []byte, dry bool) (org.ImportPlan, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	cur, err := s.store.CurrentRegions(ctx)
	if err != nil {
		return org.ImportPlan{}, fmt.Errorf("load regions: %w", err)
	}
	read := s.ReadFile
	if read == nil {
		read = gisfile.Read
	}
	feats, err := read(data)
	if err != nil {
		return org.ImportPlan{}, fmt.Errorf("read regions file: %w", err)
	}
	plan, err := org.PlanFeatures(feats, cur, now, s.newID)
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
	if dry {
		plan.DryRun = true
		return plan, nil
	}
	if err := s.store.ApplyImport(ctx, plan, now); err != nil {
		return plan, fmt.Errorf("apply region import: %w", err)
	}
	s.atlas.Store(atlas.WithGapSnap(s.gapSnapM))
	return plan, nil
}

// edit computes the next dictionary, records the edit and only then swaps
// the snapshot: a refused or unsaved change leaves the current one.
func (s *Service) edit(ctx context.Context, actor org.Actor, kind, key string, body any,
	change func(d *catalog.Dictionary) (*catalog.Dictionary, error)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next, err := change(s.Dict())
	if err != nil {
		return err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("encode dictionary edit: %w", err)
	}
	if err := s.store.AppendDictEdit(ctx, kind, key, b, actor.ID, s.now()); err != nil {
		return fmt.Errorf("store dictionary edit: %w", err)
	}
	s.dict.Store(next)
	return nil
}

// PutSubClass adds a new version of a sub-class.
func (s *Service) PutSubClass(ctx context.Context, actor org.Actor, sc catalog.SubClass) (catalog.SubClass, error) {
	var saved catalog.SubClass
	err := s.edit(ctx, actor, editSubClass, sc.Ref.String(), sc, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		next, err := d.WithSubClass(sc)
		if err != nil {
			return nil, err
		}
		vers := next.Versions(sc.Ref)
		saved = vers[len(vers)-1]
		return next, nil
	})
	return saved, err
}

// PutDepartment creates or replaces a department.
func (s *Service) PutDepartment(ctx context.Context, actor org.Actor, dep catalog.Department) error {
	return s.edit(ctx, actor, editDepartment, dep.Code, dep, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		return d.WithDepartment(dep)
	})
}

// PutRule adds or replaces a routing rule; a rule without an id gets one.
func (s *Service) PutRule(ctx context.Context, actor org.Actor, r catalog.Rule) (catalog.Rule, error) {
	if r.ID == "" {
		r.ID = "r-" + s.newID()[:13]
	}
	err := s.edit(ctx, actor, editRule, r.ID, r, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		return d.WithRule(r)
	})
	return r, err
}

// DeleteRule removes a routing rule.
func (s *Service) DeleteRule(ctx context.Context, actor org.Actor, id string) error {
	return s.edit(ctx, actor, editRuleDelete, id, map[string]string{"id": id}, func(d *catalog.Dictionary) (*catalog.Dictionary, error) {
		return d.WithoutRule(id)
	})
}
