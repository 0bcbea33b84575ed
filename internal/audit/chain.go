package audit

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
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
	// KeyID names the audit key whose HMAC Hash is ("k1", "k2", … the ids
	// of the keyring). "" marks a v1 record written before the chain was
	// keyed: its Hash is plain SHA-256 ([Record.ComputeHash]).
	KeyID string
	Hash  string // hex; v2: HMAC-SHA256 from [Record.ComputeMAC], v1: SHA-256
}

// hashDomain starts every v1 hashed message so that these hashes can never
// be confused with SHA-256 of anything else we produce.
const hashDomain = "cityloop.audit.v1"

// macDomain starts every v2 (keyed) message.
const macDomain = "cityloop.audit.v2"

// Key is the secret that keys the chain, with the id stored in each record
// it signs. The app derives it from the personal-data keyring
// (pii.Keyring.AuditKey), so it rotates with that keyring.
type Key struct {
	ID     string
	Secret []byte
}

// KeyFunc finds the secret of a key id; ok is false for an id it does not
// hold (a key removed from the keyring).
type KeyFunc func(id string) (secret []byte, ok bool)

// ErrNoKey is returned by [Chain] without a key: new records are always keyed.
var ErrNoKey = errors.New("audit: no audit key; the chain is keyed and cannot be extended without one")

// ComputeHash returns the v1 (unkeyed) hash: the hex SHA-256 of the
// record's content and PrevHash (not Hash). Seq is written as 8 big-endian
// bytes, and each string field, At included as UTC RFC 3339 with
// nanoseconds, as an 8-byte length then its bytes. Length prefixes make the
// encoding unambiguous: no choice of field values can make ("a|b", "c") and
// ("a", "b|c") hash alike.
//
// Anyone can compute it, so it is kept only to verify the records written
// before the chain was keyed; see [Record.ComputeMAC].
func (r Record) ComputeHash() string {
	h := sha256.New()
	writeField(h, hashDomain)
	r.writeBody(h)
	return hex.EncodeToString(h.Sum(nil))
}

// ComputeMAC returns the v2 hash: hex HMAC-SHA256 under secret of the same
// encoding as [Record.ComputeHash], with its own domain and KeyID added.
// Without the secret nobody can make a record, or re-link a chain after an
// edit, that verifies.
func (r Record) ComputeMAC(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	writeField(m, macDomain)
	writeField(m, r.KeyID)
	r.writeBody(m)
	return hex.EncodeToString(m.Sum(nil))
}

func (r Record) writeBody(h hash.Hash) {
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(r.Seq))
	h.Write(seq[:])
	for _, f := range [...]string{
		r.At.UTC().Format(time.RFC3339Nano),
		r.Actor, r.Action, r.Object, r.Detail, r.Addr, r.PrevHash,
	} {
		writeField(h, f)
	}
}

func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// Chain returns r linked after prev and keyed with key: Seq is prev.Seq+1
// (1 when prev is nil), PrevHash is prev.Hash ("" when nil), KeyID is
// key.ID and Hash the HMAC, computed last. prev may be a v1 record: that is
// the migration path, the first keyed record's MAC covering the last v1
// hash and so, link by link, every v1 record before it.
//
// It also sets At to UTC and truncates it to microseconds, because that is
// what PostgreSQL's timestamptz keeps; a nanosecond At would hash
// differently after a round trip through the database and every record
// would look edited.
func Chain(prev *Record, r Record, key Key) (Record, error) {
	if key.ID == "" || len(key.Secret) == 0 {
		return Record{}, ErrNoKey
	}
	r = link(prev, r)
	r.KeyID = key.ID
	r.Hash = r.ComputeMAC(key.Secret)
	return r, nil
}

// ChainV1 links r after prev the old, unkeyed way. Nothing in CityLoop
// writes v1 records any more; it exists so tests can build the chains older
// versions left behind.
func ChainV1(prev *Record, r Record) Record {
	r = link(prev, r)
	r.KeyID = ""
	r.Hash = r.ComputeHash()
	return r
}

func link(prev *Record, r Record) Record {
	r.Seq, r.PrevHash = 1, ""
	if prev != nil {
		r.Seq, r.PrevHash = prev.Seq+1, prev.Hash
	}
	r.At = r.At.UTC().Truncate(time.Microsecond)
	return r
}

// Break says where a chain stops verifying and why.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) String() string { return fmt.Sprintf("seq %d: %s", b.Seq, b.Reason) }

