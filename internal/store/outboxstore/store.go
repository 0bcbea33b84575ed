package outboxstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/outbox"
	"cityloop/internal/store/sqlkit"
)

// The store implements the outbox's interface.
var _ outbox.Store = (*DB)(nil)

// messageCols are the columns scanMessage reads, in its order.
const messageCols = `id, channel, recipient, subject, body, template, related, idempotency_key, status, attempts, max_attempts,
    next_attempt_at, last_error, provider_id, holder, lease_until, lease_seq, version, created_at, updated_at, sent_at, delivered_at`

type scanner interface{ Scan(dest ...any) error }

// scanMessage reads one row of messageCols and opens the sealed columns.
func (db *DB) scanMessage(row scanner) (outbox.Message, error) {
	var m outbox.Message
	var next, created, updated int64
	var holder sql.Null[string]
	var lease, sent, delivered sql.Null[int64]
	if err := row.Scan(&m.ID, &m.Channel, &m.To, &m.Subject, &m.Body, &m.Template, &m.Related, &m.IdempotencyKey, &m.Status,
		&m.Attempts, &m.MaxAttempts, &next, &m.LastError, &m.ProviderID, &holder, &lease, &m.LeaseSeq, &m.Version,
		&created, &updated, &sent, &delivered); err != nil {
		return m, err
	}
	m.NextAttemptAt, m.CreatedAt, m.UpdatedAt = fromMicros(next), fromMicros(created), fromMicros(updated)
	m.Holder, m.LeaseUntil = holder.V, sqlkit.NullTime(lease)
	m.SentAt, m.DeliveredAt = sqlkit.NullTime(sent), sqlkit.NullTime(delivered)
	var err error
	for _, f := range []struct {
		col string
		v   *string
	}{{"recipient", &m.To}, {"subject", &m.Subject}, {"body", &m.Body}} {
		if *f.v, err = db.open(m.ID, f.col, *f.v); err != nil {
			return m, err
		}
	}
	return m, nil
}

// EnqueueMessage stores m unless its idempotency key is taken; then it
// returns the message stored under the key.
func (db *DB) EnqueueMessage(ctx context.Context, m outbox.Message) (outbox.Message, bool, error) {
	to, err := db.seal(m.ID, "recipient", m.To)
	if err != nil {
		return m, false, err
	}
	subject, err := db.seal(m.ID, "subject", m.Subject)
	if err != nil {
		return m, false, err
	}
	body, err := db.seal(m.ID, "body", m.Body)
	if err != nil {
		return m, false, err
	}
	var n int64
	err = db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `INSERT INTO outbox_messages (id, channel, recipient, subject, body, template, related, idempotency_key,
    status, attempts, max_attempts, next_attempt_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 0, $10, $11, $12, $12)
ON CONFLICT (idempotency_key) DO NOTHING`,
			m.ID, m.Channel, to, subject, body, m.Template, m.Related, m.IdempotencyKey, m.Status, m.MaxAttempts,
			micros(m.NextAttemptAt), micros(m.CreatedAt))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return m, false, fmt.Errorf("enqueue outbox message: %w", err)
	}
	got, err := db.findOne(ctx, db.w, `idempotency_key = $1`, m.IdempotencyKey)
	if err != nil {
		return m, false, fmt.Errorf("enqueue outbox message: %w", err)
	}
	return got, n == 1, nil
}

