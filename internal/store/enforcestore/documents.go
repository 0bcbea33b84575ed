package enforcestore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/enforce/document"
	"cityloop/internal/errs"
	"cityloop/internal/store/sqlkit"
)

// errIssuedMeanwhile rolls back an issue that lost the race to another
// node issuing the same document: its counter step is undone with it.
var errIssuedMeanwhile = errors.New("document number issued meanwhile")

// IssueDocNumber returns the number of document code of case caseID,
// issuing it on the first call and returning the same number ever after
// (文号 are given once). A new number takes the next sequence of the
// counter (prefix, year) in the same transaction that records it, and
// format turns the sequence into the number as printed. With prefix ""
// no counter is taken: format(0) is a number fixed elsewhere (one an
// officer typed for a decision), recorded as it is.
//
// Two callers issuing the same document at once get the same number: the
// loser's transaction is rolled back, counter step included, and it reads
// the winner's number, so the sequence has no gap.
func (db *DB) IssueDocNumber(ctx context.Context, caseID, code, prefix string, year int, at time.Time, format func(seq int) (string, error)) (string, error) {
	if caseID == "" || code == "" || format == nil {
		return "", errs.Invalid("文书编号需要案件、文书代码与格式 / a document number needs the case, the code and a format")
	}
	var number string
	err := db.tx(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `SELECT number FROM enforce_documents WHERE case_id = $1 AND code = $2`, caseID, code).Scan(&number)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read document number: %w", err)
		}
		seq := 0
		if prefix != "" {
			if err := tx.QueryRowContext(ctx, `INSERT INTO enforce_doc_counters (prefix, year, last) VALUES ($1, $2, 1)
ON CONFLICT (prefix, year) DO UPDATE SET last = enforce_doc_counters.last + 1 RETURNING last`, prefix, year).Scan(&seq); err != nil {
				return fmt.Errorf("take the next number of %s %d: %w", prefix, year, err)
			}
		}
		n, err := format(seq)
		if err != nil {
			return err
		}
		if strings.TrimSpace(n) == "" {
			return fmt.Errorf("format of document %s gave an empty number", code)
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO enforce_documents (case_id, code, number, prefix, year, seq, issued_at)
VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (case_id, code) DO NOTHING`, caseID, code, n, prefix, year, seq, sqlkit.Micros(at))
		if err != nil {
			// (case_id, code) cannot clash here (ON CONFLICT), so a
			// constraint left is the foreign key: no such case.
			if errs.Is(sqlkit.Norm(err), errs.KindConflict) {
				return errs.NotFound("没有执法案件 %s / no penalty case %s", caseID, caseID)
			}
			return fmt.Errorf("record document number: %w", err)
		}
		if k, err := res.RowsAffected(); err != nil {
			return err
		} else if k == 0 {
			return errIssuedMeanwhile
		}
		number = n
		if code == string(document.PenaltyDecision) {
			return discloseNumber(ctx, tx, caseID, n)
		}
		return nil
	})
	if errors.Is(err, errIssuedMeanwhile) {
		if err := db.w.QueryRowContext(ctx, `SELECT number FROM enforce_documents WHERE case_id = $1 AND code = $2`, caseID, code).Scan(&number); err != nil {
			return "", fmt.Errorf("read document number of %s %s: %w", caseID, code, sqlkit.Norm(err))
		}
		return number, nil
	}
	if err != nil {
		return "", fmt.Errorf("issue document number %s of %s: %w", code, caseID, err)
	}
	return number, nil
}

// discloseNumber gives the publication of a case's decision the 文号 its
// 决定书 was issued with, in the transaction that issues it: the public
// listing and the hub show the number printed on the decision, never the
// case number that stood in for it. A published decision is indexed under
// the new number too and fed to the hub again.
func discloseNumber(ctx context.Context, tx *sql.Tx, caseID, number string) error {
	var state, violation, name, district string
	var decided int64
	err := tx.QueryRowContext(ctx, `UPDATE enforce_disclosures SET number = $2, fed = 0 WHERE case_id = $1 AND number <> $2
RETURNING state, violation, violation_name, district, decided_at`, caseID, number).Scan(&state, &violation, &name, &district, &decided)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // nothing published (an exemption), or the number was already this one
	}
	if err != nil {
		return fmt.Errorf("publish the decision number of %s: %w", caseID, err)
	}
	if state != string(enforce.PubPublished) {
		return nil // indexed when released
	}
	return writeTerms(ctx, tx, caseID, sqlkit.Time(decided), district, violation, name, number)
}

// DocNumbers lists the numbers issued to a case's documents, by code.
func (db *DB) DocNumbers(ctx context.Context, caseID string) (map[string]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT code, number FROM enforce_documents WHERE case_id = $1`, caseID)
	if err != nil {
		return nil, fmt.Errorf("read document numbers of %s: %w", caseID, sqlkit.Norm(err))
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var code, number string
		if err := rows.Scan(&code, &number); err != nil {
			return nil, fmt.Errorf("read document numbers of %s: %w", caseID, sqlkit.Norm(err))
		}
		out[code] = number
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read document numbers of %s: %w", caseID, sqlkit.Norm(err))
	}
	return out, nil
}
