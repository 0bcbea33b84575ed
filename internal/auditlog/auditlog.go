package auditlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
	"cityloop/internal/share"
)

// Checkpoints: a node writes one after every CheckpointEvery records it
// appended, at least every CheckpointInterval while it has appended
// something since the last, and when it stops.
const (
	CheckpointEvery    = 100
	CheckpointInterval = time.Minute
	// CheckpointFile is the checkpoint file's name in the data directory.
	CheckpointFile = "audit-checkpoints.log"
	// Dataset is the hub dataset the checkpoints are published to.
	Dataset = "audit"
)

// Store is the part of the store the log appends with.
type Store interface {
	AppendAudit(ctx context.Context, recs []audit.Record) ([]audit.Record, error)
}

// Log appends this node's audit records and writes signed checkpoints of
// the newest record it appended (never of a head read back from the
// database, which someone may have cut since) to the append-only file at
// Path, and publishes them with Publish, from which partners' pulls and
// webhooks copy them out of the database's reach.
type Log struct {
	Store Store
	Keys  func() *pii.Keyring
	Path  string // the checkpoint file
	Node  string // this node's id, named in its checkpoints
	Now   func() time.Time
	Log   *slog.Logger
	// Publish puts a checkpoint into the hub's outbox; nil: file only.
	Publish func(ctx context.Context, cp audit.Checkpoint) error

	mu      sync.Mutex
	head    audit.Record // newest record this node appended
	pending int          // records appended since the last checkpoint
	wrote   int64        // Seq of the last checkpoint written
}

// Audit appends recs. A failed checkpoint does not fail the action that was
// audited (the records are stored); it is logged, and the next one retries.
func (l *Log) Audit(ctx context.Context, recs ...audit.Record) error {
	out, err := l.Store.AppendAudit(ctx, recs)
	if err != nil || len(out) == 0 {
		return err
	}
	l.mu.Lock()
	if last := out[len(out)-1]; last.Seq > l.head.Seq {
		l.head = last
	}
	l.pending += len(out)
	due := l.pending >= CheckpointEvery
	l.mu.Unlock()
	if due {
		if _, err := l.Checkpoint(ctx, true); err != nil {
			l.Log.Error("audit checkpoint", "err", err)
		}
	}
	return nil
}

// Checkpoint writes a checkpoint of the newest record this node appended,
// if there is one newer than the last checkpoint, and returns it; with
// publish it also publishes it (a failure there is logged: the file has it).
func (l *Log) Checkpoint(ctx context.Context, publish bool) (*audit.Checkpoint, error) {
	l.mu.Lock()
	head := l.head
	if head.Seq == 0 || head.Seq <= l.wrote {
		l.mu.Unlock()
		return nil, nil
	}
	k := l.Keys()
	if k == nil {
		l.mu.Unlock()
		return nil, audit.ErrNoKey
	}
	id, secret := k.AuditKey()
	cp, err := audit.SignCheckpoint(head, l.Now(), l.Node, audit.Key{ID: id, Secret: secret})
	if err == nil {
		err = audit.AppendCheckpoint(l.Path, cp)
	}
	if err != nil {
		l.mu.Unlock()
		return nil, err
	}
	l.wrote, l.pending = head.Seq, 0
	l.mu.Unlock()
	if publish && l.Publish != nil {
		if err := l.Publish(ctx, cp); err != nil {
			l.Log.Warn("audit checkpoint not published to the hub (the file has it)", "seq", cp.Seq, "err", err)
		}
	}
	return &cp, nil
}

// Run writes a checkpoint every CheckpointInterval when there are new
// records, and one more when ctx ends (the node stopping).
func (l *Log) Run(ctx context.Context) error {
	t := time.NewTicker(CheckpointInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err := l.Checkpoint(stopCtx, true)
			return err
		case <-t.C:
			if _, err := l.Checkpoint(ctx, true); err != nil {
				l.Log.Error("audit checkpoint", "err", err)
			}
		}
	}
}

// Hub is the part of the hub store checkpoints are published with.
type Hub interface {
	FindDatasetByCode(ctx context.Context, code string) (*share.Dataset, error)
	PutDataset(ctx context.Context, d share.Dataset) error
	PublishRecords(ctx context.Context, recs []share.Record, changes []share.Change) error
}

// Publish puts cp into the hub's outbox as an "audit.checkpoint" change of
// the "audit" dataset (registered on first use). Partners that pull or
// subscribe to it keep copies the database's writers cannot reach. The
// change's event id comes from newID.
func Publish(ctx context.Context, p Hub, cp audit.Checkpoint, now time.Time, newID func() string) error {
	now = now.UTC()
	if _, err := p.FindDatasetByCode(ctx, Dataset); errs.Is(err, errs.KindNotFound) {
		d := share.Dataset{Code: Dataset, Name: "审计日志检查点 / audit log checkpoints", Owner: "center",
			Description: "Signed checkpoints (record count and head hash) of the CityLoop audit trail; keep them to detect a truncated or rewritten log.",
			Schema:      json.RawMessage(`{"type":"object","required":["seq","head","at","key","sig"]}`),
			Frequency:   share.Realtime, CreatedAt: now, UpdatedAt: now}
		if err := p.PutDataset(ctx, d); err != nil {
			return fmt.Errorf("register the audit dataset: %w", err)
		}
	} else if err != nil {
		return err
	}
	id := newID()
	payload, err := json.Marshal(map[string]any{"id": id, "dataset": Dataset, "type": "audit.checkpoint",
		"changed_at": now.Format(time.RFC3339Nano), "checkpoint": cp})
	if err != nil {
		return fmt.Errorf("encode audit checkpoint: %w", err)
	}
	return p.PublishRecords(ctx, nil, []share.Change{{EventID: id, Dataset: Dataset, Kind: "audit.checkpoint",
		Department: "center", ChangedAt: now, FedAt: now, Payload: payload}})
}

// Verification is the result of [Verify].
type Verification struct {
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
func (v Verification) Broken() bool { return v.Break != nil || v.CheckpointProblem != nil }

// Verifier is the part of the store that checks the chain.
type Verifier interface {
	VerifyAudit(ctx context.Context, checkpoints []audit.Checkpoint) (audit.Report, error)
}

// Verify checks the whole audit chain with the keyring's audit keys and
// against the signed checkpoints in file.
func Verify(ctx context.Context, st Verifier, keys *pii.Keyring, file string) (Verification, error) {
	v := Verification{CheckpointFile: file}
	cps, err := audit.ReadCheckpointFile(file, keys.AuditKeyByID)
	if err != nil && !errors.Is(err, audit.ErrBadCheckpoint) {
		return v, err
	}
	v.CheckpointProblem, v.CheckpointsRead = err, len(cps)
	v.Report, err = st.VerifyAudit(ctx, cps)
	return v, err
}
