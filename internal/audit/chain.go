package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"time"
)

// Record is one audit entry.
//
// Every string field is hashed byte for byte. The store must give them back
// exactly as written: in particular Detail belongs in a text column, not
// PostgreSQL jsonb, which reorders keys and rewrites whitespace.
type Record struct {
	Seq      int64
	At       time.Time
	Actor    string // user id, or "system:<job>"
	Action   string // e.g. "case.dispatch", "user.login_failed"
	Object   string // e.g. "case/4711"
	Detail   string // JSON
	Addr     string // client address, "" for jobs
	PrevHash string // Hash of record Seq-1; "" for Seq 1
	Hash     string // hex SHA-256 from ComputeHash
}

// hashDomain starts every hashed message so that these hashes can never be
// confused with SHA-256 of anything else we produce, and so a future format
// can use "v2".
const hashDomain = "cityloop.audit.v1"

// ComputeHash returns the hex SHA-256 of the record's content and PrevHash
// (not Hash). Seq is written as 8 big-endian bytes, and each string field,
// At included as UTC RFC 3339 with nanoseconds, as an 8-byte length then its
// bytes. Length prefixes make the encoding unambiguous: no choice of field
// values can make ("a|b", "c") and ("a", "b|c") hash alike.
func (r Record) ComputeHash() string {
	h := sha256.New()
	writeField(h, hashDomain)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(r.Seq))
	h.Write(seq[:])
	for _, f := range [...]string{
		r.At.UTC().Format(time.RFC3339Nano),
		r.Actor, r.Action, r.Object, r.Detail, r.Addr, r.PrevHash,
	} {
		writeField(h, f)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// Chain returns r linked after prev: Seq is prev.Seq+1 (1 when prev is nil),
// PrevHash is prev.Hash ("" when nil), and Hash is computed last.
//
// It also sets At to UTC and truncates it to microseconds, because that is
// what PostgreSQL's timestamptz keeps; a nanosecond At would hash
// differently after a round trip through the database and every record
// would look edited.
func Chain(prev *Record, r Record) Record {
	r.Seq, r.PrevHash = 1, ""
	if prev != nil {
		r.Seq, r.PrevHash = prev.Seq+1, prev.Hash
	}
	r.At = r.At.UTC().Truncate(time.Microsecond)
	r.Hash = r.ComputeHash()
	return r
}

// Break says where a chain stops verifying and why.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) String() string { return fmt.Sprintf("seq %d: %s", b.Seq, b.Reason) }

// Verify checks a whole log from Seq 1; it is VerifyFrom(nil, next).
func Verify(next func() (Record, bool, error)) (checked int64, brk *Break, err error) {
	return VerifyFrom(nil, next)
}

// VerifyFrom checks records streamed by next, in Seq order, as the
// continuation of anchor: a record already trusted, such as a published head
// or the last record of a previous run. With a nil anchor the stream must
// start at Seq 1. next returns ok=false at the end.
//
// It returns how many records verified and, at the first record that does
// not, a Break naming its Seq: a Seq that skips or repeats (a deleted,
// inserted or moved record), a PrevHash other than the previous record's
// Hash (a record before it removed or replaced), or a Hash that does not
// match the record's content (the record edited). Checks run in that order,
// so deleting record 50 reports 51 as a gap rather than a broken link.
// Verification stops at the first break; err is only for next's errors.
func VerifyFrom(anchor *Record, next func() (Record, bool, error)) (checked int64, brk *Break, err error) {
	wantSeq, wantPrev := int64(1), ""
	if anchor != nil {
		wantSeq, wantPrev = anchor.Seq+1, anchor.Hash
	}
	for {
		r, ok, err := next()
		if err != nil {
			return checked, nil, fmt.Errorf("audit verify: read record after seq %d: %w", wantSeq-1, err)
		}
		if !ok {
			return checked, nil, nil
		}
		switch {
		case r.Seq > wantSeq:
			return checked, &Break{Seq: r.Seq, Reason: fmt.Sprintf("seq gap: want %d", wantSeq)}, nil
		case r.Seq < wantSeq:
			return checked, &Break{Seq: r.Seq, Reason: fmt.Sprintf("seq repeats or goes back: want %d", wantSeq)}, nil
		case r.PrevHash != wantPrev:
			return checked, &Break{Seq: r.Seq, Reason: "prev_hash does not match the previous record's hash"}, nil
		case r.Hash != r.ComputeHash():
			return checked, &Break{Seq: r.Seq, Reason: "hash does not match the record's content"}, nil
		}
		checked++
		wantSeq, wantPrev = r.Seq+1, r.Hash
	}
}
