package outboxstore

// On PostgreSQL the claim's subquery locks the rows it picks and skips
// those another node's claim is locking, so concurrent claims take
// different messages without waiting; the outer WHERE re-checks each row
// as it is after any update that committed meanwhile.
const claimLockPostgres = " FOR UPDATE SKIP LOCKED"
