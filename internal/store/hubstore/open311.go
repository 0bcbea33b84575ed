package hubstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/georeport"
	"cityloop/internal/store/sqlkit"
)

// MediaURLs reads the media URLs Open311 POSTs gave these cases, by case
// id; cases without one are left out. (Package open311 reads the cases
// themselves from sqlstore and puts the two together.)
func (db *DB) MediaURLs(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT o.case_id, o.media_url FROM `+sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "j")+`
JOIN open311_requests o ON o.case_id = j.value WHERE o.media_url <> ''`, sqlkit.Strings(ids))
	if err != nil {
		return nil, fmt.Errorf("read open311 media urls: %w", db.norm(err))
	}
	defer rows.Close()
	for rows.Next() {
		var id, url string
		if err := rows.Scan(&id, &url); err != nil {
			return nil, fmt.Errorf("read open311 media urls: %w", db.norm(err))
		}
		out[id] = url
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read open311 media urls: %w", db.norm(err))
	}
	return out, nil
}

// SaveExtra records what an Open311 POST added to its case.
func (db *DB) SaveExtra(ctx context.Context, e georeport.Extra) error {
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

// FindCaseIDByToken returns the id of the case behind a token (from
// open311_requests), or NotFound.
func (db *DB) FindCaseIDByToken(ctx context.Context, token string) (string, error) {
	var id string
	err := db.r.QueryRowContext(ctx, `SELECT case_id FROM open311_requests WHERE token = $1`, token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.NotFound("token %s does not exist", token)
	}
	if err != nil {
		return "", fmt.Errorf("find token: %w", db.norm(err))
	}
	return id, nil
}

// CreateKey stores an api key's hash.
func (db *DB) CreateKey(ctx context.Context, k georeport.Key) error {
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
func (db *DB) FindKey(ctx context.Context, hash []byte) (*georeport.Key, error) {
	var k georeport.Key
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

// ClaimUpdate records that an account's update_id is being applied to a
// case. It answers claimed=false and the row kept before when the account
// posted that update_id already (the client resent it).
func (db *DB) ClaimUpdate(ctx context.Context, u georeport.Update) (*georeport.Update, bool, error) {
	n, err := db.exec(ctx, `INSERT INTO open311_updates (account_id, update_id, case_id, created_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (account_id, update_id) DO NOTHING`, u.AccountID, u.UpdateID, u.CaseID, sqlkit.Micros(u.CreatedAt))
	if err != nil {
		return nil, false, fmt.Errorf("claim open311 update %s: %w", u.UpdateID, err)
	}
	if n == 1 {
		return &u, true, nil
	}
	var got georeport.Update
	var action string
	var at int64
	err = db.w.QueryRowContext(ctx, `SELECT account_id, update_id, case_id, event_id, action, created_at FROM open311_updates
WHERE account_id = $1 AND update_id = $2`, u.AccountID, u.UpdateID).Scan(&got.AccountID, &got.UpdateID, &got.CaseID, &got.EventID, &action, &at)
	if err != nil {
		return nil, false, fmt.Errorf("read open311 update %s: %w", u.UpdateID, db.norm(err))
	}
	got.Action, got.CreatedAt = casework.Action(action), sqlkit.Time(at)
	return &got, false, nil
}

// FinishUpdate records the event a claimed update became.
func (db *DB) FinishUpdate(ctx context.Context, accountID, updateID, eventID string, action casework.Action) error {
	if _, err := db.exec(ctx, `UPDATE open311_updates SET event_id = $1, action = $2 WHERE account_id = $3 AND update_id = $4`,
		eventID, string(action), accountID, updateID); err != nil {
		return fmt.Errorf("finish open311 update %s: %w", updateID, err)
	}
	return nil
}

// ReleaseUpdate forgets a claim whose update was refused, so that the
// client may send it again once corrected.
func (db *DB) ReleaseUpdate(ctx context.Context, accountID, updateID string) error {
	if _, err := db.exec(ctx, `DELETE FROM open311_updates WHERE account_id = $1 AND update_id = $2 AND event_id = ''`,
		accountID, updateID); err != nil {
		return fmt.Errorf("release open311 update %s: %w", updateID, err)
	}
	return nil
}
