package storetest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlstore"
)

// AuditStore is what the audit suite exercises: the audit log, the keyring
// that keys it and, to play the attacker who can write the database, raw
// SQL on the write pool.
type AuditStore interface {
	SetKeyring(k *pii.Keyring)
	AppendAudit(ctx context.Context, recs []audit.Record) ([]audit.Record, error)
	FindAudit(ctx context.Context, f sqlstore.AuditFilter) ([]audit.Record, int, error)
	VerifyAudit(ctx context.Context, checkpoints []audit.Checkpoint) (audit.Report, error)
	ExecRaw(ctx context.Context, query string, args ...any) error
}

// RunAudit runs the audit-log subtests, in parallel, each on a store from
// open.
func RunAudit(t *testing.T, open func(t *testing.T) AuditStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s AuditStore)
	}{
		{"newest rows deleted in SQL are reported as truncation", testAuditTruncation},
		{"an edit re-linked with plain SHA-256 fails", testAuditRelinkPlain},
		{"an edit re-linked with a wrong key fails", testAuditRelinkWrongKey},
		{"an edit re-linked with the key fails at a checkpoint", testAuditRelinkWithKey},
		{"records before and after a key rotation verify", testAuditRotation},
		{"v1 rows from before the key still verify", testAuditV1Rows},
		{"no keyring, no append", testAuditNeedsKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.run(t, open(t))
		})
	}
}

var (
	auditK1 = "k1:" + strings.Repeat("A", 43) + "="
	auditK2 = "k2:" + strings.Repeat("B", 43) + "="
)

