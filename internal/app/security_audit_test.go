package app

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/audit"
	"cityloop/internal/auditlog"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlstore"
)

// rawDB opens the test app's database behind the platform's back, as
// someone with access to the database server would.
func rawDB(t *testing.T, a *App) *sql.DB {
	t.Helper()
	driver, dsn := "pgx", a.Cfg.DB
	if path, ok := strings.CutPrefix(a.Cfg.DB, "sqlite:"); ok {
		driver, dsn = "sqlite", path
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// auditLogOf is the node's audit log (what the API and the console append to).
func auditLogOf(t *testing.T, a *App) *auditlog.Log {
	t.Helper()
	l, ok := a.api.Auditor.(*auditlog.Log)
	if !ok {
		t.Fatalf("the API's auditor is %T, not the checkpointing audit log", a.api.Auditor)
	}
	return l
}

// appendN appends n audit records through the node's audit log.
func appendN(t *testing.T, a *App, n int) {
	t.Helper()
	l := auditLogOf(t, a)
	for i := 0; i < n; i++ {
		if err := l.Audit(context.Background(), audit.Record{At: a.Now(), Actor: "u-test", Action: "case.dispatch",
			Object: fmt.Sprintf("case/%d", i), Detail: "{}"}); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerifyApp(t *testing.T, a *App) AuditVerification {
	t.Helper()
	v, err := a.VerifyAudit(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestSecurityAudit_TruncationIsDetected promises that deleting the newest
// audit rows directly in SQL is reported by verification, because the
// node's signed checkpoint file still counts them.
func TestSecurityAudit_TruncationIsDetected(t *testing.T) { testTruncationIsDetected(t, "") }

// TestSecurityAudit_TruncationIsDetectedPostgres keeps the same promise on
// PostgreSQL.
func TestSecurityAudit_TruncationIsDetectedPostgres(t *testing.T) {
	url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CITYLOOP_TEST_POSTGRES_URL not set: skipping the PostgreSQL audit test")
	}
	testTruncationIsDetected(t, freshPostgres(t, url))
}

func testTruncationIsDetected(t *testing.T, dsn string) {
	a := testApp(t, dsn)
	appendN(t, a, 12)
	if _, err := auditLogOf(t, a).Checkpoint(context.Background(), true); err != nil {
		t.Fatal(err)
	}
	v := mustVerifyApp(t, a)
	if v.Broken() || v.CheckpointsRead != 1 || v.Checkpoints != 1 {
		t.Fatalf("intact log: %+v", v)
	}
	total := v.Checked
	raw := rawDB(t, a)
	if _, err := raw.Exec(`DELETE FROM audit_log WHERE seq > $1`, total-3); err != nil {
		t.Fatal(err)
	}
	v = mustVerifyApp(t, a)
	if v.Break == nil || v.Break.Seq != total-2 || !strings.Contains(v.Break.Reason, "truncated") {
		t.Fatalf("deleted the newest 3 of %d rows; break = %v, want truncation at %d", total, v.Break, total-2)
	}
}

// TestSecurityAudit_PlainRelinkIsDetected promises that editing a row and
// recomputing every later hash with plain SHA-256 (all an attacker without
// the key can do) fails verification, with or without the key id kept.
func TestSecurityAudit_PlainRelinkIsDetected(t *testing.T) {
	a := testApp(t, "")
	appendN(t, a, 10)
	rs, _, err := a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	// FindAudit is newest first.
	for i, j := 0, len(rs)-1; i < j; i, j = i+1, j-1 {
		rs[i], rs[j] = rs[j], rs[i]
	}
	raw := rawDB(t, a)
	edit := len(rs) - 5
	for _, keepKeyID := range []bool{false, true} {
		forged := append([]audit.Record(nil), rs...)
		forged[edit].Actor = "someone-else"
		for i := edit; i < len(forged); i++ {
			id := forged[i].KeyID
			forged[i] = audit.ChainV1(&forged[i-1], forged[i])
			if keepKeyID {
				forged[i].KeyID = id
			}
			if _, err := raw.Exec(`UPDATE audit_log SET actor = $1, prev_hash = $2, key_id = $3, hash = $4 WHERE seq = $5`,
				forged[i].Actor, forged[i].PrevHash, forged[i].KeyID, forged[i].Hash, forged[i].Seq); err != nil {
				t.Fatal(err)
			}
		}
		v := mustVerifyApp(t, a)
		if v.Break == nil || v.Break.Seq != rs[edit].Seq {
			t.Fatalf("key id kept %v: break = %v, want one at seq %d", keepKeyID, v.Break, rs[edit].Seq)
		}
	}
}

// TestSecurityAudit_CheckpointsAreWrittenAndPublished promises that a node
// writes a signed checkpoint to the data directory's append-only file after
// every auditlog.CheckpointEvery records it appends, when it stops and when it
// closes, and publishes it to the hub as an "audit.checkpoint" change.
func TestSecurityAudit_CheckpointsAreWrittenAndPublished(t *testing.T) {
	a := testApp(t, "")
	file := filepath.Join(a.Cfg.DataDir, AuditCheckpointFile)
	appendN(t, a, auditlog.CheckpointEvery)
	cps, err := audit.ReadCheckpointFile(file, a.keys.AuditKeyByID)
	if err != nil || len(cps) != 1 {
		t.Fatalf("after %d records: %d checkpoints, %v; want 1", auditlog.CheckpointEvery, len(cps), err)
	}
	head, _, err := a.Store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if cps[0].Seq != head.Seq || cps[0].Head != head.Hash || cps[0].KeyID != a.keys.Current() {
		t.Fatalf("checkpoint %+v, head seq %d", cps[0], head.Seq)
	}
	changes, err := a.hubChanges.ChangesAfter(context.Background(), 0, 1000)
	if err != nil {
		t.Fatal(err)
	}
	published := false
	for _, c := range changes {
		if c.Kind == "audit.checkpoint" && strings.Contains(string(c.Payload), cps[0].Sig) {
			published = true
		}
	}
	if !published {
		t.Fatalf("checkpoint of seq %d not in the hub's outbox (%d changes)", cps[0].Seq, len(changes))
	}

	// Run stopping: the loop writes one more on its way out.
	appendN(t, a, 2)
	stopped, stop := context.WithCancel(context.Background())
	stop()
	if err := auditLogOf(t, a).Run(stopped); err != nil {
		t.Fatal(err)
	}
	// Close (maintenance commands, tests) writes the last.
	appendN(t, a, 1)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	cps, err = audit.ReadCheckpointFile(file, a.keys.AuditKeyByID)
	if err != nil || len(cps) != 3 || cps[1].Seq != head.Seq+2 || cps[2].Seq != head.Seq+3 {
		t.Fatalf("after stop and Close: %+v, %v; want checkpoints at %d and %d", cps, err, head.Seq+2, head.Seq+3)
	}
}

// TestSecurityAudit_ForgedCheckpointIsReported promises that a checkpoint
// line that does not authenticate under the audit key makes verification
// fail instead of being trusted or skipped.
func TestSecurityAudit_ForgedCheckpointIsReported(t *testing.T) {
	a := testApp(t, "")
	appendN(t, a, 3)
	head, _, err := a.Store.AuditHead(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	forged, err := audit.SignCheckpoint(head, a.Now(), "intruder", audit.Key{ID: a.keys.Current(), Secret: []byte("guessed")})
	if err != nil {
		t.Fatal(err)
	}
	if err := audit.AppendCheckpoint(filepath.Join(a.Cfg.DataDir, AuditCheckpointFile), forged); err != nil {
		t.Fatal(err)
	}
	v := mustVerifyApp(t, a)
	if v.CheckpointProblem == nil || !v.Broken() {
		t.Fatalf("forged checkpoint accepted: %+v", v)
	}
}

// TestSecurityAudit_PolicyPutNeedsEveryField promises that
// PUT /api/v1/sensing/policies/{category} {} no longer resets the policy to
// defaults: it answers 400 naming each missing field, in Chinese and
// English, and the policy stays as it was.
func TestSecurityAudit_PolicyPutNeedsEveryField(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	full := map[string]any{"min_confidence": 0.85, "dedup_window": "2h", "mode": "auto", "auto_floor": 0.95, "min_samples": 30}
	mustPut(t, admin, "/api/v1/sensing/policies/event:0501", full)

	for _, body := range []any{map[string]any{}, map[string]any{"mode": "confirm"}, map[string]any{"min_confidence": nil, "dedup_window": "1h", "mode": "confirm", "auto_floor": 0.9, "min_samples": 20}} {
		var out map[string]any
		st := admin.do("PUT", "/api/v1/sensing/policies/event:0501", body, &out)
		msg := fmt.Sprint(out)
		if st != 400 || !strings.Contains(msg, "min_confidence") || !strings.Contains(msg, "缺少必填字段") || !strings.Contains(msg, "missing required fields") {
			t.Fatalf("PUT %v: %d %s; want 400 naming min_confidence", body, st, msg)
		}
	}
	var out map[string]any
	admin.do("PUT", "/api/v1/sensing/policies/event:0501", map[string]any{}, &out)
	for _, f := range []string{"min_confidence", "dedup_window", "mode", "auto_floor", "min_samples"} {
		if !strings.Contains(fmt.Sprint(out), f) {
			t.Errorf("PUT {}: the answer does not name %s: %v", f, out)
		}
	}
	p := a.sensing.Policy("event:0501")
	if p.MinConfidence != 0.85 || p.Mode != "auto" || p.MinSamples != 30 {
		t.Fatalf("policy changed by refused PUTs: %+v", p)
	}
}

// TestSecurityAudit_SensingPutsNeedTheirFields promises that no sensing PUT
// silently resets settings a body leaves out: each answers 400 naming the
// missing fields.
func TestSecurityAudit_SensingPutsNeedTheirFields(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	for _, tt := range []struct {
		path    string
		body    map[string]any
		missing []string
	}{
		{"/api/v1/sensing/devices/n-1", map[string]any{"lng": 118.72, "lat": 32.03}, []string{"kind"}},
		{"/api/v1/sensing/cameras/c-1", map[string]any{"name": "路口"}, []string{"lng", "lat"}},
		{"/api/v1/sensing/rules/r-1", map[string]any{"kind": "bin", "metric": "fill_pct"}, []string{"threshold", "clear"}},
		{"/api/v1/sensing/rules/r-1", map[string]any{"threshold": 90, "clear": 50}, []string{"kind", "metric"}},
		{"/api/v1/sensing/zones/z-1", map[string]any{"name": "夜市"}, []string{"ring", "hours"}},
		{"/api/v1/sensing/parking/lots/l-1", map[string]any{"lng": 118.72, "lat": 32.02}, []string{"capacity"}},
		{"/api/v1/sensing/waste/points/p-1", map[string]any{"name": "一号"}, []string{"lng", "lat"}},
	} {
		var out map[string]any
		st := admin.do("PUT", tt.path, tt.body, &out)
		if st != 400 {
			t.Errorf("PUT %s %v: %d, want 400", tt.path, tt.body, st)
			continue
		}
		for _, f := range tt.missing {
			if !strings.Contains(fmt.Sprint(out), f) {
				t.Errorf("PUT %s: the answer does not name %s: %v", tt.path, f, out)
			}
		}
	}
	// A rule that takes GB 3096 zone limits has no fixed threshold to send.
	mustPut(t, admin, "/api/v1/sensing/rules/noise-zone", map[string]any{"kind": "noise", "metric": "noise_db", "zone_limit": true, "band": 3})
}

// TestSecurityAudit_SensingChangesAreAudited promises that every change of
// the sensing configuration through /api/v1/sensing (devices, rules,
// cameras, AI policies, vending zones and their deletion, parking lots,
// collection points) leaves an audit record with the actor, the action, the
// object and the new settings.
func TestSecurityAudit_SensingChangesAreAudited(t *testing.T) {
	a := testApp(t, "")
	base := serve(t, a)
	admin := login(t, base, "admin")
	acc, err := a.Store.FindAccountByUsername(context.Background(), "admin")
	if err != nil {
		t.Fatal(err)
	}
	ring := [][2]float64{{118.70, 32.00}, {118.72, 32.00}, {118.72, 32.02}, {118.70, 32.02}}
	steps := []struct {
		method, path string
		body         any
		action       string
		object       string
		detail       string // substring of the record's detail
	}{
		{"PUT", "/api/v1/sensing/devices/n-1", map[string]any{"kind": "noise", "lng": 118.72, "lat": 32.03, "interval_s": 60}, "sensing.device.put", "sensing/device/n-1", `"interval_s":60`},
		{"PUT", "/api/v1/sensing/rules/bin-x", map[string]any{"kind": "bin", "metric": "fill_pct", "threshold": 90, "clear": 50}, "sensing.rule.put", "sensing/rule/bin-x", `"threshold":90`},
		{"PUT", "/api/v1/sensing/cameras/c-1", map[string]any{"lng": 118.71, "lat": 32.03, "vendor": "dahua"}, "sensing.camera.put", "sensing/camera/c-1", `"vendor":"dahua"`},
		{"PUT", "/api/v1/sensing/policies/event:0501", map[string]any{"min_confidence": 0.7, "dedup_window": "1h", "mode": "confirm", "auto_floor": 0.9, "min_samples": 20}, "sensing.policy.put", "sensing/policy/event:0501", `"min_confidence":0.7`},
		{"PUT", "/api/v1/sensing/zones/z-1", map[string]any{"name": "夜市", "ring": ring, "hours": []map[string]string{{"from": "17:00", "to": "22:00"}}}, "sensing.zone.put", "sensing/zone/z-1", `"ring_points":4`},
		{"DELETE", "/api/v1/sensing/zones/z-1", nil, "sensing.zone.delete", "sensing/zone/z-1", `{}`},
		{"PUT", "/api/v1/sensing/parking/lots/l-1", map[string]any{"lng": 118.72, "lat": 32.02, "capacity": 7}, "sensing.lot.put", "sensing/lot/l-1", `"capacity":7`},
		{"PUT", "/api/v1/sensing/waste/points/p-1", map[string]any{"lng": 118.71, "lat": 32.02, "collect_by": "08:00"}, "sensing.point.put", "sensing/point/p-1", `"collect_by":"08:00"`},
	}
	for _, s := range steps {
		if st := admin.do(s.method, s.path, s.body, nil); st != 200 && st != 204 {
			t.Fatalf("%s %s: %d", s.method, s.path, st)
		}
		recs, _, err := a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Action: s.action, Object: s.object})
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 1 {
			t.Fatalf("%s %s: %d audit records with action %s on %s, want 1", s.method, s.path, len(recs), s.action, s.object)
		}
		r := recs[0]
		if r.Actor != acc.ID || r.Addr == "" || !strings.Contains(r.Detail, s.detail) || !json.Valid([]byte(r.Detail)) {
			t.Errorf("%s: record %+v, want actor %s and detail with %s", s.action, r, acc.ID, s.detail)
		}
	}
	// The policy record keeps what was there before, so a reset can be undone.
	recs, _, _ := a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Action: "sensing.policy.put"})
	if len(recs) == 1 && !strings.Contains(recs[0].Detail, `"before"`) {
		t.Errorf("policy record without the previous policy: %s", recs[0].Detail)
	}
	// A refused change is not audited.
	admin.do("PUT", "/api/v1/sensing/policies/event:0501", map[string]any{}, nil)
	if recs, _, _ := a.Store.FindAudit(context.Background(), sqlstore.AuditFilter{Action: "sensing.policy.put"}); len(recs) != 1 {
		t.Errorf("%d policy records after a refused PUT, want 1", len(recs))
	}
	if v := mustVerifyApp(t, a); v.Broken() {
		t.Fatalf("audit chain after sensing changes: %+v", v)
	}
}

// TestSecurityAudit_AuditKeyIsSeparateAndRotates promises that the audit
// key is derived for the audit chain alone (not the sealing or blind-index
// key) and follows the keyring's current key, keeping older ones by id.
func TestSecurityAudit_AuditKeyIsSeparateAndRotates(t *testing.T) {
	k1 := "k1:" + pii.NewKey()
	old, err := pii.ParseKeyring(k1)
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := pii.ParseKeyring("k2:" + pii.NewKey() + "," + k1)
	if err != nil {
		t.Fatal(err)
	}
	id, secret := old.AuditKey()
	if id != "k1" || len(secret) != 32 || bytes.Equal(secret, old.BlindKey()) {
		t.Fatalf("audit key %q (%d bytes) is not a key of its own", id, len(secret))
	}
	id2, secret2 := rotated.AuditKey()
	kept, ok := rotated.AuditKeyByID("k1")
	if id2 != "k2" || bytes.Equal(secret2, secret) || !ok || !bytes.Equal(kept, secret) {
		t.Fatalf("after rotation: current %q, k1 kept %v", id2, ok)
	}
	if _, ok := rotated.AuditKeyByID("k9"); ok {
		t.Fatal("a key id not in the ring resolves")
	}
}
