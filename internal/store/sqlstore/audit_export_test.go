package sqlstore

import "context"

// ExecRaw runs a statement on the write pool, bypassing the store: the
// audit suite uses it to tamper with rows as someone with database access
// would.
func (db *DB) ExecRaw(ctx context.Context, query string, args ...any) error {
	_, err := db.w.ExecContext(ctx, query, args...)
	return err
}
