package app

import (
	"context"
	"net/http"

	"cityloop/internal/api"
	"cityloop/internal/auth"
	"cityloop/internal/store/sqlstore"
	"cityloop/internal/web"
)

// rateCaller tells the anonymous write limit who a request comes from
// (httpkit.Caller). Only a credential that verifies counts: an API token or
// client key exempts the request (the API limits those itself); a web
// session counts under its account, so a team behind one NAT address does
// not share one allowance. A header or cookie that does not verify is
// anonymous and counted per address.
func (a *App) rateCaller(srv *api.Server) func(r *http.Request) (string, bool) {
	return func(r *http.Request) (string, bool) {
		if r.Header.Get("Authorization") != "" {
			return "", srv.CredentialVerifies(r)
		}
		if tok := web.SessionToken(r); tok != "" {
			if _, acc, err := a.Store.FindToken(r.Context(), auth.HashToken(tok), a.Now()); err == nil && !acc.Disabled {
				return "account:" + acc.ID, false
			}
		}
		return "", false
	}
}

// webAccounts is the account store as the web console gets it: when the
// console revokes an account's tokens (a password change), this node's API
// token cache forgets them at once rather than within its TTL.
type webAccounts struct {
	*sqlstore.DB
	api *api.Server
}

func (w webAccounts) DeleteTokensOf(ctx context.Context, accountID string, except []byte) (int, error) {
	n, err := w.DB.DeleteTokensOf(ctx, accountID, except)
	w.api.ForgetTokens()
	return n, err
}

// SetPassword forgets the cached token checks too: a cached copy of the
// account would still say it must change its password.
func (w webAccounts) SetPassword(ctx context.Context, id, hash string, mustChange bool) error {
	err := w.DB.SetPassword(ctx, id, hash, mustChange)
	w.api.ForgetTokens()
	return err
}
