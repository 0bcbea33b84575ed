package hubtest

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"cityloop/internal/api"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// API serves srv's routes on a test server where every request is signed
// in as actor (through srv's own bearer check, with an account store that
// knows that one token), and closes it when the test ends.
func API(t testing.TB, srv *api.Server, actor org.Actor) *httptest.Server {
	t.Helper()
	if srv.Now == nil {
		srv.Now = time.Now
	}
	srv.Accounts = oneAccount{acc: org.Account{ID: actor.ID, Username: actor.ID, Name: actor.Name, Grants: actor.Grants}}
	mux := http.NewServeMux()
	srv.Routes(mux)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Header.Set("Authorization", "Bearer hubtest-token")
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(ts.Close)
	return ts
}

// oneAccount is an org.AccountStore that knows one account, behind any
// token; the API's routes under test read no other method.
type oneAccount struct {
	org.AccountStore
	acc org.Account
}

func (o oneAccount) FindToken(ctx context.Context, hash []byte, now time.Time) (*org.Token, *org.Account, error) {
	acc := o.acc
	return &org.Token{AccountID: acc.ID, ExpiresAt: now.Add(time.Hour)}, &acc, nil
}

func (o oneAccount) FindAccountByID(ctx context.Context, id string) (*org.Account, error) {
	if id != o.acc.ID {
		return nil, errs.NotFound("account %s", id)
	}
	acc := o.acc
	return &acc, nil
}
