package sqlstore

import (
	"cityloop/internal/refdata"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/store/sqlkit"
)

// DictEdit is one change an administrator made to the category dictionary
// (a sub-class, department or routing rule put or deleted). Edits are never
// changed or removed: the app replays them in Seq order over the built-in
// dictionary at start.
type DictEdit = refdata.Edit

// AppendDictEdit records one dictionary edit; body is JSON.
func (db *DB) AppendDictEdit(ctx context.Context, kind, key string, body []byte, actor string, at time.Time) error {
	if !json.Valid(body) {
		return errs.Invalid("dictionary edit %s %s: the body is not valid JSON", kind, key)
	}
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, `INSERT INTO dictionary_edits (kind, key, body, actor, at) VALUES ($1, $2, $3, $4, $5)`,
			kind, key, string(body), actor, sqlkit.Micros(at))
		return err
	})
	if err != nil {
		return fmt.Errorf("record dictionary edit %s %s: %w", kind, key, db.norm(err))
	}
	return nil
}

// DictEdits returns every dictionary edit in the order it was made.
func (db *DB) DictEdits(ctx context.Context) ([]DictEdit, error) {
	rows, err := db.query(ctx, `SELECT seq, kind, key, body, actor, at FROM dictionary_edits ORDER BY seq`)
	if err != nil {
		return nil, fmt.Errorf("read dictionary edits: %w", db.norm(err))
	}
	defer rows.Close()
	list := []DictEdit{}
	for rows.Next() {
		var (
			e    DictEdit
			body string
			at   int64
		)
		if err := rows.Scan(&e.Seq, &e.Kind, &e.Key, &body, &e.Actor, &at); err != nil {
			return nil, fmt.Errorf("read dictionary edits: %w", db.norm(err))
		}
		e.Body, e.At = []byte(body), sqlkit.Time(at)
		list = append(list, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read dictionary edits: %w", db.norm(err))
	}
	return list, nil
}
