package hubstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/hub"
	"cityloop/internal/open311"
	"cityloop/internal/store/sqlkit"
)

var _ open311.Store = (*DB)(nil)

// FindRequests reads cases for Open311, newest report first. The window on
// reported_at uses sqlstore's (reported_at, id) index; codes use the unique
// code index (or the primary key for case ids).
func (db *DB) FindRequests(ctx context.Context, q open311.Query) ([]open311.Request, error) {
	var conds []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if len(q.Codes) > 0 {
		var marks []string
		for _, c := range q.Codes {
			marks = append(marks, arg(c))
		}
		in := strings.Join(marks, ", ")
		conds = append(conds, "(c.code IN ("+in+") OR c.id IN ("+in+"))")
	} else {
		conds = append(conds, "c.reported_at >= "+arg(sqlkit.Micros(q.From)), "c.reported_at < "+arg(sqlkit.Micros(q.To)))
		if len(q.Categories) > 0 {
			var marks []string
			for _, c := range q.Categories {
				marks = append(marks, arg(c))
			}
			conds = append(conds, "c.category IN ("+strings.Join(marks, ", ")+")")
		}
		if q.Open != nil {
			if *q.Open {
				conds = append(conds, "c.is_open")
			} else {
				conds = append(conds, "NOT c.is_open")
			}
		}
	}
	limit := q.Limit
	if limit <= 0 || limit > open311.MaxRequests {
		limit = open311.MaxRequests
	}
	// Photos are the reporter's: those of the report event (verification
	// photos are appended to the case's own list later).
	query := `SELECT c.id, c.code, c.status, c.source, c.category, c.description, c.address, c.lng, c.lat, c.department, c.suggested_department,
COALESCE((SELECT e.photos FROM case_events e WHERE e.case_id = c.id AND e.action = 'report' ORDER BY e.seq LIMIT 1), 'null'),
c.reported_at, c.updated_at, c.case_due_at, COALESCE(o.media_url, '')
FROM cases c LEFT JOIN open311_requests o ON o.case_id = c.id
WHERE ` + strings.Join(conds, " AND ") + ` ORDER BY c.reported_at DESC, c.id DESC LIMIT ` + arg(int64(limit))
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", db.norm(err))
	}
	defer rows.Close()
	out := make([]open311.Request, 0, 64)
	for rows.Next() {
		var r open311.Request
		var photos string
		var reported, updated int64
		var due sql.Null[int64]
		if err := rows.Scan(&r.CaseID, &r.Code, &r.Status, &r.Source, &r.Category, &r.Description, &r.Address, &r.Lng, &r.Lat, &r.Department,
			&r.Suggested, &photos, &reported, &updated, &due, &r.MediaURL); err != nil {
			return nil, fmt.Errorf("find open311 requests: %w", db.norm(err))
		}
		if photos != "null" && photos != "[]" {
			_ = json.Unmarshal([]byte(photos), &r.Photos)
		}
		r.ReportedAt, r.UpdatedAt, r.CaseDue = sqlkit.Time(reported), sqlkit.Time(updated), sqlkit.NullTime(due)
		out = append(out, r)
	}
	return out, db.norm(rows.Err())
}

// FindUpdates reads timeline events of [from, to), oldest first. Event ids
// are UUIDv7 whose time prefix is when the event was stored, so the window
// is first cut on the primary key (no index on case_events.at is needed),
// then on the event time itself.
func (db *DB) FindUpdates(ctx context.Context, from, to time.Time, limit int) ([]open311.Update, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT e.id, c.code, e.action, e.to_status, e.at, e.note, e.photos, c.source, c.status
FROM case_events e JOIN cases c ON c.id = e.case_id
WHERE e.id >= $1 AND e.id < $2 AND e.at >= $3 AND e.at < $4 ORDER BY e.id LIMIT $5`,
		hub.UUIDv7Floor(from.Add(-time.Minute)), hub.UUIDv7Floor(to.Add(time.Minute)), sqlkit.Micros(from), sqlkit.Micros(to), int64(limit))
	if err != nil {
		return nil, fmt.Errorf("find updates: %w", db.norm(err))
	}
	defer rows.Close()
	out := []open311.Update{}
	for rows.Next() {
		var u open311.Update
		var at int64
		var photos string
		if err := rows.Scan(&u.ID, &u.RequestCode, &u.Action, &u.Status, &at, &u.Note, &photos, &u.Source, &u.CaseStatus); err != nil {
			return nil, db.norm(err)
		}
		u.At = sqlkit.Time(at)
		_ = json.Unmarshal([]byte(photos), &u.Photos)
		out = append(out, u)
	}
	return out, db.norm(rows.Err())
}

// SaveExtra records what an Open311 POST added to its case.
func (db *DB) SaveExtra(ctx context.Context, e open311.Extra) error {
	attrs, err := json.Marshal(e.Attributes)
	if err != nil {
		return err
	}
	_, err = db.exec(ctx, `INSERT INTO open311_requests (case_id, token, service_code, media_url, attributes, account_id, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.CaseID, e.Token, e.ServiceCode, e.MediaURL, string(attrs), e.AccountID, sqlkit.Micros(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("save open311 request %s: %w", e.CaseID, err)
	}
	return nil
}

// FindCodeByToken returns the case number behind a token.
func (db *DB) FindCodeByToken(ctx context.Context, token string) (string, error) {
	var code string
	err := db.r.QueryRowContext(ctx, `SELECT c.code FROM open311_requests o JOIN cases c ON c.id = o.case_id WHERE o.token = $1`, token).Scan(&code)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.NotFound("token %s does not exist", token)
	}
	if err != nil {
		return "", fmt.Errorf("find token: %w", db.norm(err))
	}
	return code, nil
}

// CreateKey stores an api key's hash.
func (db *DB) CreateKey(ctx context.Context, k open311.Key) error {
	detail := int64(0)
	if k.Detail {
		detail = 1
	}
	_, err := db.exec(ctx, `INSERT INTO open311_keys (hash, account_id, label, source, detail, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		k.Hash, k.AccountID, k.Label, string(k.Source), detail, k.CreatedBy, sqlkit.Micros(k.CreatedAt))
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// FindKey returns an unrevoked key by its hash.
func (db *DB) FindKey(ctx context.Context, hash []byte) (*open311.Key, error) {
	var k open311.Key
	var src string
	var created, detail int64
	err := db.r.QueryRowContext(ctx, `SELECT hash, account_id, label, source, detail, created_by, created_at FROM open311_keys
WHERE hash = $1 AND revoked_at IS NULL`, hash).Scan(&k.Hash, &k.AccountID, &k.Label, &src, &detail, &k.CreatedBy, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("unknown api key")
	}
	if err != nil {
		return nil, fmt.Errorf("find api key: %w", db.norm(err))
	}
	k.Source, k.CreatedAt, k.Detail = casework.Source(src), sqlkit.Time(created), detail != 0
	return &k, nil
}

// RevokeKeys revokes every unrevoked key of an account and says how many.
func (db *DB) RevokeKeys(ctx context.Context, accountID string, at time.Time) (int, error) {
	n, err := db.exec(ctx, `UPDATE open311_keys SET revoked_at = $1 WHERE account_id = $2 AND revoked_at IS NULL`, sqlkit.Micros(at), accountID)
	if err != nil {
		return 0, fmt.Errorf("revoke api keys of %s: %w", accountID, err)
	}
	return int(n), nil
}
