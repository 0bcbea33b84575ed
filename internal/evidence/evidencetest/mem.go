package evidencetest

import (
	"context"
	"slices"
	"sync"

	"cityloop/internal/errs"
	"cityloop/internal/evidence"
)

// Mem is an in-memory evidence.Store for tests of what uses a store; the
// contract suite checks it agrees with the SQL store.
type Mem struct {
	mu     sync.Mutex
	items  []evidence.Item
	chains map[string][]evidence.Entry
}

func (m *Mem) add(draft evidence.Entry) evidence.Entry {
	if m.chains == nil {
		m.chains = map[string][]evidence.Entry{}
	}
	c := m.chains[draft.CaseID]
	var prev *evidence.Entry
	if len(c) > 0 {
		prev = &c[len(c)-1]
	}
	e := evidence.Seal(prev, draft)
	m.chains[draft.CaseID] = append(c, e)
	return e
}

func (m *Mem) CreateEvidence(_ context.Context, it evidence.Item, draft evidence.Entry) (evidence.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.items {
		if x.ID == it.ID {
			return evidence.Entry{}, errs.Conflict("evidence %s exists", it.ID)
		}
	}
	m.items = append(m.items, it)
	return m.add(draft), nil
}

func (m *Mem) FindEvidenceByID(_ context.Context, id string) (evidence.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.items {
		if x.ID == id {
			return x, nil
		}
	}
	return evidence.Item{}, errs.NotFound("no evidence %s", id)
}

func (m *Mem) FindEvidence(_ context.Context, caseID string) ([]evidence.Item, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []evidence.Item
	for _, x := range m.items {
		if x.CaseID == caseID {
			out = append(out, x)
		}
	}
	return out, nil
}

func (m *Mem) AppendCustody(_ context.Context, draft evidence.Entry) (evidence.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.add(draft), nil
}

func (m *Mem) Custody(_ context.Context, caseID string) ([]evidence.Entry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.chains[caseID]), nil
}

// Tamper edits entry i (0-based) of a case's chain in place, as someone
// with write access to the database could.
func (m *Mem) Tamper(caseID string, i int, edit func(*evidence.Entry)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	edit(&m.chains[caseID][i])
}
