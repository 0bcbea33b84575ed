package outboxstore

// SQLite has one writer connection: the claim's UPDATE runs alone, so its
// subquery needs no row locks.
const claimLockSQLite = ""
