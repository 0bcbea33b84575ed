package hubstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/store/sqlkit"
	"cityloop/internal/workorder"
)

var _ workorder.Store = (*DB)(nil)

const orderCols = "order_no, case_id, received_at, contact_due, contacted_at, reply_due, replied_at, reply, callback_at, satisfaction, status, closed_at, raw, caller, updated_at"

// callerAAD binds a sealed caller to its order.
func callerAAD(orderNo string) string { return "hotline/order/" + orderNo + "/caller" }

// sealCaller is the caller column: "" when nothing is kept, else the
// caller as JSON, sealed when a keyring is set.
func (db *DB) sealCaller(no string, c workorder.Caller) (string, error) {
	if c.IsZero() {
		return "", nil
	}
	b, err := json.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode the caller of order %s: %w", no, err)
	}
	return db.seal(string(b), callerAAD(no), "caller of order "+no)
}

// openCaller reads the caller column. Like a case's reporter, a caller that
// cannot be opened (a lost key) reads as empty rather than making the
// order unreadable.
func (db *DB) openCaller(no, stored string) workorder.Caller {
	var c workorder.Caller
	if stored == "" {
		return c
	}
	plain, err := db.open(stored, callerAAD(no), "caller of order "+no)
	if err != nil {
		return c
	}
	_ = json.Unmarshal([]byte(plain), &c)
	return c
}

func (db *DB) orderArgs(o workorder.Order) ([]any, error) {
	raw := string(o.Raw)
	if raw == "" {
		raw = "{}"
	}
	caller, err := db.sealCaller(o.OrderNo, o.Caller)
	if err != nil {
		return nil, err
	}
	return []any{o.OrderNo, o.CaseID, sqlkit.Micros(o.ReceivedAt), sqlkit.Micros(o.ContactDue), sqlkit.MicrosOrNull(o.ContactedAt), sqlkit.Micros(o.ReplyDue),
		sqlkit.MicrosOrNull(o.RepliedAt), o.Reply, sqlkit.MicrosOrNull(o.CallbackAt), o.Satisfaction, o.Status, sqlkit.MicrosOrNull(o.ClosedAt), raw, caller, sqlkit.Micros(o.UpdatedAt)}, nil
}

// CreateOrder stores a new order, its caller sealed; Conflict when its
// number exists.
func (db *DB) CreateOrder(ctx context.Context, o workorder.Order) error {
	args, err := db.orderArgs(o)
	if err != nil {
		return err
	}
	if _, err := db.exec(ctx, `INSERT INTO hotline_orders (`+orderCols+`) VALUES `+sqlkit.Placeholders(1, 15, 1), args...); err != nil {
		return fmt.Errorf("create hotline order %s: %w", o.OrderNo, err)
	}
	return nil
}

// UpdateOrder stores every field of an order but its caller, which is
// written once, when the order is made, and afterwards only erased (a
// step on an old order must not bring back a purged caller).
func (db *DB) UpdateOrder(ctx context.Context, o workorder.Order) error {
	args, err := db.orderArgs(o)
	if err != nil {
		return err
	}
	args = append(args[:13], args[14])
	n, err := db.exec(ctx, `UPDATE hotline_orders SET case_id = $2, received_at = $3, contact_due = $4, contacted_at = $5, reply_due = $6,
replied_at = $7, reply = $8, callback_at = $9, satisfaction = $10, status = $11, closed_at = $12, raw = $13, updated_at = $14
WHERE order_no = $1`, args...)
	if err != nil {
		return fmt.Errorf("update hotline order %s: %w", o.OrderNo, err)
	}
	if n == 0 {
		return errs.NotFound("hotline order %s does not exist", o.OrderNo)
	}
	return nil
}

// DeleteOrder removes an order whose case could not be made.
func (db *DB) DeleteOrder(ctx context.Context, no string) error {
	if _, err := db.exec(ctx, `DELETE FROM hotline_orders WHERE order_no = $1`, no); err != nil {
		return fmt.Errorf("delete hotline order %s: %w", no, err)
	}
	return nil
}

// FindOrder returns one order, its caller opened, or NotFound (also while
// its case is being made).
func (db *DB) FindOrder(ctx context.Context, no string) (*workorder.Order, error) {
	var o workorder.Order
	var recv, contactDue, replyDue, updated int64
	var contacted, replied, callback, closed sql.Null[int64]
	var raw, caller string
	err := db.w.QueryRowContext(ctx, `SELECT `+orderCols+` FROM hotline_orders WHERE order_no = $1 AND case_id <> ''`, no).Scan(
		&o.OrderNo, &o.CaseID, &recv, &contactDue, &contacted, &replyDue, &replied, &o.Reply, &callback, &o.Satisfaction, &o.Status, &closed, &raw, &caller, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("hotline order %s does not exist", no)
	}
	if err != nil {
		return nil, fmt.Errorf("find hotline order %s: %w", no, db.norm(err))
	}
	o.ReceivedAt, o.ContactDue, o.ReplyDue, o.UpdatedAt = sqlkit.Time(recv), sqlkit.Time(contactDue), sqlkit.Time(replyDue), sqlkit.Time(updated)
	o.ContactedAt, o.RepliedAt, o.CallbackAt, o.ClosedAt = sqlkit.NullTime(contacted), sqlkit.NullTime(replied), sqlkit.NullTime(callback), sqlkit.NullTime(closed)
	o.Raw = []byte(raw)
	o.Caller = db.openCaller(o.OrderNo, caller)
	return &o, nil
}

