package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"
)

// Action is an act on evidence that the chain of custody records.
type Action string

// Custody actions.
const (
	Uploaded Action = "uploaded" // 上传：the file arrived whole and was hashed
	Viewed   Action = "viewed"   // 调阅：content shown to a person
	Exported Action = "exported" // 导出：content handed out as a file
	Linked   Action = "linked"   // 关联：bound to a step or document of the case
)

// Name is the action's Chinese and English name.
func (a Action) Name() [2]string {
	switch a {
	case Uploaded:
		return [2]string{"上传", "uploaded"}
	case Viewed:
		return [2]string{"调阅", "viewed"}
	case Exported:
		return [2]string{"导出", "exported"}
	case Linked:
		return [2]string{"关联", "linked"}
	}
	return [2]string{string(a), string(a)}
}

// Genesis is the previous hash of a case's first entry.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// Entry is one link of a case's chain of custody. Seq counts from 1 per
// case; Prev is the Hash of entry Seq-1 (Genesis for the first); Hash
// covers every other field, so changing any of them, or removing or
// inserting an entry, breaks the chain at that point.
type Entry struct {
	CaseID     string    `json:"case_id"`
	Seq        int64     `json:"seq"`
	At         time.Time `json:"at"`
	Actor      string    `json:"actor"` // account id
	Action     Action    `json:"action"`
	EvidenceID string    `json:"evidence_id"`
	// Detail is a small JSON object: the hashes on upload, the purpose of
	// an export, the step a file was linked to.
	Detail string `json:"detail"`
	Prev   string `json:"prev_hash"`
	Hash   string `json:"hash"`
}

// Seal makes draft the entry after prev (nil: the case's first entry):
// it sets Seq, Prev and Hash, and rounds At to the microsecond the stores
// keep, so that a stored entry hashes the same when read back.
func Seal(prev *Entry, draft Entry) Entry {
	draft.At = draft.At.UTC().Truncate(time.Microsecond)
	draft.Seq, draft.Prev = 1, Genesis
	if prev != nil {
		draft.Seq, draft.Prev = prev.Seq+1, prev.Hash
	}
	if draft.Detail == "" {
		draft.Detail = "{}"
	}
	draft.Hash = digest(draft)
	return draft
}

// digest hashes every field but Hash, each length-prefixed so that no two
// different entries encode alike.
func digest(e Entry) string {
	h := sha256.New()
	h.Write([]byte("cityloop/custody/v1"))
	for _, f := range []string{e.CaseID, strconv.FormatInt(e.Seq, 10), strconv.FormatInt(e.At.UTC().UnixMicro(), 10),
		e.Actor, string(e.Action), e.EvidenceID, e.Detail, e.Prev} {
		h.Write([]byte("\n" + strconv.Itoa(len(f)) + ":" + f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// BreakError names the first entry at which a chain does not hold.
type BreakError struct {
	CaseID     string `json:"case_id"`
	Seq        int64  `json:"seq"`
	EvidenceID string `json:"evidence_id,omitempty"`
	Reason     string `json:"reason"`
}

func (e *BreakError) Error() string {
	return fmt.Sprintf("custody chain of case %s broken at entry %d: %s", e.CaseID, e.Seq, e.Reason)
}

// Verify walks a case's chain, oldest first, and returns a *BreakError
// naming the first entry that was altered (its hash does not cover its
// fields), removed (a gap in Seq) or inserted or reordered (its Prev is
// not its predecessor's Hash); nil when every link holds. An empty chain
// holds.
func Verify(chain []Entry) error {
	prev := Genesis
	for i, e := range chain {
		want := int64(i + 1)
		brk := func(reason string) error {
			return &BreakError{CaseID: e.CaseID, Seq: e.Seq, EvidenceID: e.EvidenceID, Reason: reason}
		}
		switch {
		case i > 0 && e.CaseID != chain[0].CaseID:
			return brk("entry of another case " + e.CaseID)
		case e.Seq != want:
			return brk(fmt.Sprintf("sequence %d where %d was expected: an entry was removed or inserted", e.Seq, want))
		case e.Prev != prev:
			return brk("previous hash does not match the entry before it")
		case digest(e) != e.Hash:
			return brk("hash does not match the entry's contents: the entry was altered")
		}
		prev = e.Hash
	}
	return nil
}

// Mismatch is an item whose row disagrees with its "uploaded" entry.
type Mismatch struct {
	EvidenceID string `json:"evidence_id"`
	Reason     string `json:"reason"`
}

// CheckItems compares each item's recorded hashes, size and officer with
// the "uploaded" entry that sealed them into the chain, which Verify has
// checked: an item row edited after the fact, or one with no entry, is
// listed.
func CheckItems(items []Item, chain []Entry) []Mismatch {
	up := map[string]Entry{}
	for _, e := range chain {
		if e.Action == Uploaded {
			up[e.EvidenceID] = e
		}
	}
	var out []Mismatch
	for _, it := range items {
		e, ok := up[it.ID]
		if !ok {
			out = append(out, Mismatch{it.ID, "no upload entry in the chain of custody"})
			continue
		}
		if want := uploadDetail(it); e.Detail != want || e.Actor != it.OfficerID {
			out = append(out, Mismatch{it.ID, "the evidence record differs from what its upload entry sealed (hash, size, type or officer)"})
		}
	}
	return out
}

// uploadDetail is the Detail of an item's "uploaded" entry: what must not
// change afterwards.
func uploadDetail(it Item) string {
	return `{"sha256":"` + it.SHA256 + `","size":` + strconv.FormatInt(it.Size, 10) +
		`,"stored_sha256":"` + it.StoredSHA256 + `","stored_size":` + strconv.FormatInt(it.StoredSize, 10) +
		`,"mime":"` + it.MIME + `","kind":"` + string(it.Kind) + `"}`
}