// ClaimMessages leases up to c.Limit due messages of c.Channels to c.Node.
func (db *DB) ClaimMessages(ctx context.Context, c outbox.Claim) ([]outbox.Message, error) {
	if len(c.Channels) == 0 || c.Limit < 1 {
		return nil, nil
	}
	args := []any{c.Node, micros(c.LeaseUntil), micros(c.Now), c.Limit}
	in := make([]string, len(c.Channels))
	for i, ch := range c.Channels {
		args = append(args, string(ch))
		in[i] = fmt.Sprintf("$%d", len(args))
	}
	due := `((status IN ('queued', 'failed') AND next_attempt_at <= $3) OR (status = 'sending' AND lease_until < $3))
    AND channel IN (` + strings.Join(in, ", ") + `)`
	lock := claimLockSQLite
	if db.dialect == DialectPostgres {
		lock = claimLockPostgres
	}
	q := `UPDATE outbox_messages SET status = 'sending', holder = $1, lease_until = $2, lease_seq = lease_seq + 1,
    attempts = attempts + 1, version = version + 1, updated_at = $3
WHERE id IN (SELECT id FROM outbox_messages WHERE ` + due + ` ORDER BY next_attempt_at, id LIMIT $4` + lock + `)
    AND ` + due + `
RETURNING ` + messageCols
	var out []outbox.Message
	err := db.tx(ctx, func(tx *sql.Tx) error {
		out = out[:0]
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			m, err := db.scanMessage(rows)
			if err != nil {
				return err
			}
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("claim outbox messages: %w", err)
	}
	slices.SortFunc(out, func(a, b outbox.Message) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// FinishAttempt writes the message after an attempt, and the attempt,
// while the claim (a.Node, m.LeaseSeq) still holds the row.
func (db *DB) FinishAttempt(ctx context.Context, m outbox.Message, a outbox.Attempt) (bool, error) {
	ok := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		ok = false
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET status = $4, next_attempt_at = $5, last_error = $6, provider_id = $7,
    sent_at = $8, delivered_at = $9, updated_at = $10, holder = NULL, lease_until = NULL, version = version + 1
WHERE id = $1 AND holder = $2 AND lease_seq = $3`,
			m.ID, a.Node, m.LeaseSeq, m.Status, micros(m.NextAttemptAt), m.LastError, m.ProviderID,
			sqlkit.MicrosOrNull(m.SentAt), sqlkit.MicrosOrNull(m.DeliveredAt), micros(m.UpdatedAt))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO outbox_attempts (message_id, n, node, started_at, finished_at, ok, error, provider_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, a.MessageID, a.N, a.Node, micros(a.StartedAt), micros(a.FinishedAt),
			sqlkit.Bool(a.OK), a.Error, a.ProviderID); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("record attempt %d at outbox message %s: %w", a.N, m.ID, err)
	}
	return ok, nil
}

// SaveMessage writes a change decided outside a claim (a receipt, an
// administrator's retry) when the row still has m.Version.
func (db *DB) SaveMessage(ctx context.Context, m outbox.Message, r *outbox.Receipt) (outbox.Message, error) {
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox_messages SET status = $3, attempts = $4, next_attempt_at = $5, last_error = $6,
    delivered_at = $7, updated_at = $8, version = version + 1
WHERE id = $1 AND version = $2 AND holder IS NULL`,
			m.ID, m.Version, m.Status, m.Attempts, micros(m.NextAttemptAt), m.LastError, sqlkit.MicrosOrNull(m.DeliveredAt), micros(m.UpdatedAt))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return errs.Conflict("消息 %s 已被其他操作修改，请刷新后重试 / message %s was changed meanwhile; reload and try again", m.ID, m.ID)
		}
		if r == nil {
			return nil
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO outbox_receipts (message_id, channel, provider_id, delivered, detail, at, received_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, m.ID, r.Channel, r.ProviderID, sqlkit.Bool(r.Delivered), r.Detail, micros(r.At), micros(r.ReceivedAt))
		return err
	})
	if err != nil {
		return m, fmt.Errorf("save outbox message %s: %w", m.ID, err)
	}
	return db.FindMessageByID(ctx, m.ID)
}

