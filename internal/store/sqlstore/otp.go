package sqlstore

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// One-time codes (table one_time_codes) prove a phone on the citizens'
// "My reports" page. They are kept here rather than in a node's memory so
// that a code issued by one node can be checked by any other. The store
// sees only opaque keys and hashes: the caller derives both with a secret
// (see web.OneTimeCodes), so neither the phone nor the code is stored.

// PutOneTimeCode stores the code hash for key until expires, with no tries
// yet, replacing any code the key had. It first deletes every code expired
// at now, so the table holds only live codes and those not yet swept.
func (db *DB) PutOneTimeCode(ctx context.Context, key string, hash []byte, now, expires time.Time) error {
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		if _, err := db.txExec(ctx, tx, `DELETE FROM one_time_codes WHERE expires_at <= $1`, micros(now)); err != nil {
			return err
		}
		_, err := db.txExec(ctx, tx, `INSERT INTO one_time_codes (phone_key, code_hash, expires_at, tries) VALUES ($1, $2, $3, 0)
ON CONFLICT (phone_key) DO UPDATE SET code_hash = excluded.code_hash, expires_at = excluded.expires_at, tries = 0`,
			key, hash, micros(expires))
		return err
	})
	if err != nil {
		return fmt.Errorf("put one-time code: %w", db.norm(err))
	}
	return nil
}

// CheckOneTimeCode counts a try against key's code at now and reports
// whether hash matches it. tries is how many times the code has been
// checked, this time included; 0 means key has no live code (never issued,
// expired, already used or out of tries). A match uses the code up, and so
// does the maxTries-th try.
//
// Taking the try is one conditional UPDATE (… WHERE tries < maxTries), and
// the delete that follows a match or the last try is in the same
// transaction, so concurrent checks on any number of nodes take at most
// maxTries tries between them and a code matches at most once: PostgreSQL
// re-evaluates the condition after waiting for the row's lock, and SQLite
// has one writer.
func (db *DB) CheckOneTimeCode(ctx context.Context, key string, hash []byte, now time.Time, maxTries int) (ok bool, tries int, err error) {
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		ok, tries = false, 0
		var want []byte
		err := db.txQueryRow(ctx, tx, `UPDATE one_time_codes SET tries = tries + 1
WHERE phone_key = $1 AND expires_at > $2 AND tries < $3 RETURNING code_hash, tries`,
			key, micros(now), maxTries).Scan(&want, &tries)
		if errors.Is(err, sql.ErrNoRows) {
			// Nothing live: drop an expired or spent row now rather than at
			// the next put, but never a code issued since the UPDATE.
			_, err = db.txExec(ctx, tx, `DELETE FROM one_time_codes WHERE phone_key = $1 AND (expires_at <= $2 OR tries >= $3)`,
				key, micros(now), maxTries)
			return err
		}
		if err != nil {
			return err
		}
		ok = len(want) == len(hash) && subtle.ConstantTimeCompare(want, hash) == 1
		if ok || tries >= maxTries {
			_, err = db.txExec(ctx, tx, `DELETE FROM one_time_codes WHERE phone_key = $1`, key)
		}
		return err
	})
	if err != nil {
		return false, 0, fmt.Errorf("check one-time code: %w", db.norm(err))
	}
	return ok, tries, nil
}

// PurgeOneTimeCodes deletes every code expired at now and returns how many
// went. PutOneTimeCode sweeps them too, but only when someone asks for a
// code; the jobs runner calls this on a schedule (the "otp-expiry" job) so
// that a phone's key does not stay after its code has expired, however
// long the page goes unused.
func (db *DB) PurgeOneTimeCodes(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `DELETE FROM one_time_codes WHERE expires_at <= $1`, micros(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge one-time codes: %w", db.norm(err))
	}
	return int(n), nil
}
