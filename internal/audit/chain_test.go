package audit

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	testKey  = Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	testKey2 = Key{ID: "k2", Secret: []byte("fedcba9876543210fedcba9876543210")}
	wrongKey = Key{ID: "k1", Secret: []byte("not the key, but looks like one!")}
)

// testKeys holds testKey and testKey2.
func testKeys(id string) ([]byte, bool) {
	switch id {
	case testKey.ID:
		return testKey.Secret, true
	case testKey2.ID:
		return testKey2.Secret, true
	}
	return nil, false
}

func mustChain(t testing.TB, prev *Record, r Record, k Key) Record {
	t.Helper()
	out, err := Chain(prev, r, k)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sample(i int) Record {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	return Record{
		At:     t0.Add(time.Duration(i) * time.Second),
		Actor:  fmt.Sprintf("user/%d", i%7),
		Action: "case.dispatch",
		Object: fmt.Sprintf("case/%d", 1000+i),
		Detail: fmt.Sprintf(`{"to":"dept/%d"}`, i%5),
		Addr:   "10.0.0.1",
	}
}

// buildChain returns n records keyed with testKey starting at Seq 1.
func buildChain(n int) []Record {
	out := make([]Record, 0, n)
	var prev *Record
	for i := 0; i < n; i++ {
		r, err := Chain(prev, sample(i), testKey)
		if err != nil {
			panic(err)
		}
		out = append(out, r)
		prev = &out[len(out)-1]
	}
	return out
}

// verify runs Verify with testKeys and the given checkpoints.
func verify(t *testing.T, rs []Record, cps ...Checkpoint) Report {
	t.Helper()
	rep, err := Verify(Options{Keys: testKeys, Checkpoints: cps}, stream(rs))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// stream feeds records to Verify.
func stream(rs []Record) func() (Record, bool, error) {
	i := 0
	return func() (Record, bool, error) {
		if i >= len(rs) {
			return Record{}, false, nil
		}
		i++
		return rs[i-1], true, nil
	}
}

func TestChain(t *testing.T) {
	rs := buildChain(3)
	for i, r := range rs {
		if r.Seq != int64(i+1) {
			t.Errorf("record %d has Seq %d", i, r.Seq)
		}
		if r.Hash != r.ComputeMAC(testKey.Secret) || r.KeyID != "k1" || len(r.Hash) != 64 {
			t.Errorf("record %d hash %q", i, r.Hash)
		}
		if r.At.Location() != time.UTC || r.At.Nanosecond()%1000 != 0 {
			t.Errorf("record %d At %v is not UTC microseconds", i, r.At)
		}
	}
	if rs[0].PrevHash != "" || rs[1].PrevHash != rs[0].Hash || rs[2].PrevHash != rs[1].Hash {
		t.Fatal("PrevHash links are wrong")
	}
}

func TestComputeHash_Unambiguous(t *testing.T) {
	base := Record{Seq: 1, At: time.Unix(0, 0), Actor: "a|b", Action: "c"}
	shifted := base
	shifted.Actor, shifted.Action = "a", "b|c"
	if base.ComputeHash() == shifted.ComputeHash() {
		t.Fatal(`("a|b","c") and ("a","b|c") hash alike`)
	}
	moved := base
	moved.Actor, moved.Action = "a|bc", ""
	if base.ComputeHash() == moved.ComputeHash() {
		t.Fatal("moving bytes between fields keeps the hash")
	}
}

func TestComputeHash_CoversEveryField(t *testing.T) {
	base := ChainV1(nil, sample(0))
	base = ChainV1(&base, sample(1))
	edits := map[string]func(*Record){
		"Seq":      func(r *Record) { r.Seq++ },
		"At":       func(r *Record) { r.At = r.At.Add(time.Microsecond) },
		"Actor":    func(r *Record) { r.Actor += "x" },
		"Action":   func(r *Record) { r.Action += "x" },
		"Object":   func(r *Record) { r.Object += "x" },
		"Detail":   func(r *Record) { r.Detail += " " },
		"Addr":     func(r *Record) { r.Addr += "x" },
		"PrevHash": func(r *Record) { r.PrevHash = strings.ToUpper(r.PrevHash) },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			r := base
			edit(&r)
			if r.ComputeHash() == base.Hash {
				t.Fatalf("editing %s keeps the hash", name)
			}
		})
	}
	// The same instant in another zone is the same record.
	r := base
	r.At = r.At.In(time.FixedZone("X", -5*3600))
	if r.ComputeHash() != base.Hash {
		t.Fatal("hash depends on At's time zone")
	}
}

