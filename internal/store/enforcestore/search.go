package enforcestore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"cityloop/internal/enforce"
	"cityloop/internal/store/sqlkit"
)

// The search index of published decisions (migration 00008) is each
// database's own full-text index over the [Terms] of a decision: an FTS5
// table on SQLite, a GIN-indexed tsvector on PostgreSQL. Both intersect
// posting lists in compressed form inside the database, where the term
// table it replaced probed a B-tree per candidate row (a query of two
// common words, 公司 占道, read 120,000 postings one by one: 199 ms at
// 1,000,000 decisions).
//
// Each indexed decision has an order key k: its decided_at in
// microseconds times keyStride, plus a slot for decisions of the same
// microsecond (imports often share a date). Newest first is k descending,
// which both indexes read without sorting the matches, and a period is a
// range of k. Within one microsecond the slots follow insertion, not
// case_id, so a page is cut from whole microseconds and sorted exactly.

// keyStride is the number of decisions one microsecond can index.
const keyStride = 1024

// keyOf is the first order key of decided (microseconds).
func keyOf(decided int64) int64 { return decided * keyStride }

// instantOf is the decided microsecond of order key k.
func instantOf(k int64) int64 {
	q := k / keyStride
	if k%keyStride != 0 && k < 0 {
		q--
	}
	return q
}

// districtTerm is the term of a decision's district, so that a district
// narrows a search inside the index. Hex keeps codes of any form a single
// token of the FTS5 tokenizer (letters, digits and ':').
func districtTerm(code string) string { return "d:" + hex.EncodeToString([]byte(code)) }

// indexDecision (re)writes the index entry of a published decision from
// its stored publication: the terms of its number, code and masked party
// label, its violation and its district. The violation's name is recorded
// once for query parsing ([queryUnits]).
func (db *DB) indexDecision(ctx context.Context, tx *sql.Tx, caseID string) error {
	var number, code, party, violation, name, district string
	var decided int64
	if err := tx.QueryRowContext(ctx, `SELECT number, code, party_label, violation, violation_name, district, decided_at
FROM enforce_disclosures WHERE case_id = $1`, caseID).Scan(&number, &code, &party, &violation, &name, &district, &decided); err != nil {
		return fmt.Errorf("read publication %s to index: %w", caseID, err)
	}
	if err := db.unindexDecision(ctx, tx, caseID); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_violations (violation, name) VALUES ($1, $2)
ON CONFLICT (violation) DO NOTHING`, violation, strings.ToLower(name)); err != nil {
		return fmt.Errorf("record violation %s: %w", violation, err)
	}
	terms := indexTerms(number, code, party, violation, district)
	base := keyOf(decided)
	var next sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(k) + 1 FROM enforce_disclosure_keys WHERE k >= $1 AND k < $2`,
		base, base+keyStride).Scan(&next); err != nil {
		return fmt.Errorf("order key of %s: %w", caseID, err)
	}
	k := base
	if next.Valid {
		k = next.Int64
	}
	if k >= base+keyStride {
		return fmt.Errorf("index publication %s: more than %d decisions dated the same microsecond", caseID, keyStride)
	}
	args := make([]any, len(terms))
	for i, t := range terms {
		args[i] = t
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_vocab (term) VALUES `+sqlkit.Placeholders(len(terms), 1, 1)+
		` ON CONFLICT DO NOTHING`, args...); err != nil {
		return fmt.Errorf("index publication %s: %w", caseID, err)
	}
	doc := strings.Join(terms, " ")
	if db.dialect == DialectPostgres {
		_, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_keys (k, case_id, doc)
VALUES ($1, $2, array_to_tsvector(string_to_array($3, ' ')))`, k, caseID, doc)
		if err != nil {
			return fmt.Errorf("index publication %s: %w", caseID, err)
		}
		return nil
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_keys (k, case_id) VALUES ($1, $2)`, k, caseID); err != nil {
		return fmt.Errorf("index publication %s: %w", caseID, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO enforce_disclosure_fts (rowid, terms) VALUES ($1, $2)`, k, doc); err != nil {
		return fmt.Errorf("index publication %s: %w", caseID, err)
	}
	return nil
}

