package storetest

import (
	"context"
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// square is a closed ring of side d degrees with its south-west corner at
// (lng, lat).
func square(lng, lat, d float64) geo.MultiPolygon {
	return geo.MultiPolygon{{{
		{Lng: lng, Lat: lat}, {Lng: lng + d, Lat: lat}, {Lng: lng + d, Lat: lat + d}, {Lng: lng, Lat: lat + d}, {Lng: lng, Lat: lat},
	}}}
}

func region(code, name string, level org.Level, parent string, shape geo.MultiPolygon, version int, from time.Time) org.Region {
	return org.Region{ID: newID("region"), Code: code, Name: name, Level: level, Parent: parent, Shape: shape,
		Bounds: shape.Bounds(), AreaM2: shape.AreaM2(), ValidFrom: from, Version: version}
}

func testRegions(t *testing.T, s Store) {
	ctx := context.Background()
	t1 := t0.Add(24 * time.Hour)
	city := region("3301", "杭州市", org.LevelCity, "", square(120, 30, 1), 1, t0)
	district := region("330102", "上城区", org.LevelDistrict, "3301", square(120.1, 30.1, 0.2), 1, t0)
	street := region("330102001", "清波街道", org.LevelStreet, "330102", square(120.15, 30.15, 0.05), 1, time.Time{}) // takes the import time
	if err := s.ApplyImport(ctx, org.ImportPlan{Insert: []org.Region{city, district, street}, Added: 3}, t0); err != nil {
		t.Fatal(err)
	}
	street.ValidFrom = t0
	cur, err := s.CurrentRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]org.Region{city, district, street}, cur); d != "" {
		t.Fatalf("CurrentRegions after the first import (-imported +found):\n%s", d)
	}

	// A second import redraws the street: v1 closes at t1, v2 starts.
	street2 := region("330102001", "清波街道（新）", org.LevelStreet, "330102", square(120.15, 30.15, 0.06), 2, t1)
	if err := s.ApplyImport(ctx, org.ImportPlan{Insert: []org.Region{street2}, Supersede: []string{street.ID}, Changed: 1}, t1); err != nil {
		t.Fatal(err)
	}
	cur, err = s.CurrentRegions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]org.Region{city, district, street2}, cur); d != "" {
		t.Errorf("CurrentRegions after the second import (-want +found):\n%s", d)
	}
	closed := street
	closed.ValidTo = &t1
	hist, err := s.RegionHistory(ctx, "330102001")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]org.Region{closed, street2}, hist); d != "" {
		t.Errorf("RegionHistory (-want +found):\n%s", d)
	}
	if !hist[0].Current(t0) || hist[0].Current(t1) || !hist[1].Current(t1) {
		t.Errorf("Current: v1 at t0 %v, v1 at t1 %v, v2 at t1 %v; want true, false, true",
			hist[0].Current(t0), hist[0].Current(t1), hist[1].Current(t1))
	}

	// A plan checked against the old tree conflicts and writes nothing.
	grid := region("330102001001", "网格一", org.LevelGrid, "330102001", square(120.16, 30.16, 0.001), 1, t1)
	street3 := region("330102001", "清波街道（又）", org.LevelStreet, "330102", square(120.15, 30.15, 0.07), 2, t1)
	err = s.ApplyImport(ctx, org.ImportPlan{Insert: []org.Region{grid, street3}, Supersede: []string{street.ID}}, t1)
	wantKind(t, "ApplyImport(stale supersede)", err, errs.KindConflict)
	err = s.ApplyImport(ctx, org.ImportPlan{Insert: []org.Region{grid, street3}}, t1)
	wantKind(t, "ApplyImport(version taken)", err, errs.KindConflict)
	if h, err := s.RegionHistory(ctx, grid.Code); err != nil || len(h) != 0 {
		t.Errorf("the grid of a failed import was stored: %v, %v", h, err)
	}
	if h, err := s.RegionHistory(ctx, "nowhere"); err != nil || len(h) != 0 {
		t.Errorf("RegionHistory(unknown) = %v, %v; want empty", h, err)
	}
}