func TestComputeMAC_CoversEveryField(t *testing.T) {
	base := buildChain(2)[1]
	edits := map[string]func(*Record){
		"Seq":      func(r *Record) { r.Seq++ },
		"At":       func(r *Record) { r.At = r.At.Add(time.Microsecond) },
		"Actor":    func(r *Record) { r.Actor += "x" },
		"Action":   func(r *Record) { r.Action += "x" },
		"Object":   func(r *Record) { r.Object += "x" },
		"Detail":   func(r *Record) { r.Detail += " " },
		"Addr":     func(r *Record) { r.Addr += "x" },
		"PrevHash": func(r *Record) { r.PrevHash = strings.ToUpper(r.PrevHash) },
		"KeyID":    func(r *Record) { r.KeyID = "k2" },
	}
	for name, edit := range edits {
		t.Run(name, func(t *testing.T) {
			r := base
			edit(&r)
			if r.ComputeMAC(testKey.Secret) == base.Hash {
				t.Fatalf("editing %s keeps the MAC", name)
			}
		})
	}
	if base.ComputeHash() == base.Hash || base.ComputeMAC(wrongKey.Secret) == base.Hash {
		t.Fatal("the MAC can be made without the key")
	}
}

func TestChain_NeedsKey(t *testing.T) {
	if _, err := Chain(nil, sample(0), Key{}); !errors.Is(err, ErrNoKey) {
		t.Fatalf("Chain without a key: %v, want ErrNoKey", err)
	}
}

func TestVerify(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func([]Record) []Record
		checked int64
		brk     int64  // 0: no break
		reason  string // substring
	}{
		{"intact", func(rs []Record) []Record { return rs }, 100, 0, ""},
		{"empty", func([]Record) []Record { return nil }, 0, 0, ""},
		{"edit record 37", func(rs []Record) []Record {
			rs[36].Detail = `{"to":"dept/9"}`
			return rs
		}, 36, 37, "content"},
		{"edit 37 and rehash it with the key", func(rs []Record) []Record {
			rs[36].Actor = "user/0"
			rs[36].Hash = rs[36].ComputeMAC(testKey.Secret)
			return rs
		}, 37, 38, "prev_hash"},
		{"delete record 50", func(rs []Record) []Record {
			return append(rs[:49], rs[50:]...)
		}, 49, 51, "gap"},
		{"delete record 1", func(rs []Record) []Record { return rs[1:] }, 0, 2, "gap"},
		{"swap 40 and 41", func(rs []Record) []Record {
			rs[39], rs[40] = rs[40], rs[39]
			return rs
		}, 39, 41, "gap"},
		{"swap 40 and 41 and renumber", func(rs []Record) []Record {
			rs[39], rs[40] = rs[40], rs[39]
			rs[39].Seq, rs[40].Seq = 40, 41
			return rs
		}, 39, 40, "prev_hash"},
		{"repeat record 60", func(rs []Record) []Record {
			return append(rs[:60:60], rs[59:]...)
		}, 60, 60, "repeats"},
		{"insert forged record after 70", func(rs []Record) []Record {
			forged, _ := Chain(&rs[69], Record{Actor: "intruder", Action: "case.close"}, testKey)
			out := append(rs[:70:70], forged)
			return append(out, rs[70:]...)
		}, 71, 71, "repeats"}, // the forgery links fine; the real 71 after it does not
		{"relink tail after edit with plain SHA-256", func(rs []Record) []Record {
			// What someone with the database but not the key can do.
			rs[79].Detail = "{}"
			for i := 79; i < len(rs); i++ {
				rs[i] = ChainV1(&rs[i-1], rs[i])
			}
			return rs
		}, 79, 80, "unkeyed"},
		{"relink tail after edit with plain SHA-256, key id kept", func(rs []Record) []Record {
			rs[79].Detail = "{}"
			for i := 79; i < len(rs); i++ {
				rs[i] = ChainV1(&rs[i-1], rs[i])
				rs[i].KeyID = "k1"
			}
			return rs
		}, 79, 80, "content"},
		{"relink tail after edit with a wrong key", func(rs []Record) []Record {
			rs[79].Detail = "{}"
			for i := 79; i < len(rs); i++ {
				rs[i], _ = Chain(&rs[i-1], rs[i], wrongKey)
			}
			return rs
		}, 79, 80, "content"},
		{"record under a key not in the ring", func(rs []Record) []Record {
			rs[89], _ = Chain(&rs[88], rs[89], Key{ID: "k9", Secret: []byte("x")})
			return rs[:90]
		}, 89, 90, `"k9"`},
		{"relink whole tail with the key", func(rs []Record) []Record {
			// Only someone holding the key can rewrite from 80 on; only
			// a checkpoint catches that (TestVerify_Checkpoints).
			rs[79].Detail = "{}"
			for i := 79; i < len(rs); i++ {
				rs[i], _ = Chain(&rs[i-1], rs[i], testKey)
			}
			return rs
		}, 100, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := verify(t, tt.mutate(buildChain(100)))
			if rep.Checked != tt.checked {
				t.Errorf("checked = %d, want %d", rep.Checked, tt.checked)
			}
			brk := rep.Break
			switch {
			case tt.brk == 0 && brk != nil:
				t.Fatalf("unexpected break %v", brk)
			case tt.brk != 0 && brk == nil:
				t.Fatalf("no break, want one at seq %d", tt.brk)
			case tt.brk != 0 && (brk.Seq != tt.brk || !strings.Contains(brk.Reason, tt.reason)):
				t.Fatalf("break %v, want seq %d with %q", brk, tt.brk, tt.reason)
			}
		})
	}
}

