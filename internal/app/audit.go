package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"cityloop/internal/api"
	"cityloop/internal/audit"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
	"cityloop/internal/share"
	"cityloop/internal/store/sqlstore"
)

// auditAdapter connects the API's audit search to the store. Appends go
// through [auditLog], which also keeps the checkpoints.
type auditAdapter struct{ db *sqlstore.DB }

func (a auditAdapter) FindAudit(ctx context.Context, q api.AuditQuery) ([]audit.Record, int, error) {
	return a.db.FindAudit(ctx, sqlstore.AuditFilter{Actor: q.Actor, Action: q.Action, Object: q.Object,
		From: q.From, To: q.To, Limit: q.Limit, Offset: q.Offset})
}

// Checkpoints: a node writes one after every auditCheckpointEvery records
// it appended, at least every auditCheckpointInterval while it has appended
// something since the last, and when it stops.
const (
	auditCheckpointEvery    = 100
	auditCheckpointInterval = time.Minute
	// AuditCheckpointFile is the checkpoint file's name in the data directory.
	AuditCheckpointFile = "audit-checkpoints.log"
	// auditDataset is the hub dataset the checkpoints are published to.
	auditDataset = "audit"
)

// auditLog appends this node's audit records and writes signed checkpoints
// of the newest record it appended (never of a head read back from the
// database, which someone may have cut since) to the append-only file in
// the data directory, and publishes them to the hub's outbox, from which
// partners' pulls and webhooks copy them out of the database's reach.
type auditLog struct {
	db      *sqlstore.DB
	keys    func() *pii.Keyring
	path    string
	node    string
	now     func() time.Time
	log     *slog.Logger
	publish func(ctx context.Context, cp audit.Checkpoint) error // nil: file only

	mu      sync.Mutex
	head    audit.Record // newest record this node appended
	pending int          // records appended since the last checkpoint
	wrote   int64        // Seq of the last checkpoint written
}

// newAuditLog makes the node's audit log (buildHandler gives it to the API,
// wireWeb takes it from there) and registers the checkpoint loop with Run
// and a last checkpoint with Close.
func (a *App) newAuditLog() *auditLog {
	l := &auditLog{db: a.Store, keys: func() *pii.Keyring { return a.keys }, node: a.node,
		path: filepath.Join(a.Cfg.DataDir, AuditCheckpointFile), now: a.Now, log: a.Log}
	l.publish = func(ctx context.Context, cp audit.Checkpoint) error { return a.publishCheckpoint(ctx, cp) }
	a.Go(l.run)
	a.OnClose(func() error {
		// The hub store may be closed already: the file is enough here.
		_, err := l.checkpoint(context.Background(), false)
		return err
	})
	return l
}

// Audit appends recs. A failed checkpoint does not fail the action that was
// audited (the records are stored); it is logged, and the next one retries.
func (l *auditLog) Audit(ctx context.Context, recs ...audit.Record) error {
	out, err := l.db.AppendAudit(ctx, recs)
	if err != nil || len(out) == 0 {
		return err
	}
	l.mu.Lock()
	if last := out[len(out)-1]; last.Seq > l.head.Seq {
		l.head = last
	}
	l.pending += len(out)
	due := l.pending >= auditCheckpointEvery
	l.mu.Unlock()
	if due {
		if _, err := l.checkpoint(ctx, true); err != nil {
			l.log.Error("audit checkpoint", "err", err)
		}
	}
	return nil
}

// checkpoint writes a checkpoint of the newest record this node appended,
// if there is one newer than the last checkpoint, and returns it.
func (l *auditLog) checkpoint(ctx context.Context, publish bool) (*audit.Checkpoint, error) {
	l.mu.Lock()
	head := l.head
	if head.Seq == 0 || head.Seq <= l.wrote {
		l.mu.Unlock()
		return nil, nil
	}
	k := l.keys()
	if k == nil {
		l.mu.Unlock()
		return nil, audit.ErrNoKey
	}
	id, secret := k.AuditKey()
	cp, err := audit.SignCheckpoint(head, l.now(), l.node, audit.Key{ID: id, Secret: secret})
	if err == nil {
		err = audit.AppendCheckpoint(l.path, cp)
	}
	if err != nil {
		l.mu.Unlock()
		return nil, err
	}
	l.wrote, l.pending = head.Seq, 0
	l.mu.Unlock()
	if publish && l.publish != nil {
		if err := l.publish(ctx, cp); err != nil {
			l.log.Warn("audit checkpoint not published to the hub (the file has it)", "seq", cp.Seq, "err", err)
		}
	}
	return &cp, nil
}

