package enforcestore

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"cityloop/internal/enforce"
	"cityloop/internal/pii"
)

// sealedPrefix starts every sealed value (pii's format); anything else was
// stored before a keyring was set.
const sealedPrefix = "v1:"

func partyAAD(caseID, field string) string { return "enforce/party/" + caseID + "/" + field }

// partyKeys are the keys a party's identity number may be stored under:
// the HMAC under each blind key of the keyring, current first, or a plain
// SHA-256 without a keyring. A key is never the number itself. A person
// without a number cannot be told apart, so enforce.PartyDetail.Validate
// requires one.
func (db *DB) partyKeys(identity string) []string {
	identity = strings.ToUpper(strings.Join(strings.Fields(identity), ""))
	if identity == "" {
		return nil
	}
	if db.keys == nil {
		h := sha256.Sum256([]byte("cityloop/enforce/party:" + identity))
		return []string{"h:" + hex.EncodeToString(h[:])}
	}
	var out []string
	for _, k := range db.keys.BlindKeys() {
		out = append(out, "b:"+pii.Blind(k, identity))
	}
	return out
}

// sealParty returns the party's fields as stored, in the column order of
// enforce_parties (name, id_number, uscc, representative, phone, address).
func (db *DB) sealParty(caseID string, p enforce.PartyDetail) ([]any, error) {
	fields := []struct{ name, v string }{{"name", p.Name}, {"id_number", p.IDNumber}, {"uscc", p.USCC},
		{"representative", p.Representative}, {"phone", p.Phone}, {"address", p.Address}}
	out := make([]any, len(fields))
	for i, f := range fields {
		out[i] = f.v
		if db.keys == nil || f.v == "" {
			continue
		}
		s, err := db.keys.Encrypt(f.v, partyAAD(caseID, f.name))
		if err != nil {
			return nil, fmt.Errorf("seal party %s of case %s: %w", f.name, caseID, err)
		}
		out[i] = s
	}
	return out, nil
}

// openValue opens one sealed field. A value that cannot be opened (a lost
// key) reads as empty rather than making the case unreadable, as sqlstore
// treats reporters' contacts.
func (db *DB) openValue(caseID, field, stored string) string {
	if !strings.HasPrefix(stored, sealedPrefix) {
		return stored
	}
	if db.keys == nil {
		return ""
	}
	plain, err := db.keys.Decrypt(stored, partyAAD(caseID, field))
	if err != nil {
		return ""
	}
	return plain
}
