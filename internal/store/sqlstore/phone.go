package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"cityloop/internal/casework"
	"cityloop/internal/pii"
)

// The phone's blind index (column reporter_phone_blind) is
// pii.Blind(keyring.BlindKey(), pii.NormalizePhone(phone)). The key is
// derived from the personal-data keyring's current key rather than kept as a
// separate secret: it then lives, is backed up and rotates with the keys
// that seal the phone itself, and ResealContacts recomputes the index when
// it re-seals. During a rotation FindCasesByPhone tries the blind keys of
// every key in the ring. Without a keyring phones are stored as given and
// no index is kept, so FindCasesByPhone finds nothing.

// blindPhone is the blind index of phone under the current key, or "".
func (db *DB) blindPhone(phone string) string {
	k := db.keys.Load()
	if k == nil {
		return ""
	}
	return pii.Blind(k.BlindKey(), pii.NormalizePhone(phone))
}

// maxPhoneCases bounds FindCasesByPhone.
const maxPhoneCases = 200

// FindCasesByPhone returns the cases reported from phone (in any common
// spelling: spaces, dashes, +86), newest report first, at most limit
// (default 50, at most 200). It matches the blind index only and never
// decrypts another case's phone.
func (db *DB) FindCasesByPhone(ctx context.Context, phone string, limit int) ([]*casework.Case, error) {
	k := db.keys.Load()
	norm := pii.NormalizePhone(phone)
	if k == nil || norm == "" {
		return []*casework.Case{}, nil
	}
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, maxPhoneCases)
	var (
		args  []any
		marks []string
	)
	for _, key := range k.BlindKeys() {
		args = append(args, pii.Blind(key, norm))
		marks = append(marks, fmt.Sprintf("$%d", len(args)))
	}
	args = append(args, int64(limit))
	q := fmt.Sprintf("%s WHERE reporter_phone_blind IN (%s) ORDER BY reported_at DESC, id DESC LIMIT $%d",
		caseSelect, strings.Join(marks, ", "), len(args))
	list, err := db.queryCases(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("find cases by phone: %w", err)
	}
	return list, nil
}
