package audit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

// buildChain returns n chained records starting at Seq 1.
func buildChain(n int) []Record {
	t0 := time.Date(2026, 3, 1, 9, 0, 0, 123456789, time.FixedZone("CST", 8*3600))
	out := make([]Record, 0, n)
	var prev *Record
	for i := 0; i < n; i++ {
		r := Chain(prev, Record{
			At:     t0.Add(time.Duration(i) * time.Second),
			Actor:  fmt.Sprintf("user/%d", i%7),
			Action: "case.dispatch",
			Object: fmt.Sprintf("case/%d", 1000+i),
			Detail: fmt.Sprintf(`{"to":"dept/%d"}`, i%5),
			Addr:   "10.0.0.1",
		})
		out = append(out, r)
		prev = &out[len(out)-1]
	}
	return out
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
		if r.Hash != r.ComputeHash() || len(r.Hash) != 64 {
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
		{"edit 37 and rehash it", func(rs []Record) []Record {
			rs[36].Actor = "user/0"
			rs[36].Hash = rs[36].ComputeHash()
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
			forged := Chain(&rs[69], Record{Actor: "intruder", Action: "case.close"})
			out := append(rs[:70:70], forged)
			return append(out, rs[70:]...)
		}, 71, 71, "repeats"}, // the forgery links fine; the real 71 after it does not
		{"relink whole tail after edit", func(rs []Record) []Record {
			// Someone who can recompute hashes can rewrite from 80 on;
			// only a published head catches that (TestVerifyFrom).
			rs[79].Detail = "{}"
			for i := 79; i < len(rs); i++ {
				rs[i] = Chain(&rs[i-1], rs[i])
			}
			return rs
		}, 100, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checked, brk, err := Verify(stream(tt.mutate(buildChain(100))))
			if err != nil {
				t.Fatal(err)
			}
			if checked != tt.checked {
				t.Errorf("checked = %d, want %d", checked, tt.checked)
			}
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

func TestVerifyFrom(t *testing.T) {
	rs := buildChain(100)
	head := rs[59] // published when the log had 60 records

	checked, brk, err := VerifyFrom(&head, stream(rs[60:]))
	if err != nil || brk != nil || checked != 40 {
		t.Fatalf("VerifyFrom(head) = %d, %v, %v; want 40, nil, nil", checked, brk, err)
	}

	// Rewriting from record 50 on with fresh hashes fools Verify but not a
	// check against the published head.
	forged := append([]Record(nil), rs...)
	forged[49].Detail = "{}"
	for i := 49; i < len(forged); i++ {
		forged[i] = Chain(&forged[i-1], forged[i])
	}
	if _, brk, _ := Verify(stream(forged)); brk != nil {
		t.Fatalf("Verify caught a full rewrite: %v", brk)
	}
	_, brk, err = VerifyFrom(&head, stream(forged[60:]))
	if err != nil || brk == nil || brk.Seq != 61 {
		t.Fatalf("VerifyFrom(head) on a rewrite = %v, %v; want break at 61", brk, err)
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
	checked, brk, err := Verify(next)
	if !errors.Is(err, boom) || brk != nil || checked != 5 {
		t.Fatalf("Verify = %d, %v, %v; want 5, nil, wrapped read error", checked, brk, err)
	}
}