func mustKeyring(t *testing.T, spec string) *pii.Keyring {
	t.Helper()
	k, err := pii.ParseKeyring(spec)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func auditKey(k *pii.Keyring) audit.Key {
	id, secret := k.AuditKey()
	return audit.Key{ID: id, Secret: secret}
}

// appendAudit appends n records in batches of 3 and returns the last.
func appendAudit(t *testing.T, s AuditStore, n int) audit.Record {
	t.Helper()
	var last audit.Record
	for i := 0; i < n; i += 3 {
		var recs []audit.Record
		for j := i; j < min(i+3, n); j++ {
			recs = append(recs, audit.Record{At: t0.Add(time.Duration(j) * time.Minute), Actor: fmt.Sprintf("u%d", j%4),
				Action: "case.dispatch", Object: fmt.Sprintf("case/%d", j), Detail: `{"to":"dept/1"}`, Addr: "10.0.0.7"})
		}
		out, err := s.AppendAudit(context.Background(), recs)
		if err != nil {
			t.Fatal(err)
		}
		last = out[len(out)-1]
	}
	return last
}

// allAudit reads the whole log, oldest first.
func allAudit(t *testing.T, s AuditStore) []audit.Record {
	t.Helper()
	rs, _, err := s.FindAudit(context.Background(), sqlstore.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	slices.Reverse(rs)
	return rs
}

// rewrite stores rs over the rows with the same Seq, as an attacker with
// write access to the database would.
func rewrite(t *testing.T, s AuditStore, rs []audit.Record) {
	t.Helper()
	for _, r := range rs {
		if err := s.ExecRaw(context.Background(), `UPDATE audit_log SET actor = $1, detail = $2, prev_hash = $3, key_id = $4, hash = $5 WHERE seq = $6`,
			r.Actor, r.Detail, r.PrevHash, r.KeyID, r.Hash, r.Seq); err != nil {
			t.Fatal(err)
		}
	}
}

func mustVerify(t *testing.T, s AuditStore, cps ...audit.Checkpoint) audit.Report {
	t.Helper()
	rep, err := s.VerifyAudit(context.Background(), cps)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantBreak(t *testing.T, rep audit.Report, seq int64, reason string) {
	t.Helper()
	if rep.Break == nil || rep.Break.Seq != seq || !strings.Contains(rep.Break.Reason, reason) {
		t.Fatalf("break = %v, want seq %d with %q", rep.Break, seq, reason)
	}
}

func signAt(t *testing.T, head audit.Record, k *pii.Keyring) audit.Checkpoint {
	t.Helper()
	cp, err := audit.SignCheckpoint(head, t0, "node-test", auditKey(k))
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func testAuditTruncation(t *testing.T, s AuditStore) {
	k := mustKeyring(t, auditK1)
	s.SetKeyring(k)
	head := appendAudit(t, s, 30)
	cp := signAt(t, head, k)
	if rep := mustVerify(t, s, cp); rep.Break != nil || rep.Checked != 30 || rep.Checkpoints != 1 {
		t.Fatalf("intact: %+v", rep)
	}
	if err := s.ExecRaw(context.Background(), `DELETE FROM audit_log WHERE seq > $1`, 25); err != nil {
		t.Fatal(err)
	}
	// The chain alone still links: what is left is a valid shorter log.
	if rep := mustVerify(t, s); rep.Break != nil {
		t.Fatalf("without checkpoints: %v", rep.Break)
	}
	wantBreak(t, mustVerify(t, s, cp), 26, "truncated")
}

// relinkFrom edits record seq and re-links every later record with chain.
func relinkFrom(t *testing.T, s AuditStore, seq int, chain func(prev *audit.Record, r audit.Record) audit.Record) {
	t.Helper()
	rs := allAudit(t, s)
	rs[seq-1].Actor = "someone-else"
	for i := seq - 1; i < len(rs); i++ {
		rs[i] = chain(&rs[i-1], rs[i])
	}
	rewrite(t, s, rs[seq-1:])
}

func testAuditRelinkPlain(t *testing.T, s AuditStore) {
	s.SetKeyring(mustKeyring(t, auditK1))
	appendAudit(t, s, 20)
	relinkFrom(t, s, 10, audit.ChainV1)
	wantBreak(t, mustVerify(t, s), 10, "unkeyed")
	// Keeping the key id on the forged rows does not help.
	relinkFrom(t, s, 10, func(prev *audit.Record, r audit.Record) audit.Record {
		r = audit.ChainV1(prev, r)
		r.KeyID = "k1"
		return r
	})
	wantBreak(t, mustVerify(t, s), 10, "content")
}

func testAuditRelinkWrongKey(t *testing.T, s AuditStore) {
	s.SetKeyring(mustKeyring(t, auditK1))
	appendAudit(t, s, 20)
	wrong := audit.Key{ID: "k1", Secret: []byte("a guess at the key, 32 bytes lng")}
	relinkFrom(t, s, 10, func(prev *audit.Record, r audit.Record) audit.Record {
		out, err := audit.Chain(prev, r, wrong)
		if err != nil {
			t.Fatal(err)
		}
		return out
	})
	wantBreak(t, mustVerify(t, s), 10, "content")
}

func testAuditRelinkWithKey(t *testing.T, s AuditStore) {
	k := mustKeyring(t, auditK1)
	s.SetKeyring(k)
	cp := signAt(t, appendAudit(t, s, 20), k)
	relinkFrom(t, s, 10, func(prev *audit.Record, r audit.Record) audit.Record {
		out, err := audit.Chain(prev, r, auditKey(k))
		if err != nil {
			t.Fatal(err)
		}
		return out
	})
	if rep := mustVerify(t, s); rep.Break != nil {
		t.Fatalf("a re-link with the key passes the chain: %v", rep.Break)
	}
	wantBreak(t, mustVerify(t, s, cp), 20, "checkpoint")
}

func testAuditRotation(t *testing.T, s AuditStore) {
	k1 := mustKeyring(t, auditK1)
	s.SetKeyring(k1)
	cp1 := signAt(t, appendAudit(t, s, 6), k1)
	k21 := mustKeyring(t, auditK2+","+auditK1)
	s.SetKeyring(k21)
	cp2 := signAt(t, appendAudit(t, s, 6), k21)
	rs := allAudit(t, s)
	if rs[5].KeyID != "k1" || rs[6].KeyID != "k2" || rs[11].KeyID != "k2" {
		t.Fatalf("key ids %q %q %q, want k1 k2 k2", rs[5].KeyID, rs[6].KeyID, rs[11].KeyID)
	}
	if rep := mustVerify(t, s, cp1, cp2); rep.Break != nil || rep.Checked != 12 || rep.Checkpoints != 2 {
		t.Fatalf("after rotation: %+v", rep)
	}
	s.SetKeyring(mustKeyring(t, auditK2))
	wantBreak(t, mustVerify(t, s), 1, "not in the keyring")
}

func testAuditV1Rows(t *testing.T, s AuditStore) {
	ctx := context.Background()
	var prev *audit.Record
	for i := 0; i < 5; i++ {
		r := audit.ChainV1(prev, audit.Record{At: t0.Add(time.Duration(i) * time.Second), Actor: "u1", Action: "user.login", Object: "user/u1", Detail: "{}"})
		if err := s.ExecRaw(ctx, `INSERT INTO audit_log (seq, at, actor, action, object, detail, addr, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
			r.Seq, r.At.UnixMicro(), r.Actor, r.Action, r.Object, r.Detail, r.Addr, r.PrevHash, r.Hash); err != nil {
			t.Fatal(err)
		}
		prev = &r
	}
	s.SetKeyring(mustKeyring(t, auditK1))
	appendAudit(t, s, 4)
	rep := mustVerify(t, s)
	if rep.Break != nil || rep.Checked != 9 || rep.Unkeyed != 5 {
		t.Fatalf("v1 rows then keyed: %+v", rep)
	}
	// The v1 prefix is pinned by the first keyed record.
	rs := allAudit(t, s)
	rs[1].Actor = "u2"
	for i := 1; i < 5; i++ {
		rs[i] = audit.ChainV1(&rs[i-1], rs[i])
	}
	rewrite(t, s, rs[1:5])
	wantBreak(t, mustVerify(t, s), 6, "prev_hash")
}

func testAuditNeedsKey(t *testing.T, s AuditStore) {
	_, err := s.AppendAudit(context.Background(), []audit.Record{{At: t0, Actor: "u1", Action: "x", Object: "y", Detail: "{}"}})
	if err == nil || !strings.Contains(err.Error(), "no audit key") {
		t.Fatalf("append without keyring: %v", err)
	}
}
