package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/store/sqlkit"
)

var _ org.AccountStore = (*DB)(nil)

var accountCols = []string{
	"id", "username", "name", "password_hash", "grants", "disabled", "must_change", "created_at", "last_login_at",
}

var accountSelect = "SELECT " + prefixed("a.", accountCols) + " FROM accounts a"

func prefixed(p string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = p + c
	}
	return strings.Join(out, ", ")
}

func scanAccount(s scanner, extra ...any) (*org.Account, error) {
	var (
		a         org.Account
		grants    string
		created   int64
		lastLogin sql.Null[int64]
	)
	dest := append([]any{&a.ID, &a.Username, &a.Name, &a.PasswordHash, &grants, &a.Disabled, &a.MustChange, &created, &lastLogin}, extra...)
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(grants), &a.Grants); err != nil {
		return nil, fmt.Errorf("account %s: decode grants: %w", a.ID, err)
	}
	a.CreatedAt, a.LastLoginAt = sqlkit.Time(created), sqlkit.NullTime(lastLogin)
	return &a, nil
}

// CreateAccount stores a new account; a taken username is a Conflict.
func (db *DB) CreateAccount(ctx context.Context, a *org.Account) error {
	grants := a.Grants
	if grants == nil {
		grants = []org.Grant{}
	}
	gj, err := json.Marshal(grants)
	if err != nil {
		return fmt.Errorf("create account %s: encode grants: %w", a.Username, err)
	}
	// ON CONFLICT (username) tells a taken username from any other failure
	// without parsing the driver's message.
	var res sql.Result
	err = db.writeTx(ctx, func(tx *sql.Tx) error {
		var err error
		res, err = db.txExec(ctx, tx, `INSERT INTO accounts (`+strings.Join(accountCols, ", ")+`) VALUES `+sqlkit.Placeholders(1, len(accountCols), 1)+`
ON CONFLICT (username) DO NOTHING`,
			a.ID, a.Username, a.Name, a.PasswordHash, string(gj), a.Disabled, a.MustChange, sqlkit.Micros(a.CreatedAt), sqlkit.MicrosOrNull(a.LastLoginAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create account %s: %w", a.Username, db.norm(err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("create account %s: %w", a.Username, err)
	} else if n == 0 {
		return errs.Conflict("username %s is taken", a.Username).WithField("username", "is taken")
	}
	return nil
}

// FindAccountByID returns an account, or NotFound.
func (db *DB) FindAccountByID(ctx context.Context, id string) (*org.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, accountSelect+" WHERE a.id = $1", id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("account %s does not exist", id)
	}
	if err != nil {
		return nil, fmt.Errorf("find account %s: %w", id, db.norm(err))
	}
	return a, nil
}

// FindAccountByUsername returns an account, or NotFound.
func (db *DB) FindAccountByUsername(ctx context.Context, username string) (*org.Account, error) {
	a, err := scanAccount(db.queryRow(ctx, accountSelect+" WHERE a.username = $1", username))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("there is no account %s", username)
	}
	if err != nil {
		return nil, fmt.Errorf("find account %s: %w", username, db.norm(err))
	}
	return a, nil
}

// FindAccounts returns every account by username.
func (db *DB) FindAccounts(ctx context.Context) ([]*org.Account, error) {
	rows, err := db.query(ctx, accountSelect+" ORDER BY a.username")
	if err != nil {
		return nil, fmt.Errorf("find accounts: %w", db.norm(err))
	}
	defer rows.Close()
	list := []*org.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("find accounts: %w", db.norm(err))
		}
		list = append(list, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("find accounts: %w", db.norm(err))
	}
	return list, nil
}

// updateAccount runs an UPDATE of one account by id ($1); NotFound when
// there is no such account.
func (db *DB) updateAccount(ctx context.Context, what, id, q string, args ...any) error {
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, q, append([]any{id}, args...)...)
		if err != nil {
			return db.norm(err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return errs.NotFound("account %s does not exist", id)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("%s of account %s: %w", what, id, err)
	}
	return nil
}

// SetPassword replaces the password hash and the must-change flag.
func (db *DB) SetPassword(ctx context.Context, id, hash string, mustChange bool) error {
	return db.updateAccount(ctx, "set password", id, `UPDATE accounts SET password_hash = $2, must_change = $3 WHERE id = $1`, hash, mustChange)
}

// TouchLogin records a successful sign-in.
func (db *DB) TouchLogin(ctx context.Context, id string, at time.Time) error {
	return db.updateAccount(ctx, "record login", id, `UPDATE accounts SET last_login_at = $2 WHERE id = $1`, sqlkit.Micros(at))
}

// CreateToken stores a bearer token by its hash.
func (db *DB) CreateToken(ctx context.Context, t org.Token) error {
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, `INSERT INTO tokens (hash, account_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
			t.Hash, t.AccountID, sqlkit.Micros(t.CreatedAt), sqlkit.Micros(t.ExpiresAt))
		return err
	})
	if err != nil {
		return fmt.Errorf("create token for account %s: %w", t.AccountID, db.norm(err))
	}
	return nil
}

// FindToken returns the token and its account; NotFound when it is missing
// or expired at now.
func (db *DB) FindToken(ctx context.Context, hash []byte, now time.Time) (*org.Token, *org.Account, error) {
	var (
		t                org.Token
		created, expires int64
	)
	q := "SELECT " + prefixed("a.", accountCols) + `, t.account_id, t.created_at, t.expires_at
FROM tokens t JOIN accounts a ON a.id = t.account_id
WHERE t.hash = $1 AND t.expires_at > $2`
	a, err := scanAccount(db.queryRow(ctx, q, hash, sqlkit.Micros(now)), &t.AccountID, &created, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, errs.NotFound("the token is unknown or has expired")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("find token: %w", db.norm(err))
	}
	t.Hash = append([]byte(nil), hash...)
	t.CreatedAt, t.ExpiresAt = sqlkit.Time(created), sqlkit.Time(expires)
	return &t, a, nil
}

// DeleteToken removes a token; deleting a missing token is not an error.
func (db *DB) DeleteToken(ctx context.Context, hash []byte) error {
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		_, err := db.txExec(ctx, tx, `DELETE FROM tokens WHERE hash = $1`, hash)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete token: %w", db.norm(err))
	}
	return nil
}

// DeleteTokensOf removes an account's tokens and web sessions except the
// one with hash except (nil: all of them) and returns how many went.
func (db *DB) DeleteTokensOf(ctx context.Context, accountID string, except []byte) (int, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		// Two statements rather than "hash <> $2" with a NULL, which
		// matches nothing in SQL.
		var (
			res sql.Result
			err error
		)
		if except == nil {
			res, err = db.txExec(ctx, tx, `DELETE FROM tokens WHERE account_id = $1`, accountID)
		} else {
			res, err = db.txExec(ctx, tx, `DELETE FROM tokens WHERE account_id = $1 AND hash <> $2`, accountID, except)
		}
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete tokens of account %s: %w", accountID, db.norm(err))
	}
	return int(n), nil
}

// DeleteExpiredTokens removes tokens that expired before now and returns
// how many; a periodic job calls it.
func (db *DB) DeleteExpiredTokens(ctx context.Context, now time.Time) (int, error) {
	var n int64
	err := db.writeTx(ctx, func(tx *sql.Tx) error {
		res, err := db.txExec(ctx, tx, `DELETE FROM tokens WHERE expires_at <= $1`, sqlkit.Micros(now))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", db.norm(err))
	}
	return int(n), nil
}
