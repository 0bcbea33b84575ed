package hubstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"cityloop/internal/errs"
	"cityloop/internal/hotline"
)

var _ hotline.Store = (*DB)(nil)

const orderCols = "order_no, case_id, received_at, contact_due, contacted_at, reply_due, replied_at, reply, callback_at, satisfaction, status, closed_at, raw, updated_at"

func orderArgs(o hotline.Order) []any {
	raw := string(o.Raw)
	if raw == "" {
		raw = "{}"
	}
	return []any{o.OrderNo, o.CaseID, micros(o.ReceivedAt), micros(o.ContactDue), microsPtr(o.ContactedAt), micros(o.ReplyDue),
		microsPtr(o.RepliedAt), o.Reply, microsPtr(o.CallbackAt), o.Satisfaction, o.Status, microsPtr(o.ClosedAt), raw, micros(o.UpdatedAt)}
}

// CreateOrder stores a new order; Conflict when its number exists.
func (db *DB) CreateOrder(ctx context.Context, o hotline.Order) error {
	if _, err := db.exec(ctx, `INSERT INTO hotline_orders (`+orderCols+`) VALUES `+placeholders(1, 14), orderArgs(o)...); err != nil {
		return fmt.Errorf("create hotline order %s: %w", o.OrderNo, err)
	}
	return nil
}

// UpdateOrder stores every field of an order.
func (db *DB) UpdateOrder(ctx context.Context, o hotline.Order) error {
	n, err := db.exec(ctx, `UPDATE hotline_orders SET case_id = $2, received_at = $3, contact_due = $4, contacted_at = $5, reply_due = $6,
replied_at = $7, reply = $8, callback_at = $9, satisfaction = $10, status = $11, closed_at = $12, raw = $13, updated_at = $14
WHERE order_no = $1`, orderArgs(o)...)
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

// FindOrder returns one order, or NotFound (also while its case is being made).
func (db *DB) FindOrder(ctx context.Context, no string) (*hotline.Order, error) {
	var o hotline.Order
	var recv, contactDue, replyDue, updated int64
	var contacted, replied, callback, closed sql.Null[int64]
	var raw string
	err := db.w.QueryRowContext(ctx, `SELECT `+orderCols+` FROM hotline_orders WHERE order_no = $1 AND case_id <> ''`, no).Scan(
		&o.OrderNo, &o.CaseID, &recv, &contactDue, &contacted, &replyDue, &replied, &o.Reply, &callback, &o.Satisfaction, &o.Status, &closed, &raw, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.NotFound("hotline order %s does not exist", no)
	}
	if err != nil {
		return nil, fmt.Errorf("find hotline order %s: %w", no, db.norm(err))
	}
	o.ReceivedAt, o.ContactDue, o.ReplyDue, o.UpdatedAt = fromMicros(recv), fromMicros(contactDue), fromMicros(replyDue), fromMicros(updated)
	o.ContactedAt, o.RepliedAt, o.CallbackAt, o.ClosedAt = fromNull(contacted), fromNull(replied), fromNull(callback), fromNull(closed)
	o.Raw = []byte(raw)
	return &o, nil
}