// Options configures [Verify].
type Options struct {
	// Keys resolves each keyed record's KeyID. Without it every keyed
	// record fails.
	Keys KeyFunc
	// Anchor is a record already trusted, such as a published head or the
	// last record of a previous run; the stream continues it. With nil the
	// stream must start at Seq 1.
	Anchor *Record
	// Checkpoints are authenticated heads (see [ReadCheckpoints]) in any
	// order. A record at a checkpoint's Seq must carry its Head, and the
	// log must reach the highest checkpointed Seq.
	Checkpoints []Checkpoint
}

// Report is what [Verify] found.
type Report struct {
	Checked int64  // records that verified
	Unkeyed int64  // of them, v1 records (before the chain was keyed)
	Last    Record // the last record that verified (zero if none)
	// Checkpoints counts the checkpoints matched against a record.
	Checkpoints int
	// Break is the first problem; nil when the log is intact.
	Break *Break
}

// Verify checks records streamed by next, in Seq order, from Seq 1 (or as
// the continuation of opts.Anchor). next returns ok=false at the end.
//
// The first record that does not verify stops it with a Break naming its
// Seq: a Seq that skips or repeats (a deleted, inserted or moved record), a
// PrevHash other than the previous record's Hash (a record before it removed
// or replaced), an unkeyed record after a keyed one (a record forged or
// rehashed by someone without the key), a key id not in opts.Keys, a Hash
// that does not match the record's content, or a Hash other than the
// checkpoint at that Seq (the chain re-linked from an earlier point). Checks
// run in that order, so deleting record 50 reports 51 as a gap rather than
// a broken link. At the end, a log shorter than the highest checkpoint was
// cut: the Break names the first missing Seq. err is only for next's errors.
func Verify(opts Options, next func() (Record, bool, error)) (Report, error) {
	var rep Report
	wantSeq, wantPrev := int64(1), ""
	keyed := false
	if a := opts.Anchor; a != nil {
		wantSeq, wantPrev, keyed = a.Seq+1, a.Hash, a.KeyID != ""
		rep.Last = *a
	}
	heads := map[int64]Checkpoint{}
	var top *Checkpoint
	for i, cp := range opts.Checkpoints {
		if old, ok := heads[cp.Seq]; !ok || cp.At.Before(old.At) {
			heads[cp.Seq] = cp
		}
		if top == nil || cp.Seq > top.Seq {
			top = &opts.Checkpoints[i]
		}
	}
	stop := func(seq int64, format string, args ...any) (Report, error) {
		rep.Break = &Break{Seq: seq, Reason: fmt.Sprintf(format, args...)}
		return rep, nil
	}
	for {
		r, ok, err := next()
		if err != nil {
			return rep, fmt.Errorf("audit verify: read record after seq %d: %w", wantSeq-1, err)
		}
		if !ok {
			break
		}
		switch {
		case r.Seq > wantSeq:
			return stop(r.Seq, "seq gap: want %d", wantSeq)
		case r.Seq < wantSeq:
			return stop(r.Seq, "seq repeats or goes back: want %d", wantSeq)
		case r.PrevHash != wantPrev:
			return stop(r.Seq, "prev_hash does not match the previous record's hash")
		}
		if r.KeyID == "" {
			if keyed {
				return stop(r.Seq, "unkeyed (v1) record after keyed records: written or rehashed by someone without the audit key")
			}
			if r.Hash != r.ComputeHash() {
				return stop(r.Seq, "hash does not match the record's content")
			}
			rep.Unkeyed++
		} else {
			var secret []byte
			if opts.Keys != nil {
				secret, ok = opts.Keys(r.KeyID)
			}
			if opts.Keys == nil || !ok {
				return stop(r.Seq, "signed with audit key %q, which is not in the keyring: add that key back (after the current one) to verify", r.KeyID)
			}
			if !hmac.Equal([]byte(r.Hash), []byte(r.ComputeMAC(secret))) {
				return stop(r.Seq, "hash does not match the record's content under key %q (edited, or rehashed without the key)", r.KeyID)
			}
			keyed = true
		}
		if cp, ok := heads[r.Seq]; ok {
			if cp.Head != r.Hash {
				return stop(r.Seq, "hash differs from the checkpoint of %s: the log was rewritten from this record or before", cp.At.UTC().Format(time.RFC3339))
			}
			rep.Checkpoints++
		}
		rep.Checked++
		rep.Last = r
		wantSeq, wantPrev = r.Seq+1, r.Hash
	}
	if top != nil && top.Seq >= wantSeq {
		return stop(wantSeq, "truncated: the checkpoint of %s counted %d records, the log ends at %d", top.At.UTC().Format(time.RFC3339), top.Seq, wantSeq-1)
	}
	return rep, nil
}

// Filter selects audit records for a search; zero fields do not filter.
type Filter struct {
	Actor, Action, Object string
	From, To              *time.Time
	Limit, Offset         int
}