// findOne reads the message matching where, on pool p.
func (db *DB) findOne(ctx context.Context, p *sql.DB, where string, args ...any) (outbox.Message, error) {
	m, err := db.scanMessage(p.QueryRowContext(ctx, `SELECT `+messageCols+` FROM outbox_messages WHERE `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return m, errs.NotFound("没有这条消息 / no such message")
	}
	return m, sqlkit.Norm(err)
}

// FindMessageByID reads one message.
func (db *DB) FindMessageByID(ctx context.Context, id string) (outbox.Message, error) {
	m, err := db.findOne(ctx, db.r, `id = $1`, id)
	if errs.Is(err, errs.KindNotFound) {
		return m, errs.NotFound("没有编号为 %s 的消息 / no message has the id %s", id, id)
	}
	if err != nil {
		return m, fmt.Errorf("find outbox message %s: %w", id, err)
	}
	return m, nil
}

// FindMessageByProviderID reads the message a provider knows by pid.
func (db *DB) FindMessageByProviderID(ctx context.Context, ch outbox.Channel, pid string) (outbox.Message, error) {
	if pid == "" {
		return outbox.Message{}, errs.NotFound("回执未给出消息编号 / the receipt names no message")
	}
	m, err := db.findOne(ctx, db.r, `channel = $1 AND provider_id = $2`, ch, pid)
	if err != nil && !errs.Is(err, errs.KindNotFound) {
		return m, fmt.Errorf("find outbox message by provider id: %w", err)
	}
	return m, err
}

// FindMessages lists messages newest first, with the total.
func (db *DB) FindMessages(ctx context.Context, f outbox.Filter) ([]outbox.Message, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Status != "" {
		add("status = $%d", f.Status)
	}
	if f.Channel != "" {
		add("channel = $%d", f.Channel)
	}
	if f.Related != "" {
		add("related = $%d", f.Related)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM outbox_messages`+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count outbox messages: %w", sqlkit.Norm(err))
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	args = append(args, limit, max(f.Offset, 0))
	rows, err := db.r.QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM outbox_messages%s ORDER BY created_at DESC, id DESC LIMIT $%d OFFSET $%d`,
		messageCols, w, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox messages: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []outbox.Message
	for rows.Next() {
		m, err := db.scanMessage(rows)
		if err != nil {
			return nil, 0, fmt.Errorf("list outbox messages: %w", sqlkit.Norm(err))
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list outbox messages: %w", sqlkit.Norm(err))
	}
	return out, total, nil
}

// ListAttempts returns a message's attempts, oldest first.
func (db *DB) ListAttempts(ctx context.Context, id string) ([]outbox.Attempt, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT message_id, n, node, started_at, finished_at, ok, error, provider_id
FROM outbox_attempts WHERE message_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list attempts of %s: %w", id, sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []outbox.Attempt
	for rows.Next() {
		var a outbox.Attempt
		var started, finished, ok int64
		if err := rows.Scan(&a.MessageID, &a.N, &a.Node, &started, &finished, &ok, &a.Error, &a.ProviderID); err != nil {
			return nil, fmt.Errorf("list attempts of %s: %w", id, sqlkit.Norm(err))
		}
		a.StartedAt, a.FinishedAt, a.OK = fromMicros(started), fromMicros(finished), ok != 0
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list attempts of %s: %w", id, sqlkit.Norm(err))
	}
	return out, nil
}

// ListReceipts returns a message's receipts, oldest first.
func (db *DB) ListReceipts(ctx context.Context, id string) ([]outbox.Receipt, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT message_id, channel, provider_id, delivered, detail, at, received_at
FROM outbox_receipts WHERE message_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list receipts of %s: %w", id, sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []outbox.Receipt
	for rows.Next() {
		var r outbox.Receipt
		var delivered, at, received int64
		if err := rows.Scan(&r.MessageID, &r.Channel, &r.ProviderID, &delivered, &r.Detail, &at, &received); err != nil {
			return nil, fmt.Errorf("list receipts of %s: %w", id, sqlkit.Norm(err))
		}
		r.Delivered, r.At, r.ReceivedAt = delivered != 0, fromMicros(at), fromMicros(received)
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list receipts of %s: %w", id, sqlkit.Norm(err))
	}
	return out, nil
}
