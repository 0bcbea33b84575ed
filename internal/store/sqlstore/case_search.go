package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/pii"
)

// The search box (Filter.Text, q= on GET /api/v1/cases) matches a case
// code, whole or its beginning; part of an address; and, for the posts that
// see contact details (Filter.TextPhone), a reporter's phone. Each kind has
// its own index, so a search reads only the cases it finds, never the whole
// table:
//
//   - codes are eleven digits (caseCode), so a prefix is the range from the
//     prefix padded with 0s to it padded with 9s on the unique code index,
//     which compares the same under any collation;
//   - addresses: a trigram index (SQLite's FTS5 trigram tokenizer in
//     case_address_fts, PostgreSQL's pg_trgm on cases.address; migration
//     00020). FTS5 needs three characters to use it: a one- or two-character
//     address search reads every address, which is why it is the only
//     slow shape (see BenchmarkCaseSearch);
//   - phones: only through the blind index reporter_phone_blind, an exact
//     match of the normalised number; no phone is ever decrypted to search.
//     The "<> ''" lets SQLite use its partial index, which leaves out the
//     cases without a phone.

// maxSearchRunes bounds the search text: an address is shorter.
const maxSearchRunes = 64

// codeLen is the length of every case code (caseCode).
const codeLen = 11

// textMatches returns a subquery of the ids (SQLite: rowids) of the cases
// f.Text matches, with its arguments added to w, or ok false when it can
// match nothing.
func (db *DB) textMatches(w *where, f casework.Filter) (sub string, ok bool) {
	text := strings.TrimSpace(f.Text)
	key := "id"
	if db.dialect == DialectSQLite {
		key = "rowid"
	}
	var parts []string
	mark := func(v any) string {
		w.args = append(w.args, v)
		return fmt.Sprintf("$%d", len(w.args))
	}
	if lo, hi, isCode := codeRange(text); isCode {
		parts = append(parts, fmt.Sprintf("SELECT %s AS mid FROM cases WHERE code BETWEEN %s AND %s", key, mark(lo), mark(hi)))
	}
	like := "%" + escapeLike(text) + "%"
	switch {
	case db.dialect == DialectSQLite && utf8.RuneCountInString(text) >= 3:
		parts = append(parts, "SELECT rowid AS mid FROM case_address_fts WHERE case_address_fts MATCH "+mark(ftsPhrase(text)))
	default:
		parts = append(parts, fmt.Sprintf(`SELECT %s AS mid FROM cases WHERE address LIKE %s ESCAPE '\'`, key, mark(like)))
	}
	if f.TextPhone {
		if k := db.keys.Load(); k != nil {
			if norm, isPhone := pii.PhoneQuery(text); isPhone {
				var marks []string
				for _, bk := range k.BlindKeys() {
					marks = append(marks, mark(pii.Blind(bk, norm)))
				}
				parts = append(parts, fmt.Sprintf("SELECT %s AS mid FROM cases WHERE reporter_phone_blind IN (%s) AND reporter_phone_blind <> ''", key, strings.Join(marks, ", ")))
			}
		}
	}
	return strings.Join(parts, " UNION "), len(parts) > 0
}

// codeRange is the range of codes beginning with text when text can begin
// one: one to eleven ASCII digits.
func codeRange(text string) (lo, hi string, ok bool) {
	if text == "" || len(text) > codeLen {
		return "", "", false
	}
	for i := 0; i < len(text); i++ {
		if text[i] < '0' || text[i] > '9' {
			return "", "", false
		}
	}
	pad := codeLen - len(text)
	return text + strings.Repeat("0", pad), text + strings.Repeat("9", pad), true
}

// escapeLike escapes LIKE's wildcards with a backslash (ESCAPE '\').
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// ftsPhrase quotes s as one FTS5 phrase: the trigram tokenizer then
// matches it as a substring, whatever operators or quotes it contains.
func ftsPhrase(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// findByText is FindCases for a filter with a search text: the filter's
// conditions and the text's matches, newest first (or by deadline).
func (db *DB) findByText(ctx context.Context, f casework.Filter, limit, offset int) ([]*casework.Case, int, error) {
	if utf8.RuneCountInString(f.Text) > maxSearchRunes {
		return nil, 0, errs.Invalid("搜索内容不能超过 %d 个字 / search at most %d characters", maxSearchRunes, maxSearchRunes).WithField("q", "a case code, part of an address or a phone number")
	}
	w, err := caseFilter(f)
	if err != nil {
		return nil, 0, err
	}
	sub, ok := db.textMatches(w, f)
	if !ok {
		return []*casework.Case{}, 0, nil
	}
	// The matches drive the query: each is read by its key and tested
	// against the filter, never a walk of a whole status or date index
	// testing each row against the matches (SQLite takes CROSS JOIN's
	// left side as the outer loop; PostgreSQL plans a join well).
	from := fmt.Sprintf("(%s) AS m JOIN cases ON cases.id = m.mid", sub)
	if db.dialect == DialectSQLite {
		from = fmt.Sprintf("(%s) AS m CROSS JOIN cases ON cases.rowid = m.mid", sub)
	}
	var total int64
	if err := db.queryRow(ctx, "SELECT COUNT(*) FROM "+from+w.String(), w.args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count cases matching %q: %w", f.Text, db.norm(err))
	}
	if total == 0 || offset >= int(total) {
		return []*casework.Case{}, int(total), nil
	}
	order := "reported_at DESC, id DESC"
	if f.SortByDue {
		order = "stage_due_at IS NULL, stage_due_at, id"
	}
	args := append(w.args, int64(limit), int64(offset))
	q := fmt.Sprintf("%s WHERE id IN (SELECT cases.id FROM %s%s ORDER BY %s LIMIT $%d OFFSET $%d) ORDER BY %s",
		caseSelect, from, w.String(), order, len(args)-1, len(args), order)
	list, err := db.queryCases(ctx, q, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("find cases matching %q: %w", f.Text, err)
	}
	return list, int(total), nil
}
