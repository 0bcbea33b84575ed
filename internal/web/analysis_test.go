package web

import (
	"net/http"
	"testing"

	"cityloop/internal/errs"
)

func TestProblemError_KeepsTheKindAndMessage(t *testing.T) {
	body := []byte(`{"title":"Bad Request","detail":"日期范围无效 / the date range is not valid","errors":[{"field":"to","message":"to is before from"}]}`)
	for _, tc := range []struct {
		status int
		kind   errs.Kind
	}{
		{http.StatusBadRequest, errs.KindInvalid}, {http.StatusForbidden, errs.KindForbidden},
		{http.StatusNotFound, errs.KindNotFound}, {http.StatusUnauthorized, errs.KindUnauthenticated},
	} {
		err := problemError(tc.status, body)
		if !errs.Is(err, tc.kind) {
			t.Errorf("%d: %v is not %v", tc.status, err, tc.kind)
		}
		if e, _ := errs.As(err); e == nil || e.Message != "日期范围无效 / the date range is not valid；to: to is before from" {
			t.Errorf("%d: message %v", tc.status, err)
		}
	}
	if err := problemError(http.StatusInternalServerError, body); errs.KindOf(err) != errs.KindInternal {
		t.Errorf("a 500 became %v", errs.KindOf(err))
	}
}

func TestFmtChange(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	for _, tc := range []struct {
		change          *float64
		direction, text string
		class           string
	}{
		{nil, "higher", "—", ""},
		{f(0.052), "higher", "↑ +5.2 %", "chg-better"},
		{f(0.052), "lower", "↑ +5.2 %", "chg-worse"},
		{f(-0.25), "lower", "↓ -25.0 %", "chg-better"},
		{f(-0.25), "higher", "↓ -25.0 %", "chg-worse"},
		{f(0.0001), "higher", "→ 0 %", ""},
	} {
		text, class := fmtChange(tc.change, tc.direction)
		if text != tc.text || class != tc.class {
			t.Errorf("fmtChange(%v, %s) = %q %q, want %q %q", tc.change, tc.direction, text, class, tc.text, tc.class)
		}
	}
}

func TestConsoleCases(t *testing.T) {
	u := "/api/v1/cases?from=2026-01-01&is=due_to_close%2Cclosed&region=320101&to=2026-02-01"
	if got := consoleCases(&u); got != "/console/cases?from=2026-01-01&is=due_to_close%2Cclosed&region=320101&to=2026-02-01" {
		t.Errorf("consoleCases = %q", got)
	}
	if consoleCases(nil) != "" {
		t.Error("no list became a link")
	}
}
