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
	"cityloop/internal/open311"
	"cityloop/internal/store/sqlkit"
)

var _ open311.Store = (*DB)(nil)

// FindRequests reads cases for Open311, newest report first: their heads
// from [Cases] (the window on reported_at uses sqlstore's (reported_at, id)
// index; codes use the unique code index or the primary key), the
// reporter's photos (those of the report event; verification photos are
// appended to the case's own list later) and the media URL of an Open311
// POST from open311_requests.
func (db *DB) FindRequests(ctx context.Context, q open311.Query) ([]open311.Request, error) {
	cases, err := db.caseReader()
	if err != nil {
		return nil, err
	}
	limit := q.Limit
	if limit <= 0 || limit > open311.MaxRequests {
		limit = open311.MaxRequests
	}
	var heads []*casework.Case
	if len(q.Codes) > 0 {
		heads, err = cases.FindCaseHeads(ctx, q.Codes, limit)
	} else {
		heads, err = cases.FindCaseHeadsReported(ctx, q.From, q.To, q.Categories, q.Open, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", err)
	}
	ids := make([]string, len(heads))
	for i, c := range heads {
		ids[i] = c.ID
	}
	photos, err := cases.ReportPhotos(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", err)
	}
	media, err := db.mediaURLs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("find open311 requests: %w", err)
	}
	out := make([]open311.Request, 0, max(len(heads), 64))
	for _, c := range heads {
		out = append(out, open311.Request{CaseID: c.ID, Code: c.Code, Status: c.Status, Source: c.Source, Category: categoryOf(c),
			Description: c.Description, Address: c.Address, Lng: c.Point.Lng, Lat: c.Point.Lat, Department: c.Department,
			Suggested: c.Suggested, Photos: photos[c.ID], ReportedAt: c.ReportedAt, UpdatedAt: c.UpdatedAt, CaseDue: c.CaseDue,
			MediaURL: media[c.ID]})
	}
	return out, nil
}

// mediaURLs reads the media URLs Open311 POSTs gave these cases, by case
// id; cases without one are left out.
func (db *DB) mediaURLs(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := db.r.QueryContext(ctx, `SELECT o.case_id, o.media_url FROM `+sqlkit.JSONList(db.dialect == DialectPostgres, "$1", "j")+`
JOIN open311_requests o ON o.case_id = j.value WHERE o.media_url <> ''`, sqlkit.Strings(ids))
	if err != nil {
		return nil, db.norm(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, url string
		if err := rows.Scan(&id, &url); err != nil {
			return nil, db.norm(err)
		}
		out[id] = url
	}
	return out, db.norm(rows.Err())
}

// categoryOf is the dictionary ref of c's category, "" when unclassified.
func categoryOf(c *casework.Case) string {
	if c.Category == nil {
		return ""
	}
	return c.Category.String()
}

// FindUpdates reads timeline events of [from, to), oldest first, with the
// number, source and status of their cases (see [Cases.FindEventsBetween]).
func (db *DB) FindUpdates(ctx context.Context, from, to time.Time, limit int) ([]open311.Update, error) {
	cases, err := db.caseReader()
	if err != nil {
		return nil, err
	}
	events, heads, err := cases.FindEventsBetween(ctx, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("find updates: %w", err)
	}
	out := []open311.Update{}
	for _, e := range events {
		c := heads[e.CaseID]
		if c == nil {
			continue // cannot happen: the events were read joined with their cases
		}
		out = append(out, open311.Update{ID: e.ID, RequestCode: c.Code, Action: e.Action, Status: e.To, At: e.At, Note: e.Note,
			Photos: e.Photos, Source: c.Source, CaseStatus: c.Status})
	}
	return out, nil
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

// FindCodeByToken returns the case number behind a token: the case id from
// open311_requests, its number from [Cases].
func (db *DB) FindCodeByToken(ctx context.Context, token string) (string, error) {
	cases, err := db.caseReader()
	if err != nil {
		return "", err
	}
	var id string
	err = db.r.QueryRowContext(ctx, `SELECT case_id FROM open311_requests WHERE token = $1`, token).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errs.NotFound("token %s does not exist", token)
	}
	if err != nil {
		return "", fmt.Errorf("find token: %w", db.norm(err))
	}
	code, err := cases.CaseCode(ctx, id)
	if errs.Is(err, errs.KindNotFound) {
		return "", errs.NotFound("token %s does not exist", token)
	}
	if err != nil {
		return "", fmt.Errorf("find token: %w", err)
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
