package communitystore

import "database/sql"

// RawRow runs a query on the read pool, for tests that look at what is
// stored.
func RawRow(db *DB, q string, args ...any) *sql.Row { return db.r.QueryRow(q, args...) }
