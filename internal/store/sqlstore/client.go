package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlkit"
)

const clientCols = `id, name, key_hash, endpoints, categories, regions, rate_per_min, created_at, rotated_at, revoked_at`

// CreateClient stores a partner system's key (hash only).
func (db *DB) CreateClient(ctx context.Context, c *org.Client) error {
	ep, cats, regs := sqlkit.Strings(c.Endpoints), sqlkit.Strings(c.Categories), sqlkit.Strings(c.Regions)
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, `INSERT INTO api_clients (`+clientCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, NULL)`,
			c.ID, c.Name, c.KeyHash, ep, cats, regs, int64(c.RatePerMin), sqlkit.Micros(c.CreatedAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create API client %s: %w", c.Name, db.norm(err))
	}
	return nil
}

func scanClient(s scanner) (*org.Client, error) {
	var (
		c                org.Client
		ep, cats, regs   string
		rate, created    int64
		rotated, revoked sql.Null[int64]
	)
	if err := s.Scan(&c.ID, &c.Name, &c.KeyHash, &ep, &cats, &regs, &rate, &created, &rotated, &revoked); err != nil {
		return nil, err
	}
	c.RatePerMin, c.CreatedAt = int(rate), sqlkit.Time(created)
	c.RotatedAt, c.RevokedAt = sqlkit.NullTime(rotated), sqlkit.NullTime(revoked)
	for _, f := range []struct {
		raw string
		dst *[]string
	}{{ep, &c.Endpoints}, {cats, &c.Categories}, {regs, &c.Regions}} {
		if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
			return nil, fmt.Errorf("client %s: %w", c.ID, err)
		}
	}
	return &c, nil
}

// FindClientByKey returns the client whose key hashes to hash; a revoked or
// unknown key is NotFound.
func (db *DB) FindClientByKey(ctx context.Context, hash []byte) (*org.Client, error) {
	c, err := scanClient(db.queryRow(ctx, `SELECT `+clientCols+` FROM api_clients WHERE key_hash = $1 AND revoked_at IS NULL`, hash))
	if err != nil {
		return nil, fmt.Errorf("find API client: %w", db.norm(err))
	}
	return c, nil
}

// FindClients lists every client, revoked ones too.
func (db *DB) FindClients(ctx context.Context) ([]*org.Client, error) {
	rows, err := db.query(ctx, `SELECT `+clientCols+` FROM api_clients ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list API clients: %w", db.norm(err))
	}
	defer rows.Close()
	out := []*org.Client{}
	for rows.Next() {
		c, err := scanClient(rows)
		if err != nil {
			return nil, fmt.Errorf("list API clients: %w", db.norm(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RotateClientKey replaces a live client's key; the old key stops working at once.
func (db *DB) RotateClientKey(ctx context.Context, id string, hash []byte, at time.Time) error {
	return db.updateClient(ctx, "rotate", id, `UPDATE api_clients SET key_hash = $2, rotated_at = $3 WHERE id = $1 AND revoked_at IS NULL`, id, hash, sqlkit.Micros(at))
}

// RevokeClient disables a client for good.
func (db *DB) RevokeClient(ctx context.Context, id string, at time.Time) error {
	return db.updateClient(ctx, "revoke", id, `UPDATE api_clients SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL`, id, sqlkit.Micros(at))
}

func (db *DB) updateClient(ctx context.Context, what, id, q string, args ...any) error {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, q, args...)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return fmt.Errorf("%s API client %s: %w", what, id, db.norm(err))
	}
	if n == 0 {
		return errs.NotFound("no live API client %s", id)
	}
	return nil
}