func mustSign(t *testing.T, head Record, k Key) Checkpoint {
	t.Helper()
	cp, err := SignCheckpoint(head, time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), "node-a", k)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

// TestVerify_Checkpoints: what the chain alone cannot show, a checkpoint
// does: the newest records deleted, or the chain re-linked by someone who
// holds the key.
func TestVerify_Checkpoints(t *testing.T) {
	rs := buildChain(100)
	cp60, cp90 := mustSign(t, rs[59], testKey), mustSign(t, rs[89], testKey)

	if rep := verify(t, rs, cp60, cp90); rep.Break != nil || rep.Checkpoints != 2 {
		t.Fatalf("intact log with checkpoints: %+v", rep)
	}
	// Without checkpoints, cutting the tail looks like a shorter log.
	if rep := verify(t, rs[:85]); rep.Break != nil {
		t.Fatalf("tail cut without checkpoints: %v", rep.Break)
	}
	rep := verify(t, rs[:85], cp60, cp90)
	if rep.Break == nil || rep.Break.Seq != 86 || !strings.Contains(rep.Break.Reason, "truncated") {
		t.Fatalf("tail cut below checkpoint 90: %+v, want truncation at 86", rep.Break)
	}
	rep = verify(t, nil, cp60)
	if rep.Break == nil || rep.Break.Seq != 1 || !strings.Contains(rep.Break.Reason, "truncated") {
		t.Fatalf("log emptied: %+v, want truncation at 1", rep.Break)
	}

	// Re-linked from 50 with the key itself: every MAC is right, but 60 is
	// not what the checkpoint saw.
	forged := append([]Record(nil), rs...)
	forged[49].Detail = "{}"
	for i := 49; i < len(forged); i++ {
		forged[i] = mustChain(t, &forged[i-1], forged[i], testKey)
	}
	rep = verify(t, forged, cp60, cp90)
	if rep.Break == nil || rep.Break.Seq != 60 || !strings.Contains(rep.Break.Reason, "checkpoint") {
		t.Fatalf("re-linked log: %+v, want a checkpoint break at 60", rep.Break)
	}

	// Anchored verification skips what it cannot see and still checks the rest.
	anchor := rs[59]
	rep, err := Verify(Options{Keys: testKeys, Anchor: &anchor, Checkpoints: []Checkpoint{cp60, cp90}}, stream(rs[60:]))
	if err != nil || rep.Break != nil || rep.Checked != 40 || rep.Checkpoints != 1 {
		t.Fatalf("anchored: %+v, %v", rep, err)
	}
}

// TestVerify_Rotation: records keyed before a key rotation keep verifying
// under their own key id while new ones use the new key.
func TestVerify_Rotation(t *testing.T) {
	rs := buildChain(10)
	for i := 10; i < 20; i++ {
		rs = append(rs, mustChain(t, &rs[i-1], sample(i), testKey2))
	}
	if rep := verify(t, rs, mustSign(t, rs[4], testKey), mustSign(t, rs[19], testKey2)); rep.Break != nil || rep.Checked != 20 {
		t.Fatalf("rotated chain: %+v", rep)
	}
	only2 := func(id string) ([]byte, bool) {
		if id == "k2" {
			return testKey2.Secret, true
		}
		return nil, false
	}
	rep, err := Verify(Options{Keys: only2}, stream(rs))
	if err != nil || rep.Break == nil || rep.Break.Seq != 1 || !strings.Contains(rep.Break.Reason, "not in the keyring") {
		t.Fatalf("old key dropped: %+v, %v; want a break naming the missing key", rep.Break, err)
	}
}