func testAccounts(t *testing.T, s Store) {
	ctx := context.Background()
	wang := &org.Account{ID: newID("acc"), Username: "wang", Name: "王五", PasswordHash: "hash-1",
		Grants:     []org.Grant{{Post: org.PostSupervisor, Region: "330102"}, {Post: org.PostHandler, Department: "dept-water"}},
		MustChange: true, CreatedAt: t0}
	li := &org.Account{ID: newID("acc"), Username: "li", Name: "李四", Disabled: true, CreatedAt: t0.Add(time.Minute)}
	for _, a := range []*org.Account{wang, li} {
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	taken := &org.Account{ID: newID("acc"), Username: "wang", CreatedAt: t0}
	err := s.CreateAccount(ctx, taken)
	wantKind(t, "CreateAccount(taken username)", err, errs.KindConflict)
	if e, _ := errs.As(err); e == nil || !strings.Contains(e.Message, "username wang is taken") {
		t.Errorf("CreateAccount(taken username) says %v; want it to name the username", err)
	}

	got, err := s.FindAccountByID(ctx, wang.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(wang, got); d != "" {
		t.Errorf("FindAccountByID (-stored +found):\n%s", d)
	}
	got, err = s.FindAccountByUsername(ctx, "li")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(li, got, emptyEqual); d != "" {
		t.Errorf("FindAccountByUsername (-stored +found):\n%s", d)
	}
	all, err := s.FindAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]*org.Account{li, wang}, all, emptyEqual); d != "" {
		t.Errorf("FindAccounts (-want +found):\n%s", d)
	}

	if err := s.SetPassword(ctx, wang.ID, "hash-2", false); err != nil {
		t.Fatal(err)
	}
	login := t0.Add(time.Hour)
	if err := s.TouchLogin(ctx, wang.ID, login); err != nil {
		t.Fatal(err)
	}
	got, err = s.FindAccountByID(ctx, wang.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PasswordHash != "hash-2" || got.MustChange || got.LastLoginAt == nil || !got.LastLoginAt.Equal(login) {
		t.Errorf("after SetPassword and TouchLogin: hash %q must change %v last login %v", got.PasswordHash, got.MustChange, got.LastLoginAt)
	}

	for name, err := range map[string]error{
		"FindAccountByID":       second(s.FindAccountByID(ctx, "nobody")),
		"FindAccountByUsername": second(s.FindAccountByUsername(ctx, "nobody")),
		"SetPassword":           s.SetPassword(ctx, "nobody", "h", false),
		"TouchLogin":            s.TouchLogin(ctx, "nobody", t0),
	} {
		wantKind(t, name+"(missing)", err, errs.KindNotFound)
	}
}

func second[T any](_ T, err error) error { return err }

func testTokens(t *testing.T, s Store) {
	ctx := context.Background()
	a := &org.Account{ID: newID("acc"), Username: "zhao", Name: "赵六", Grants: []org.Grant{{Post: org.PostOperator}}, CreatedAt: t0}
	if err := s.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256([]byte("secret-token"))
	tok := org.Token{Hash: h[:], AccountID: a.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	if err := s.CreateToken(ctx, tok); err != nil {
		t.Fatal(err)
	}
	gotTok, gotAcc, err := s.FindToken(ctx, h[:], t0.Add(59*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(&tok, gotTok); d != "" {
		t.Errorf("FindToken token (-stored +found):\n%s", d)
	}
	if d := cmp.Diff(a, gotAcc); d != "" {
		t.Errorf("FindToken account (-stored +found):\n%s", d)
	}

	other := sha256.Sum256([]byte("other"))
	for _, tc := range []struct {
		name string
		hash []byte
		now  time.Time
	}{
		{"at expiry", h[:], t0.Add(time.Hour)},
		{"after expiry", h[:], t0.Add(2 * time.Hour)},
		{"unknown", other[:], t0},
	} {
		_, _, err := s.FindToken(ctx, tc.hash, tc.now)
		wantKind(t, "FindToken("+tc.name+")", err, errs.KindNotFound)
	}

	err = s.CreateToken(ctx, org.Token{Hash: other[:], AccountID: "nobody", CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)})
	wantKind(t, "CreateToken(unknown account)", err, errs.KindConflict)
	err = s.CreateToken(ctx, tok)
	wantKind(t, "CreateToken(same hash)", err, errs.KindConflict)

	if err := s.DeleteToken(ctx, h[:]); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.FindToken(ctx, h[:], t0)
	wantKind(t, "FindToken(deleted)", err, errs.KindNotFound)
	if err := s.DeleteToken(ctx, h[:]); err != nil {
		t.Errorf("DeleteToken twice: %v", err)
	}

	// DeleteTokensOf: a password change keeps the caller's own token and
	// removes the account's others, never another account's.
	qian := &org.Account{ID: newID("acc"), Username: "qian", Name: "钱七", Grants: []org.Grant{{Post: org.PostOperator}}, CreatedAt: t0}
	if err := s.CreateAccount(ctx, qian); err != nil {
		t.Fatal(err)
	}
	mk := func(name, owner string) []byte {
		t.Helper()
		sum := sha256.Sum256([]byte(name))
		if err := s.CreateToken(ctx, org.Token{Hash: sum[:], AccountID: owner, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		return sum[:]
	}
	keep, api2, session, theirs := mk("zhao-keep", a.ID), mk("zhao-api", a.ID), mk("zhao-session", a.ID), mk("qian-1", qian.ID)
	n, err := s.DeleteTokensOf(ctx, a.ID, keep)
	if err != nil || n != 2 {
		t.Fatalf("DeleteTokensOf(zhao, except one) = %d, %v; want 2, nil", n, err)
	}
	for name, hash := range map[string][]byte{"the kept token": keep, "another account's token": theirs} {
		if _, _, err := s.FindToken(ctx, hash, t0); err != nil {
			t.Errorf("after DeleteTokensOf, %s: %v", name, err)
		}
	}
	for name, hash := range map[string][]byte{"the second API token": api2, "the web session": session} {
		_, _, err := s.FindToken(ctx, hash, t0)
		wantKind(t, "FindToken("+name+" after DeleteTokensOf)", err, errs.KindNotFound)
	}
	if n, err := s.DeleteTokensOf(ctx, a.ID, nil); err != nil || n != 1 {
		t.Errorf("DeleteTokensOf(zhao, nil) = %d, %v; want 1 (the kept token), nil", n, err)
	}
	if _, _, err := s.FindToken(ctx, theirs, t0); err != nil {
		t.Errorf("DeleteTokensOf(zhao, nil) touched qian's token: %v", err)
	}
	if n, err := s.DeleteTokensOf(ctx, "nobody", nil); err != nil || n != 0 {
		t.Errorf("DeleteTokensOf(unknown account) = %d, %v; want 0, nil", n, err)
	}
}