// indexTerms are the terms a decision is indexed under.
func indexTerms(number, code, party, violation, district string) []string {
	return append(Terms(number, code, party), violationTerm(violation), districtTerm(district))
}

// unindexDecision removes a decision from the search index, if there.
func (db *DB) unindexDecision(ctx context.Context, tx *sql.Tx, caseID string) error {
	var k int64
	err := tx.QueryRowContext(ctx, `DELETE FROM enforce_disclosure_keys WHERE case_id = $1 RETURNING k`, caseID).Scan(&k)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("unindex publication %s: %w", caseID, err)
	}
	if db.dialect == DialectSQLite {
		if _, err := tx.ExecContext(ctx, `DELETE FROM enforce_disclosure_fts WHERE rowid = $1`, k); err != nil {
			return fmt.Errorf("unindex publication %s: %w", caseID, err)
		}
	}
	return nil
}

// ftsQuery is the FTS5 MATCH expression of units (and a district), every
// term a quoted string so that nothing the public types is syntax.
func ftsQuery(units []unit, district string) string {
	q := func(t string) string { return `"` + strings.ReplaceAll(t, `"`, `""`) + `"` }
	parts := make([]string, 0, len(units)+1)
	for _, u := range units {
		switch {
		case u.prefix != "":
			parts = append(parts, q(u.prefix)+"*")
		case len(u.terms) == 1:
			parts = append(parts, q(u.terms[0]))
		default:
			alt := make([]string, len(u.terms))
			for i, t := range u.terms {
				alt[i] = q(t)
			}
			parts = append(parts, "("+strings.Join(alt, " OR ")+")")
		}
	}
	if district != "" {
		parts = append(parts, q(districtTerm(district)))
	}
	return strings.Join(parts, " AND ")
}

