package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
)

var _ casework.TallyStore = (*DB)(nil)

// factSQL is each casework.Fact as a condition on the cases row. It must
// mean what Fact.Holds means; the contract suite checks the two against
// each other on random case histories. The texts are constants (no input
// reaches them), written to be true or false, never NULL, so that NOT
// negates them on both dialects.
var factSQL = map[casework.Fact]string{
	casework.FactFiled:          "filed_at IS NOT NULL",
	casework.FactVoided:         "status = 'voided'",
	casework.FactRejected:       "status = 'rejected'",
	casework.FactMerged:         "status = 'merged'",
	casework.FactDispatched:     "dispatched_at IS NOT NULL",
	casework.FactAccurateDisp:   "(dispatched_at IS NOT NULL AND return_count = shirk_count)",
	casework.FactDisposed:       "disposed_at IS NOT NULL",
	casework.FactDisposedOnTime: "(disposed_at IS NOT NULL AND NOT disposed_late)",
	casework.FactDisposedLate:   "(disposed_at IS NOT NULL AND disposed_late)",
	casework.FactOverdue:        "overdue",
	casework.FactDueToClose:     "(status NOT IN ('suspended', 'voided', 'rejected', 'merged') AND (disposed_at IS NOT NULL OR overdue))",
	casework.FactClosed:         "status = 'closed'",
	casework.FactClosedOnTime:   "(status = 'closed' AND NOT closed_late)",
	casework.FactClosedLate:     "(status = 'closed' AND closed_late)",
	casework.FactSuspended:      "status = 'suspended'",
	casework.FactReworked:       "rework_count > 0",
	casework.FactReturned:       "return_count > 0",
	casework.FactShirked:        "shirk_count > 0",
	casework.FactExtended:       "extension_count > 0",
	casework.FactUrged:          "urge_count > 0",
	casework.FactSelfHandled:    "self_handled",
	casework.FactRated:          "satisfaction <> ''",
	casework.FactSatisfied:      "satisfaction IN ('satisfied', 'basic')",
	casework.FactRecurrent:      "recurrence_of <> ''",
	casework.FactAutomatic:      "source IN ('camera', 'sensor')",
	casework.FactPublic:         "source IN ('citizen', 'hotline')",
	casework.FactPatrol:         "source = 'patrol'",
	// The stage record's bit sets (casework/stages.go); "&" is the same
	// on both dialects.
	casework.FactVerifySent:       stageSeen(casework.StageBitVerify),
	casework.FactVerifySentOnTime: "(" + stageSeen(casework.StageBitVerify) + " AND " + stageNotLate(casework.StageBitAccept) + ")",
	casework.FactVerifyDue:        stageDueSQL(casework.StageBitVerify),
	casework.FactVerifiedOnTime:   stageOnTimeSQL(casework.StageBitVerify),
	casework.FactCheckDue:         stageDueSQL(casework.StageBitCheck),
	casework.FactCheckedOnTime:    stageOnTimeSQL(casework.StageBitCheck),
	casework.FactFilingTimed:      "(filed_at IS NOT NULL AND " + stageDueSQL(casework.StageBitFile) + ")",
	casework.FactFiledOnTime:      "(filed_at IS NOT NULL AND " + stageOnTimeSQL(casework.StageBitFile) + ")",
	casework.FactDispatchDue:      stageDueSQL(casework.StageBitDispatch),
	casework.FactDispatchedOnTime: stageOnTimeSQL(casework.StageBitDispatch),
}

// The stage record's tests, each in parentheses so that NOT negates the
// whole of it.
func stageSeen(bit int) string { return fmt.Sprintf("((stages_seen & %d) <> 0)", bit) }

func stageNotLate(bit int) string { return fmt.Sprintf("((stages_late & %d) = 0)", bit) }

func stageDueSQL(bit int) string {
	return fmt.Sprintf("(((stages_done | stages_late) & %d) <> 0)", bit)
}

func stageOnTimeSQL(bit int) string {
	return fmt.Sprintf("((stages_done & %d) <> 0 AND (stages_late & %d) = 0)", bit, bit)
}