// TestVerify_V1Prefix: logs from before the chain was keyed keep their v1
// records; the first keyed record's MAC covers the last v1 hash, so the
// prefix can no longer be rewritten, and no v1 record may follow a keyed one.
func TestVerify_V1Prefix(t *testing.T) {
	var rs []Record
	var prev *Record
	for i := 0; i < 10; i++ {
		rs = append(rs, ChainV1(prev, sample(i)))
		prev = &rs[len(rs)-1]
	}
	for i := 10; i < 20; i++ {
		rs = append(rs, mustChain(t, &rs[i-1], sample(i), testKey))
	}
	rep := verify(t, rs)
	if rep.Break != nil || rep.Checked != 20 || rep.Unkeyed != 10 {
		t.Fatalf("v1 prefix then keyed: %+v", rep)
	}
	// Rewrite v1 record 3 and re-link the v1 part: record 11's MAC covers
	// the old hash of 10.
	forged := append([]Record(nil), rs...)
	forged[2].Actor = "nobody"
	for i := 2; i < 10; i++ {
		forged[i] = ChainV1(&forged[i-1], forged[i])
	}
	forged[10].PrevHash = forged[9].Hash
	if rep := verify(t, forged); rep.Break == nil || rep.Break.Seq != 11 {
		t.Fatalf("rewritten v1 prefix: %+v, want a break at 11", rep.Break)
	}
}

func TestReadCheckpoints(t *testing.T) {
	rs := buildChain(3)
	line := func(cp Checkpoint) string {
		b, err := json.Marshal(cp)
		if err != nil {
			t.Fatal(err)
		}
		return string(b) + "\n"
	}
	good1, good2 := mustSign(t, rs[0], testKey), mustSign(t, rs[2], testKey2)
	cps, err := ReadCheckpoints(strings.NewReader(line(good1)+"\n"+line(good2)+`{"seq":3,"he`), testKeys)
	if err != nil || len(cps) != 2 || cps[1].Seq != 3 || cps[1].Head != rs[2].Hash {
		t.Fatalf("good file with a torn last line: %+v, %v", cps, err)
	}
	raised := good2
	raised.Seq = 2
	signedWrong := mustSign(t, rs[2], wrongKey)
	for name, text := range map[string]string{
		"seq changed":     line(good1) + line(raised),
		"wrong key":       line(signedWrong),
		"not json":        line(good1) + "hello\n",
		"key not in ring": line(mustSign(t, rs[0], Key{ID: "k7", Secret: []byte("s")})),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ReadCheckpoints(strings.NewReader(text), testKeys); !errors.Is(err, ErrBadCheckpoint) {
				t.Fatalf("err = %v, want ErrBadCheckpoint", err)
			}
		})
	}
}

func TestCheckpointFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "audit-checkpoints.log")
	if cps, err := ReadCheckpointFile(path, testKeys); err != nil || len(cps) != 0 {
		t.Fatalf("missing file: %v, %v", cps, err)
	}
	rs := buildChain(4)
	for _, r := range []Record{rs[1], rs[3]} {
		if err := AppendCheckpoint(path, mustSign(t, r, testKey)); err != nil {
			t.Fatal(err)
		}
	}
	cps, err := ReadCheckpointFile(path, testKeys)
	if err != nil || len(cps) != 2 || cps[0].Seq != 2 || cps[1].Seq != 4 {
		t.Fatalf("read back: %+v, %v", cps, err)
	}
}

func TestVerify_ReadError(t *testing.T) {
	rs := buildChain(10)
	boom := errors.New("connection reset")
	i := 0
	next := func() (Record, bool, error) {
		if i == 5 {
			return Record{}, false, boom
		}
		i++
		return rs[i-1], true, nil
	}
	rep, err := Verify(Options{Keys: testKeys}, next)
	if !errors.Is(err, boom) || rep.Break != nil || rep.Checked != 5 {
		t.Fatalf("Verify = %+v, %v; want 5 checked, wrapped read error", rep, err)
	}
}
