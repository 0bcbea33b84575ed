// Package sensingstore keeps the sensing tables (devices, readings and their
// aggregates, rule states, cameras, AI tracks, zones, parking and waste) on
// SQLite or PostgreSQL. It opens its own pools on the same database as
// sqlstore and migrates with its own goose version table
// (sensing_goose_db_version), so the two schemas evolve independently.
//
// It imports sensing and sqlkit only; it never reads another store's tables and never imports api,
// web or ingest.
package sensingstore