// tsQuery is the same expression as a PostgreSQL tsquery literal (cast
// with ::tsquery, which takes quoted lexemes as they are).
func tsQuery(units []unit, district string) string {
	q := func(t string) string {
		return `'` + strings.NewReplacer(`'`, `''`, `\`, `\\`).Replace(t) + `'`
	}
	parts := make([]string, 0, len(units)+1)
	for _, u := range units {
		switch {
		case u.prefix != "":
			parts = append(parts, q(u.prefix)+":*")
		case len(u.terms) == 1:
			parts = append(parts, q(u.terms[0]))
		default:
			alt := make([]string, len(u.terms))
			for i, t := range u.terms {
				alt[i] = q(t)
			}
			parts = append(parts, "("+strings.Join(alt, " | ")+")")
		}
	}
	if district != "" {
		parts = append(parts, q(districtTerm(district)))
	}
	return strings.Join(parts, " & ")
}

// searchWords answers a search with words: the count and one page of the
// matching published decisions, newest decision first (ties by case_id,
// descending), from the index.
func (db *DB) searchWords(ctx context.Context, q enforce.DisclosureQuery, limit, offset int) ([]enforce.Disclosure, int, error) {
	vs, err := db.violationNames(ctx)
	if err != nil {
		return nil, 0, err
	}
	out := []enforce.Disclosure{}
	units := queryUnits(q.Q, vs)
	if len(units) == 0 {
		return out, 0, nil
	}
	for i, u := range units {
		if u.prefix == "" {
			continue
		}
		terms, err := db.expand(ctx, u.prefix)
		if err != nil {
			return nil, 0, err
		}
		switch {
		case terms == nil: // too many: the index expands it
		case len(terms) == 0:
			return out, 0, nil // no term has it: nothing matches
		default:
			units[i] = unit{terms: terms}
		}
	}
	var from string
	var args []any
	if db.dialect == DialectPostgres {
		args = append(args, tsQuery(units, q.District))
		from = `FROM enforce_disclosure_keys WHERE doc @@ $1::tsquery`
	} else {
		args = append(args, ftsQuery(units, q.District))
		from = `FROM enforce_disclosure_fts WHERE enforce_disclosure_fts MATCH $1`
	}
	key := "k"
	if db.dialect == DialectSQLite {
		key = "rowid"
	}
	if q.From != nil {
		args = append(args, keyOf(sqlkit.Micros(*q.From)))
		from += fmt.Sprintf(" AND %s >= $%d", key, len(args))
	}
	if q.To != nil {
		args = append(args, keyOf(sqlkit.Micros(*q.To)))
		from += fmt.Sprintf(" AND %s < $%d", key, len(args))
	}
	var total int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) `+from, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count disclosures: %w", sqlkit.Norm(err))
	}
	if total == 0 || offset >= total {
		return out, total, nil
	}
	keys, err := db.orderKeys(ctx, `SELECT `+key+` `+from+` ORDER BY `+key+fmt.Sprintf(` DESC LIMIT %d`, offset+limit), args)
	if err != nil {
		return nil, 0, err
	}
	if len(keys) <= offset {
		return out, total, nil // withdrawn meanwhile
	}
	// Cut the page from whole microseconds: back to the first key of the
	// page's first instant, on to the last key of its last instant (the
	// rest of which may lie beyond the LIMIT).
	lo := offset
	for lo > 0 && instantOf(keys[lo-1]) == instantOf(keys[offset]) {
		lo--
	}
	last := keys[len(keys)-1]
	more, err := db.orderKeys(ctx, `SELECT `+key+` `+from+fmt.Sprintf(` AND %s >= $%d AND %s < $%d`, key, len(args)+1, key, len(args)+2),
		append(args, keyOf(instantOf(last)), last))
	if err != nil {
		return nil, 0, err
	}
	window := append(keys[lo:], more...)
	rows, err := db.r.QueryContext(ctx, `SELECT `+pubColumns+` FROM enforce_disclosure_keys x JOIN enforce_disclosures d ON d.case_id = x.case_id
WHERE x.k IN (`+sqlkit.List(len(window), 1)+`) ORDER BY d.decided_at DESC, d.case_id DESC`, int64s(window)...)
	if err != nil {
		return nil, 0, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	for i := lo; rows.Next(); i++ {
		d, err := scanDisclosure(rows)
		if err != nil {
			return nil, 0, err
		}
		if i >= offset && len(out) < limit {
			out = append(out, d)
		}
	}
	return out, total, sqlkit.Norm(rows.Err())
}

// maxExpand bounds the whole terms a prefix becomes (2025 stands for 2025
// and a hundred case-code runs 2025xx); a broader prefix
// (one digit) is left to the index, slower but rare.
const maxExpand = 256

// expand lists the indexed terms with prefix p, nil when more than
// maxExpand. Violation and district terms ("v:…", "d:…") are never a
// typed word's: a query "v" does not find every violation.
func (db *DB) expand(ctx context.Context, p string) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT term FROM enforce_disclosure_vocab WHERE term >= $1 AND term < $2 ORDER BY term LIMIT $3`,
		p, p+string(utf8.MaxRune), maxExpand+1)
	if err != nil {
		return nil, fmt.Errorf("expand search prefix: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	terms := []string{}
	n := 0
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, fmt.Errorf("expand search prefix: %w", sqlkit.Norm(err))
		}
		if n++; !strings.Contains(t, ":") {
			terms = append(terms, t)
		}
	}
	if n > maxExpand {
		return nil, sqlkit.Norm(rows.Err())
	}
	return terms, sqlkit.Norm(rows.Err())
}

// orderKeys runs a query of order keys.
func (db *DB) orderKeys(ctx context.Context, query string, args []any) ([]int64, error) {
	rows, err := db.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("search disclosures: %w", sqlkit.Norm(err))
		}
		out = append(out, k)
	}
	return out, sqlkit.Norm(rows.Err())
}

func int64s(v []int64) []any {
	out := make([]any, len(v))
	for i, x := range v {
		out[i] = x
	}
	return out
}
