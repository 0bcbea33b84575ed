package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/audit"
)

// auditLockKey is the PostgreSQL advisory lock that serialises appends to
// the chain across nodes (each record's hash covers the one before it).
const auditLockKey = 0x636c61756469 // "claudi"

// AppendAudit chains recs onto the end of the audit log in one transaction
// and returns them with Seq, PrevHash, KeyID and Hash filled in. Every new
// record is keyed with the keyring's audit key ([pii.Keyring.AuditKey]):
// without a keyring it refuses, since an unkeyed record could be forged by
// anyone who can write the database.
func (db *DB) AppendAudit(ctx context.Context, recs []audit.Record) ([]audit.Record, error) {
	if len(recs) == 0 {
		return nil, nil
	}
	k := db.keys.Load()
	if k == nil {
		return nil, fmt.Errorf("append audit records: %w", audit.ErrNoKey)
	}
	id, secret := k.AuditKey()
	key := audit.Key{ID: id, Secret: secret}
	out := make([]audit.Record, len(recs))
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		if db.dialect == DialectPostgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLockKey); err != nil {
				return err
			}
		}
		var prev *audit.Record
		var last audit.Record
		err := db.txQueryRow(ctx, tx, `SELECT seq, hash, key_id FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&last.Seq, &last.Hash, &last.KeyID)
		switch {
		case err == sql.ErrNoRows:
		case err != nil:
			return err
		default:
			prev = &last
		}
		for i, r := range recs {
			r, err := audit.Chain(prev, r, key)
			if err != nil {
				return err
			}
			if _, err := db.txExec(ctx, tx, `INSERT INTO audit_log (seq, at, actor, action, object, detail, addr, prev_hash, key_id, hash)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`, r.Seq, r.At.UnixMicro(), r.Actor, r.Action, r.Object, r.Detail, r.Addr, r.PrevHash, r.KeyID, r.Hash); err != nil {
				return err
			}
			out[i] = r
			prev = &out[i]
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("append audit records: %w", db.norm(err))
	}
	return out, nil
}

// AuditFilter selects audit records; zero fields do not filter.
type AuditFilter = audit.Filter

const auditCols = `seq, at, actor, action, object, detail, addr, prev_hash, key_id, hash`

func scanAudit(rows *sql.Rows) (audit.Record, error) {
	var r audit.Record
	var at int64
	err := rows.Scan(&r.Seq, &at, &r.Actor, &r.Action, &r.Object, &r.Detail, &r.Addr, &r.PrevHash, &r.KeyID, &r.Hash)
	r.At = time.UnixMicro(at).UTC()
	return r, err
}

// FindAudit searches the audit log, newest first.
func (db *DB) FindAudit(ctx context.Context, f AuditFilter) ([]audit.Record, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Actor != "" {
		add("actor = $%d", f.Actor)
	}
	if f.Action != "" {
		add("action = $%d", f.Action)
	}
	if f.Object != "" {
		add("object = $%d", f.Object)
	}
	if f.From != nil {
		add("at >= $%d", f.From.UnixMicro())
	}
	if f.To != nil {
		add("at < $%d", f.To.UnixMicro())
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.queryRow(ctx, `SELECT COUNT(*) FROM audit_log`+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit records: %w", db.norm(err))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_log`+w+
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find audit records: %w", db.norm(err))
	}
	defer rows.Close()
	out := []audit.Record{}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("find audit records: %w", db.norm(err))
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// VerifyAudit walks the whole chain in order with the keyring's audit keys
// (each record's by its key id) and checks it against checkpoints (already
// authenticated, see audit.ReadCheckpoints); the Report names the first
// broken record or the truncation (see audit.Verify).
func (db *DB) VerifyAudit(ctx context.Context, checkpoints []audit.Checkpoint) (audit.Report, error) {
	var keys audit.KeyFunc
	if k := db.keys.Load(); k != nil {
		keys = k.AuditKeyByID
	}
	rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY seq`)
	if err != nil {
		return audit.Report{}, fmt.Errorf("read audit log: %w", db.norm(err))
	}
	defer rows.Close()
	rep, err := audit.Verify(audit.Options{Keys: keys, Checkpoints: checkpoints}, func() (audit.Record, bool, error) {
		if !rows.Next() {
			return audit.Record{}, false, rows.Err()
		}
		r, err := scanAudit(rows)
		return r, err == nil, err
	})
	if err != nil {
		return rep, fmt.Errorf("verify audit log: %w", db.norm(err))
	}
	return rep, nil
}

// AuditHead returns the last record of the log; ok is false when it is empty.
func (db *DB) AuditHead(ctx context.Context) (r audit.Record, ok bool, err error) {
	rows, err := db.query(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY seq DESC LIMIT 1`)
	if err != nil {
		return r, false, fmt.Errorf("read audit head: %w", db.norm(err))
	}
	defer rows.Close()
	if !rows.Next() {
		return r, false, rows.Err()
	}
	r, err = scanAudit(rows)
	if err != nil {
		return r, false, fmt.Errorf("read audit head: %w", db.norm(err))
	}
	return r, true, nil
}
