package app

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestSecurity_PersonalDataUnreadableInDatabaseFile reports a case with a
// phone number and a name and checks that neither appears in the raw
// database files, that the API masks them for posts that do not need them,
// and that every unmasked read is audited.
func TestSecurity_PersonalDataUnreadableInDatabaseFile(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	const phone, name = "13812345678", "张小明"
	var c caseOut
	if st := login(t, base, "").do("POST", "/api/v1/cases", map[string]any{"description": "路灯不亮", "lng": 118.71, "lat": 32.01,
		"reporter_phone": phone, "reporter_name": name}, &c); st != 201 {
		t.Fatalf("report: %d", st)
	}
	var seen map[string]any
	login(t, base, "dispatcher").do("GET", "/api/v1/cases/"+c.ID, nil, &seen)
	if seen["reporter_phone"] != "138****5678" {
		t.Fatalf("dispatcher sees phone %v", seen["reporter_phone"])
	}
	login(t, base, "operator").do("GET", "/api/v1/cases/"+c.ID, nil, &seen)
	if seen["reporter_phone"] != phone || seen["reporter_name"] != name {
		t.Fatalf("operator sees %v %v", seen["reporter_phone"], seen["reporter_name"])
	}
	var audit struct {
		Items []struct{ Action, Detail string }
	}
	if st := login(t, base, "auditor").do("GET", "/api/v1/audit?action=pii.read", nil, &audit); st != 200 || len(audit.Items) != 1 || !strings.Contains(audit.Items[0].Detail, c.ID) {
		t.Fatalf("pii read not audited: %d %+v", st, audit.Items)
	}
	a.Close() // checkpoints the WAL into the main file
	assertNotInDBFiles(t, a.Cfg.DataDir, phone, name)
}

// TestSecurity_FirstAdminMustChangePassword: a first start without the demo
// makes an administrator with a one-time password that opens nothing but
// the password change.
func TestSecurity_FirstAdminMustChangePassword(t *testing.T) {
	a := testApp(t, "")
	ctx := context.Background()
	if a.FirstPassword == "" {
		t.Fatal("no one-time password")
	}
	// testApp took admin over with the password "demo"; put the one-time state back.
	acc, err := a.Store.FindAccountByUsername(ctx, "admin")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SetPassword(ctx, acc.ID, acc.PasswordHash, true); err != nil {
		t.Fatal(err)
	}
	base := serve(t, a)
	adm := login(t, base, "admin")
	var p map[string]any
	if st := adm.do("GET", "/api/v1/cases", nil, &p); st != 403 || !strings.Contains(fmt.Sprint(p["detail"]), "change your one-time password") {
		t.Fatalf("must-change not enforced: %d %v", st, p)
	}
	if st := adm.do("POST", "/api/v1/auth/password", map[string]string{"old_password": "demo", "new_password": "short"}, &p); st != 400 {
		t.Fatalf("weak password accepted: %d", st)
	}
	if st := adm.do("POST", "/api/v1/auth/password", map[string]string{"old_password": "demo", "new_password": "Cityloop-2026-strong"}, nil); st != 204 {
		t.Fatalf("change: %d", st)
	}
	if st := adm.do("GET", "/api/v1/cases", nil, &p); st != 200 {
		t.Fatalf("after change: %d", st)
	}
}

// TestSecurity_RetentionPurgeKeepsStatistics erases contact details of
// cases that left the loop before the cutoff and leaves open cases and every
// other column alone.
func TestSecurity_RetentionPurgeKeepsStatistics(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	op := login(t, base, "operator")
	var done, open caseOut
	op.do("POST", "/api/v1/cases", map[string]any{"description": "垃圾", "lng": 118.71, "lat": 32.01, "reporter_phone": "13700000000"}, &done)
	op.do("POST", "/api/v1/cases", map[string]any{"description": "垃圾", "lng": 118.72, "lat": 32.01, "reporter_phone": "13700000001"}, &open)
	act(t, op, done.ID, map[string]any{"action": "reject", "note": "不属于城管范围"}, 200)
	ctx := context.Background()
	n, err := a.Store.PurgeContacts(ctx, a.Now().Add(time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("purged %d, %v", n, err)
	}
	got, _ := a.Store.FindCaseByID(ctx, done.ID)
	if got.Phone != "" || got.Status != "rejected" || got.Description != "垃圾" {
		t.Fatalf("purged case: %+v", got)
	}
	if still, _ := a.Store.FindCaseByID(ctx, open.ID); still.Phone != "13700000001" {
		t.Fatalf("open case lost its phone: %q", still.Phone)
	}
}
