package inspectstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"cityloop/internal/pii"
)

// OpenReady opens the store on dsn, sets the keyring and migrates: what a
// node and a maintenance command both need.
func OpenReady(ctx context.Context, dsn string, keys *pii.Keyring) (*DB, error) {
	db, err := Open(ctx, dsn)
	if err != nil {
		return nil, err
	}
	db.SetKeyring(keys)
	if err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// sealedColumn is one column the store seals: its table, the columns that
// key a row, and how the AAD is made from those keys.
type sealedColumn struct {
	table, column string
	keys          []string
	aad           func(k []string) string
}

var sealedColumns = []sealedColumn{
	{"inspection_objects", "contact", []string{"plan_id", "id"}, func(k []string) string { return aad(k[0], "object", k[1], "contact") }},
	{"inspection_objects", "phone", []string{"plan_id", "id"}, func(k []string) string { return aad(k[0], "object", k[1], "phone") }},
	{"inspection_inspectors", "phone", []string{"plan_id", "id"}, func(k []string) string { return aad(k[0], "inspector", k[1], "phone") }},
	{"inspection_conflicts", "reason", []string{"plan_id", "inspector_id", "object_id"},
		func(k []string) string { return aad(k[0], "conflict", k[1], k[2], "reason") }},
	{"inspection_commitments", "seed", []string{"plan_id"}, func(k []string) string { return aad(k[0], "seed") }},
}

// ResealPII seals every sealed value again under the keyring's current key,
// and seals values stored in plain before a keyring was set (`cityloop pii
// rotate`). A seed that no key opens stops the rotation with an error: its
// plan could never be drawn. It returns how many values it rewrote.
func (db *DB) ResealPII(ctx context.Context) (int, error) {
	if db.keys == nil {
		return 0, fmt.Errorf("reseal inspections: no keyring configured")
	}
	n := 0
	for _, c := range sealedColumns {
		err := db.tx(ctx, func(tx *sql.Tx) error {
			m, err := db.resealColumn(ctx, tx, c)
			n += m
			return err
		})
		if err != nil {
			return n, fmt.Errorf("reseal %s.%s: %w", c.table, c.column, err)
		}
	}
	return n, nil
}

func (db *DB) resealColumn(ctx context.Context, tx *sql.Tx, c sealedColumn) (int, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+strings.Join(c.keys, ", ")+`, `+c.column+` FROM `+c.table+` WHERE `+c.column+` <> ''`)
	if err != nil {
		return 0, err
	}
	type change struct {
		keys  []string
		value string
	}
	var changes []change
	for rows.Next() {
		k := make([]string, len(c.keys))
		var v string
		dest := make([]any, 0, len(k)+1)
		for i := range k {
			dest = append(dest, &k[i])
		}
		if err := rows.Scan(append(dest, &v)...); err != nil {
			rows.Close()
			return 0, err
		}
		var sealed string
		if strings.HasPrefix(v, sealedPrefix) {
			if !db.keys.NeedsRotation(v) {
				continue
			}
			sealed, err = db.keys.Reseal(v, c.aad(k))
		} else {
			sealed, err = db.keys.Encrypt(v, c.aad(k))
		}
		if err != nil {
			rows.Close()
			return 0, fmt.Errorf("row %v: %w", k, err)
		}
		changes = append(changes, change{k, sealed})
	}
	if err := closeRows(rows); err != nil {
		return 0, err
	}
	where := make([]string, len(c.keys))
	for i, k := range c.keys {
		where[i] = fmt.Sprintf("%s = $%d", k, i+2)
	}
	q := `UPDATE ` + c.table + ` SET ` + c.column + ` = $1 WHERE ` + strings.Join(where, " AND ")
	for _, ch := range changes {
		args := []any{ch.value}
		for _, k := range ch.keys {
			args = append(args, k)
		}
		if _, err := tx.ExecContext(ctx, q, args...); err != nil {
			return 0, err
		}
	}
	return len(changes), nil
}