// PurgeCallers erases the caller of every order whose case left the loop
// before cutoff: the rule sqlstore's PurgeContacts applies to the case's
// reporter (closed, last changed before the cutoff; [Cases.EndedBefore]),
// so both go together. The rest of the order stays for the statistics. It
// returns how many orders it erased. It walks the cases of orders that
// still have a caller in pages, one short transaction each.
func (db *DB) PurgeCallers(ctx context.Context, cutoff time.Time) (int, error) {
	cases, err := db.caseReader()
	if err != nil {
		return 0, fmt.Errorf("purge the callers of hotline orders: %w", err)
	}
	const page = 500
	total, after := 0, ""
	for {
		ids, err := db.callerCases(ctx, after, page)
		if err != nil {
			return total, fmt.Errorf("purge the callers of hotline orders: %w", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		after = ids[len(ids)-1]
		ended, err := cases.EndedBefore(ctx, ids, cutoff)
		if err != nil {
			return total, fmt.Errorf("purge the callers of hotline orders: %w", err)
		}
		if len(ended) > 0 {
			args := make([]any, len(ended))
			for i, id := range ended {
				args[i] = id
			}
			n, err := db.exec(ctx, `UPDATE hotline_orders SET caller = '' WHERE caller <> '' AND case_id IN (`+sqlkit.List(len(ended), 1)+`)`, args...)
			if err != nil {
				return total, fmt.Errorf("purge the callers of hotline orders: %w", err)
			}
			total += int(n)
		}
		if len(ids) < page {
			return total, nil
		}
	}
}

// callerCases lists the distinct case ids after after of orders that still
// have a caller, in order, at most limit.
func (db *DB) callerCases(ctx context.Context, after string, limit int) ([]string, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT DISTINCT case_id FROM hotline_orders WHERE caller <> '' AND case_id > $1 ORDER BY case_id LIMIT $2`,
		after, int64(limit))
	if err != nil {
		return nil, db.norm(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, db.norm(err)
		}
		out = append(out, id)
	}
	return out, db.norm(rows.Err())
}

// callerFields are the work order's personal fields that older versions
// kept in raw.
var callerFields = []string{"caller_name", "caller_phone", "address"}

// resealCallers moves callers that older versions kept in raw into the
// sealed caller column, and seals plain callers (stored without a keyring,
// or rotating, under another key), each with a compare-and-set update. It
// returns how many orders it rewrote.
func (db *DB) resealCallers(ctx context.Context, rotate bool) (int, error) {
	n := 0
	after := ""
	for {
		rows, err := db.w.QueryContext(ctx, `SELECT order_no, raw, caller FROM hotline_orders WHERE order_no > $1
AND (caller <> '' OR raw LIKE '%"caller\_%' ESCAPE '\' OR raw LIKE '%"address"%') ORDER BY order_no LIMIT 500`, after)
		if err != nil {
			return n, fmt.Errorf("seal hotline callers: %w", db.norm(err))
		}
		type row struct{ no, raw, caller string }
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.no, &r.raw, &r.caller); err != nil {
				rows.Close()
				return n, fmt.Errorf("seal hotline callers: %w", db.norm(err))
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return n, fmt.Errorf("seal hotline callers: %w", db.norm(err))
		}
		if len(batch) == 0 {
			return n, nil
		}
		after = batch[len(batch)-1].no
		for _, r := range batch {
			raw, caller, changed, err := db.resealOrder(r.no, r.raw, r.caller, rotate)
			if err != nil {
				return n, err
			}
			if !changed {
				continue
			}
			k, err := db.exec(ctx, `UPDATE hotline_orders SET raw = $1, caller = $2 WHERE order_no = $3 AND raw = $4 AND caller = $5`,
				raw, caller, r.no, r.raw, r.caller)
			if err != nil {
				return n, fmt.Errorf("seal the caller of order %s: %w", r.no, err)
			}
			n += int(k)
		}
	}
}

// resealOrder is one order's raw and caller as they should be stored.
func (db *DB) resealOrder(no, raw, caller string, rotate bool) (string, string, bool, error) {
	var m map[string]json.RawMessage
	moved := false
	var c workorder.Caller
	if err := json.Unmarshal([]byte(raw), &m); err == nil {
		for _, f := range callerFields {
			if _, ok := m[f]; ok {
				moved = true
			}
		}
		if moved {
			_ = json.Unmarshal([]byte(raw), &c) // the same field names as workorder.Caller
			for _, f := range callerFields {
				delete(m, f)
			}
			b, err := json.Marshal(m)
			if err != nil {
				return "", "", false, fmt.Errorf("encode order %s: %w", no, err)
			}
			raw = string(b)
		}
	}
	if !moved {
		sealed, changed, err := db.resealed(caller, callerAAD(no), rotate)
		if err != nil {
			return "", "", false, fmt.Errorf("seal the caller of order %s: %w", no, err)
		}
		return raw, sealed, changed, nil
	}
	// A caller already in its column wins over the copy left in raw.
	if caller != "" {
		if prev := db.openCaller(no, caller); !prev.IsZero() {
			c = prev
		}
	}
	sealed, err := db.sealCaller(no, c)
	if err != nil {
		return "", "", false, err
	}
	return raw, sealed, true, nil
}
