// Package sqlkit is what CityLoop's SQL stores (sqlstore, hubstore,
// sensingstore, jobstore) share, so each exists once: the opener of their
// connection pools on one database ([Open]: the DSN forms, the measured
// SQLite pragmas, one SQLite writer connection beside a read pool, or one
// PostgreSQL pool, sized per store by [Options]), the column codecs
// (codec.go), the write transaction with retries ([Tx]), the migration
// runner ([Migrate]) and the mapping of driver errors to errs kinds by code
// ([Norm], with [Retryable] as the retry predicate for [Tx]).
//
// It imports errs, the drivers and goose; no domain package.
//
// It imports only errs; the stores build on it, never the reverse.
package sqlkit
