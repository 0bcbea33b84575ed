package audit

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// Checkpoint is a signed statement that the log held Seq records with Head
// as the Hash of the last, at At. Checkpoints live where whoever writes the
// database cannot rewrite them alone (an append-only file in the data
// directory, the hub's outbox that partners copy), so [Verify] can tell a
// log cut short (fewer records than a checkpoint counted) or re-linked (a
// different hash at a checkpointed Seq) even by someone who could write
// every row.
type Checkpoint struct {
	Seq   int64     `json:"seq"`
	Head  string    `json:"head"`
	At    time.Time `json:"at"`
	Node  string    `json:"node,omitempty"` // the node that wrote it
	KeyID string    `json:"key"`
	Sig   string    `json:"sig"` // hex HMAC-SHA256, see [SignCheckpoint]
}

const checkpointDomain = "cityloop.audit.checkpoint.v1"

func (cp Checkpoint) mac(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	writeField(m, checkpointDomain)
	writeField(m, cp.KeyID)
	var seq [8]byte
	binary.BigEndian.PutUint64(seq[:], uint64(cp.Seq))
	m.Write(seq[:])
	writeField(m, cp.Head)
	writeField(m, cp.At.UTC().Format(time.RFC3339Nano))
	writeField(m, cp.Node)
	return hex.EncodeToString(m.Sum(nil))
}

// SignCheckpoint returns a checkpoint of head (the last record of the log
// as its writer knows it) signed with key.
func SignCheckpoint(head Record, at time.Time, node string, key Key) (Checkpoint, error) {
	if key.ID == "" || len(key.Secret) == 0 {
		return Checkpoint{}, ErrNoKey
	}
	cp := Checkpoint{Seq: head.Seq, Head: head.Hash, At: at.UTC().Truncate(time.Microsecond), Node: node, KeyID: key.ID}
	cp.Sig = cp.mac(key.Secret)
	return cp, nil
}

// Check reports whether the signature holds under keys.
func (cp Checkpoint) Check(keys KeyFunc) error {
	if keys == nil {
		return fmt.Errorf("checkpoint of seq %d: no keys to check it with", cp.Seq)
	}
	secret, ok := keys(cp.KeyID)
	if !ok {
		return fmt.Errorf("checkpoint of seq %d is signed with key %q, which is not in the keyring", cp.Seq, cp.KeyID)
	}
	if !hmac.Equal([]byte(cp.Sig), []byte(cp.mac(secret))) {
		return fmt.Errorf("checkpoint of seq %d does not authenticate: forged or altered", cp.Seq)
	}
	return nil
}

// ErrBadCheckpoint wraps every problem [ReadCheckpoints] finds in a file.
var ErrBadCheckpoint = errors.New("audit checkpoint file is damaged or forged")

// ReadCheckpoints reads one JSON checkpoint per line and checks each
// signature. A line that does not parse or authenticate is an error wrapping
// [ErrBadCheckpoint] and naming the line: the file is only ever appended to
// by CityLoop, so it means tampering or a wrong keyring. The one exception
// is a last line without its newline, which a crash mid-write leaves; it is
// skipped.
func ReadCheckpoints(r io.Reader, keys KeyFunc) ([]Checkpoint, error) {
	br := bufio.NewReader(r)
	var out []Checkpoint
	for n := 1; ; n++ {
		line, err := br.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return out, fmt.Errorf("read audit checkpoints: %w", err)
		}
		torn := errors.Is(err, io.EOF)
		line = bytes.TrimSpace(line)
		if len(line) > 0 {
			var cp Checkpoint
			bad := json.Unmarshal(line, &cp)
			if bad == nil {
				bad = cp.Check(keys)
			}
			switch {
			case bad == nil:
				out = append(out, cp)
			case !torn:
				return out, fmt.Errorf("%w: line %d: %w", ErrBadCheckpoint, n, bad)
			}
		}
		if torn {
			return out, nil
		}
	}
}

// ReadCheckpointFile is [ReadCheckpoints] on a file; a missing file holds
// no checkpoints.
func ReadCheckpointFile(path string, keys KeyFunc) ([]Checkpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open audit checkpoints: %w", err)
	}
	defer f.Close()
	return ReadCheckpoints(f, keys)
}

// AppendCheckpoint adds cp as one line to the file at path (created with
// mode 0600), opened for appending only and synced before it returns.
func AppendCheckpoint(path string, cp Checkpoint) error {
	b, err := json.Marshal(cp)
	if err != nil {
		return fmt.Errorf("encode audit checkpoint: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open audit checkpoints: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("append audit checkpoint to %s: %w", path, err)
	}
	return nil
}