// run writes a checkpoint every auditCheckpointInterval when there are new
// records, and one more when ctx ends (the node stopping).
func (l *auditLog) run(ctx context.Context) error {
	t := time.NewTicker(auditCheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := l.checkpoint(stopCtx, true)
			return err
		case <-t.C:
			if _, err := l.checkpoint(ctx, true); err != nil {
				l.log.Error("audit checkpoint", "err", err)
			}
		}
	}
}

// hubPublisher is the part of the hub store checkpoints are published with.
type hubPublisher interface {
	FindDatasetByCode(ctx context.Context, code string) (*share.Dataset, error)
	PutDataset(ctx context.Context, d share.Dataset) error
	PublishRecords(ctx context.Context, recs []share.Record, changes []share.Change) error
}

// publishCheckpoint puts cp into the hub's outbox as an "audit.checkpoint"
// change of the "audit" dataset (registered on first use). Partners that
// pull or subscribe to it keep copies the database's writers cannot reach.
// Without the hub (not wired) it does nothing.
func (a *App) publishCheckpoint(ctx context.Context, cp audit.Checkpoint) error {
	p, ok := a.hubChanges.(hubPublisher)
	if !ok {
		return nil
	}
	now := a.Now().UTC()
	if _, err := p.FindDatasetByCode(ctx, auditDataset); errs.Is(err, errs.KindNotFound) {
		d := share.Dataset{Code: auditDataset, Name: "审计日志检查点 / audit log checkpoints", Owner: "center",
			Description: "Signed checkpoints (record count and head hash) of the CityLoop audit trail; keep them to detect a truncated or rewritten log.",
			Schema:      json.RawMessage(`{"type":"object","required":["seq","head","at","key","sig"]}`),
			Frequency:   share.Realtime, CreatedAt: now, UpdatedAt: now}
		if err := p.PutDataset(ctx, d); err != nil {
			return fmt.Errorf("register the audit dataset: %w", err)
		}
	} else if err != nil {
		return err
	}
	id := NewID()
	payload, err := json.Marshal(map[string]any{"id": id, "dataset": auditDataset, "type": "audit.checkpoint",
		"changed_at": now.Format(time.RFC3339Nano), "checkpoint": cp})
	if err != nil {
		return fmt.Errorf("encode audit checkpoint: %w", err)
	}
	return p.PublishRecords(ctx, nil, []share.Change{{EventID: id, Dataset: auditDataset, Kind: "audit.checkpoint",
		Department: "center", ChangedAt: now, FedAt: now, Payload: payload}})
}

// AuditVerification is the result of [App.VerifyAudit].
type AuditVerification struct {
	audit.Report
	// CheckpointFile is where the checkpoints were read; CheckpointsRead
	// how many authenticated lines it held.
	CheckpointFile  string
	CheckpointsRead int
	// CheckpointProblem is set when the file has a line that does not
	// parse or authenticate (it wraps audit.ErrBadCheckpoint); the log was
	// verified without the checkpoints after that line.
	CheckpointProblem error
}

// Broken reports whether anything failed to verify.
func (v AuditVerification) Broken() bool { return v.Break != nil || v.CheckpointProblem != nil }

// VerifyAudit checks the whole audit chain with the keyring's audit keys and
// against the signed checkpoints in file ("" = the data directory's).
func (a *App) VerifyAudit(ctx context.Context, file string) (AuditVerification, error) {
	if file == "" {
		file = filepath.Join(a.Cfg.DataDir, AuditCheckpointFile)
	}
	v := AuditVerification{CheckpointFile: file}
	cps, err := audit.ReadCheckpointFile(file, a.keys.AuditKeyByID)
	if err != nil && !errors.Is(err, audit.ErrBadCheckpoint) {
		return v, err
	}
	v.CheckpointProblem, v.CheckpointsRead = err, len(cps)
	v.Report, err = a.Store.VerifyAudit(ctx, cps)
	return v, err
}
