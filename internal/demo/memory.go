package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/org"
)

// Memory is a Sink that keeps everything in memory, for tests and fixtures
// ("fixtures built in Go by internal/demo", STYLE.md §3.8). It numbers cases
// as a store would, and is safe for concurrent use.
type Memory struct {
	mu       sync.Mutex
	Regions  []org.Region
	ImportAt time.Time
	Accounts []org.Account
	Cases    []*casework.Case
	Events   [][]casework.Event
	Photos   map[string][]byte
}

// ApplyImport keeps the plan's regions.
func (m *Memory) ApplyImport(_ context.Context, plan org.ImportPlan, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Regions = append(m.Regions, plan.Insert...)
	m.ImportAt = at
	return nil
}

// CreateAccount keeps a copy of a.
func (m *Memory) CreateAccount(_ context.Context, a *org.Account) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Accounts = append(m.Accounts, *a)
	return nil
}

// BulkCreateCases keeps the cases and gives each a code, as a store does.
func (m *Memory) BulkCreateCases(_ context.Context, cases []*casework.Case, events [][]casework.Event) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, c := range cases {
		c.Code = c.ReportedAt.Format("20060102") + pad(len(m.Cases)+1, 6)
		c.Version = 1
		m.Cases = append(m.Cases, c)
	}
	m.Events = append(m.Events, events...)
	return nil
}

// PutPhoto keeps data under its SHA-256, as the blob store does.
func (m *Memory) PutPhoto(_ context.Context, data []byte) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	sum := sha256.Sum256(data)
	id := hex.EncodeToString(sum[:])
	if m.Photos == nil {
		m.Photos = map[string][]byte{}
	}
	m.Photos[id] = append([]byte(nil), data...)
	return id, nil
}
