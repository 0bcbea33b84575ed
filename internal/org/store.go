package org

import (
	"context"
	"time"
)

// RegionStore keeps every version of every region.
type RegionStore interface {
	// CurrentRegions returns the versions in force (ValidTo is nil).
	CurrentRegions(ctx context.Context) ([]Region, error)
	// ApplyImport closes the superseded versions at `at` and inserts the new
	// ones, in one transaction.
	ApplyImport(ctx context.Context, plan ImportPlan, at time.Time) error
	// RegionHistory returns all versions of one code, oldest first.
	RegionHistory(ctx context.Context, code string) ([]Region, error)
}

// Token is a bearer token; only its SHA-256 hash is stored.
type Token struct {
	Hash      []byte    `json:"-"`
	AccountID string    `json:"account_id"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// AccountStore keeps accounts and their bearer tokens.
type AccountStore interface {
	CreateAccount(ctx context.Context, a *Account) error // Conflict when the username is taken
	FindAccountByID(ctx context.Context, id string) (*Account, error)
	FindAccountByUsername(ctx context.Context, username string) (*Account, error)
	FindAccounts(ctx context.Context) ([]*Account, error)
	SetPassword(ctx context.Context, id, hash string, mustChange bool) error
	TouchLogin(ctx context.Context, id string, at time.Time) error
	CreateToken(ctx context.Context, t Token) error
	// FindToken returns the token and its account; NotFound when missing or expired at now.
	FindToken(ctx context.Context, hash []byte, now time.Time) (*Token, *Account, error)
	DeleteToken(ctx context.Context, hash []byte) error
	// DeleteTokensOf removes every token (API tokens and web sessions) of
	// an account except the one whose hash is except (nil keeps none), and
	// returns how many it removed. A password change calls it so that a
	// stolen token or session dies with the old password.
	DeleteTokensOf(ctx context.Context, accountID string, except []byte) (int, error)
}
