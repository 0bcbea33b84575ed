package auditlog

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
	"cityloop/internal/share"
)

// memStore chains records in memory, as the store does.
type memStore struct{ recs []audit.Record }

func (m *memStore) AppendAudit(ctx context.Context, recs []audit.Record) ([]audit.Record, error) {
	out := make([]audit.Record, len(recs))
	for i, r := range recs {
		r.Seq = int64(len(m.recs) + 1)
		m.recs = append(m.recs, r)
		out[i] = r
	}
	return out, nil
}

// memHub keeps the datasets and changes published to it.
type memHub struct {
	datasets map[string]share.Dataset
	changes  []share.Change
}

func (h *memHub) FindDatasetByCode(ctx context.Context, code string) (*share.Dataset, error) {
	d, ok := h.datasets[code]
	if !ok {
		return nil, errs.E(errs.KindNotFound, "no dataset %s", code)
	}
	return &d, nil
}

func (h *memHub) PutDataset(ctx context.Context, d share.Dataset) error {
	h.datasets[d.Code] = d
	return nil
}

func (h *memHub) PublishRecords(ctx context.Context, recs []share.Record, changes []share.Change) error {
	h.changes = append(h.changes, changes...)
	return nil
}

func TestLog_Checkpoint(t *testing.T) {
	keys, err := pii.ParseKeyring("k1:" + pii.NewKey())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
	hub := &memHub{datasets: map[string]share.Dataset{}}
	n := 0
	l := &Log{Store: &memStore{}, Keys: func() *pii.Keyring { return keys }, Node: "node-1",
		Path: filepath.Join(t.TempDir(), CheckpointFile), Now: func() time.Time { return now }}
	l.Publish = func(ctx context.Context, cp audit.Checkpoint) error {
		return Publish(ctx, hub, cp, now, func() string { n++; return fmt.Sprintf("ev%d", n) })
	}
	ctx := context.Background()

	t.Run("nothing appended, no checkpoint", func(t *testing.T) {
		cp, err := l.Checkpoint(ctx, true)
		if cp != nil || err != nil {
			t.Fatalf("Checkpoint = %v, %v; want none", cp, err)
		}
	})
	t.Run("every CheckpointEvery records", func(t *testing.T) {
		for i := 0; i < CheckpointEvery; i++ {
			if err := l.Audit(ctx, audit.Record{At: now, Actor: "u", Action: "case.dispatch", Object: "case/1", Detail: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		cps, err := audit.ReadCheckpointFile(l.Path, keys.AuditKeyByID)
		if err != nil || len(cps) != 1 || cps[0].Seq != CheckpointEvery {
			t.Fatalf("checkpoints %+v, %v; want one at Seq %d", cps, err, CheckpointEvery)
		}
		if _, ok := hub.datasets[Dataset]; !ok || len(hub.changes) != 1 || hub.changes[0].Kind != "audit.checkpoint" {
			t.Fatalf("hub: datasets %v, changes %+v; want the audit dataset and one checkpoint change", hub.datasets, hub.changes)
		}
	})
	t.Run("no new records, no new checkpoint", func(t *testing.T) {
		cp, err := l.Checkpoint(ctx, false)
		if cp != nil || err != nil {
			t.Fatalf("Checkpoint = %v, %v; want none", cp, err)
		}
	})
}
