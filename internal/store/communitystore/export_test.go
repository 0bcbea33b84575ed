package communitystore

import "database/sql"

// RawRow runs a query on the read pool, for tests that look at what is
// stored.
func RawRow(db *DB, q string, args ...any) *sql.Row { return db.r.QueryRow(q, args...) }

// RawQuery runs a query on the read pool, for the benchmark's floor.
func RawQuery(db *DB, q string, args ...any) (*sql.Rows, error) { return db.r.Query(q, args...) }