// predicateSQL is p as one condition ("TRUE" for the empty predicate).
func predicateSQL(p casework.Predicate) (string, error) {
	if len(p) == 0 {
		return "1 = 1", nil
	}
	parts := make([]string, len(p))
	for i, t := range p {
		c, ok := factSQL[t.Fact]
		if !ok {
			return "", errs.Invalid("unknown case condition %q", string(t.Fact)).WithField("is", "unknown condition")
		}
		if t.Not {
			c = "NOT " + c
		}
		parts[i] = c
	}
	return "(" + strings.Join(parts, " AND ") + ")", nil
}

// TallyCases counts, in one aggregate query over the cases matching
// q.Filter (scope included, through caseFilter like every list), the cases
// of each predicate in q.Sets, per unit of q.GroupBy. Because the list
// filter's Is goes through the same predicateSQL, following a figure's
// list query totals exactly the figure. Units without cases have no row.
//
// When the rollups can answer q exactly (planRollup: whole rollup days,
// measures they keep, a jurisdiction that covers whole units) it sums
// them; otherwise it counts the raw cases (rawTally). Both give the same
// rows, which the contract suite checks on random case histories.
func (db *DB) TallyCases(ctx context.Context, q casework.TallyQuery) ([]casework.TallyRow, error) {
	if q.GroupBy != "" && !slices.Contains(casework.TallyGroups, q.GroupBy) {
		return nil, errs.Invalid("cannot group indicators by %q", q.GroupBy).WithField("level", "must be one of "+strings.Join(casework.TallyGroups, ", "))
	}
	if p, ok := planRollup(q); ok {
		return db.tallyRollups(ctx, p)
	}
	return db.rawTally(ctx, q)
}

// rawTally is TallyCases over the raw cases: one aggregate query.
func (db *DB) rawTally(ctx context.Context, q casework.TallyQuery) ([]casework.TallyRow, error) {
	f := q.Filter
	f.Light, f.SortByDue = "", false
	w, err := caseFilter(f)
	if err != nil {
		return nil, err
	}
	key := "''"
	if q.GroupBy != "" {
		key = q.GroupBy // one of TallyGroups, checked above
	}
	var sel strings.Builder
	sel.WriteString("SELECT " + key + ", COUNT(*)")
	for _, p := range q.Sets {
		c, err := predicateSQL(p)
		if err != nil {
			return nil, err
		}
		sel.WriteString(", COALESCE(SUM(CASE WHEN " + c + " THEN 1 ELSE 0 END), 0)")
	}
	// Seconds per case, so that a year of a big city's sum stays far inside
	// 64 bits; CAST because PostgreSQL sums bigints into numeric.
	sel.WriteString(", CAST(COALESCE(SUM(CASE WHEN dispatched_at IS NOT NULL THEN (dispatched_at - reported_at) / 1000000 ELSE 0 END), 0) AS BIGINT)")
	sel.WriteString(", COALESCE(SUM(CASE WHEN dispatched_at IS NOT NULL THEN 1 ELSE 0 END), 0)")
	query := sel.String() + " FROM cases" + w.String()
	if q.GroupBy != "" {
		query += " GROUP BY " + key + " ORDER BY " + key
	}
	rows, err := db.query(ctx, query, w.args...)
	if err != nil {
		return nil, fmt.Errorf("tally cases: %w", db.norm(err))
	}
	defer rows.Close()
	var out []casework.TallyRow
	for rows.Next() {
		var k string
		var total, resp, disp int64
		counts := make([]int64, len(q.Sets))
		dest := []any{&k, &total}
		for i := range counts {
			dest = append(dest, &counts[i])
		}
		dest = append(dest, &resp, &disp)
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("tally cases: %w", db.norm(err))
		}
		if total == 0 {
			continue // the ungrouped query's one row over no cases
		}
		r := casework.TallyRow{Key: k, Counts: make([]int, len(counts)), Response: time.Duration(resp) * time.Second, Dispatched: int(disp)}
		for i, n := range counts {
			r.Counts[i] = int(n)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tally cases: %w", db.norm(err))
	}
	return out, nil
}
