package web

import (
	"net/http/httptest"
	"testing"
)

// TestSafeNext: a post-sign-in redirect is a same-site path under /console,
// /field or /citizen; anything a browser could read as another host, or
// that hides characters browsers drop, falls back to /console.
func TestSafeNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/console", "/console"},
		{"/console/cases/abc?tab=timeline", "/console/cases/abc?tab=timeline"},
		{"/field", "/field"},
		{"/field/tasks", "/field/tasks"},
		{"/citizen/track?code=A1", "/citizen/track?code=A1"},
		{"/console/../console/map", "/console/map"},
		{"/console/%2e%2e/admin", "/console"}, // ..%2f tricks clean to /admin: refused
		{"", "/console"},
		{"/", "/console"},
		{"/signin", "/console"},
		{"/consolex", "/console"},
		{"/api/v1/me", "/console"},
		{"/console/../../evil", "/console"},
		{"//evil.example/console", "/console"},
		{"/%09/evil.example/console", "/console"}, // Chromium drops the tab: //evil.example
		{"/\t/evil.example/console", "/console"},
		{"/%0a/evil.example", "/console"},
		{"/%0d%0a/evil.example", "/console"},
		{"/\\evil.example", "/console"},
		{"/%5cevil.example", "/console"},
		{"/console/%5c%5cevil.example", "/console"},
		{"/console/%2509/x", "/console"}, // encoded twice
		{"/console\u200b/x", "/console"}, // zero-width space
		{"/console/%e2%80%8b", "/console"},
		{"https://evil.example/console", "/console"},
		{"javascript:alert(1)", "/console"},
		{"//user@evil.example", "/console"},
		{"console", "/console"},
		{"/console?next=%09x", "/console"},
		{"/console/%zz", "/console"},
	} {
		if got := safeNext(tc.in); got != tc.want {
			t.Errorf("safeNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestMustChangeAllows: a session with a one-time password reaches only the
// password page, sign-in and sign-out.
func TestMustChangeAllows(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         bool
	}{
		{"GET", passwordPath, true},
		{"POST", passwordPath, true},
		{"POST", "/signout", true},
		{"GET", "/signin", true},
		{"GET", "/signout", false},
		{"GET", "/console", false},
		{"GET", "/console/password/x", false},
		{"POST", "/console/cases/x/act", false},
		{"GET", "/web/map/cases", false},
		{"GET", "/field/tasks", false},
		{"DELETE", passwordPath, false},
	} {
		if got := mustChangeAllows(httptest.NewRequest(tc.method, tc.path, nil)); got != tc.want {
			t.Errorf("%s %s allowed = %v, want %v", tc.method, tc.path, got, tc.want)
		}
	}
}
