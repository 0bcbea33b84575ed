package hotline

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// WorkOrder is a 12345 work order as the hotline sends it.
type WorkOrder struct {
	OrderNo     string    `json:"order_no"`
	Title       string    `json:"title"`
	Content     string    `json:"content"`
	Category    string    `json:"category,omitempty"` // a dictionary ref when the hotline classified it, e.g. "event:0501"
	Address     string    `json:"address,omitempty"`
	Lng         *float64  `json:"lng"`
	Lat         *float64  `json:"lat"`
	CRS         string    `json:"crs,omitempty"` // wgs84 (default), gcj02, bd09
	CallerName  string    `json:"caller_name,omitempty"`
	CallerPhone string    `json:"caller_phone,omitempty"`
	ReceivedAt  time.Time `json:"received_at"`
}

// Batch is what a pull returns (and what a push may send).
type Batch struct {
	Orders     []WorkOrder `json:"orders"`
	NextCursor string      `json:"next_cursor,omitempty"`
}

// MaxBatch bounds the orders of one push or pull page.
const MaxBatch = 500

// ParseOrders reads a push or pull body: a single work order object, or
// {"orders": [...], "next_cursor": "..."}. Unknown fields are refused so a
// renamed field is noticed, every order is validated, and the error names
// the order and field.
func ParseOrders(body []byte) (Batch, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return Batch{}, errs.Invalid("the body is empty; send a work order or {\"orders\": [...]}")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return Batch{}, errs.Invalid("the body is not a JSON object: %s", err.Error())
	}
	var b Batch
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if _, ok := probe["orders"]; ok {
		if err := dec.Decode(&b); err != nil {
			return Batch{}, errs.Invalid("cannot read the orders: %s", err.Error())
		}
	} else {
		var o WorkOrder
		if err := dec.Decode(&o); err != nil {
			return Batch{}, errs.Invalid("cannot read the work order: %s", err.Error())
		}
		b.Orders = []WorkOrder{o}
	}
	if len(b.Orders) > MaxBatch {
		return Batch{}, errs.Invalid("at most %d orders at a time", MaxBatch)
	}
	if len(b.NextCursor) > 200 {
		return Batch{}, errs.Invalid("next_cursor is longer than 200 bytes")
	}
	seen := map[string]bool{}
	for i := range b.Orders {
		if err := b.Orders[i].normalise(); err != nil {
			e, _ := errs.As(err)
			return Batch{}, errs.Invalid("order %d (%s): %s", i, b.Orders[i].OrderNo, e.Message)
		}
		if seen[b.Orders[i].OrderNo] {
			return Batch{}, errs.Invalid("order %s appears twice", b.Orders[i].OrderNo)
		}
		seen[b.Orders[i].OrderNo] = true
	}
	return b, nil
}

func (o *WorkOrder) normalise() error {
	o.OrderNo = strings.TrimSpace(o.OrderNo)
	if o.OrderNo == "" || len(o.OrderNo) > 64 {
		return errs.Invalid("order_no is required, at most 64 characters")
	}
	for _, c := range o.OrderNo {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z') {
			return errs.Invalid("order_no %q may hold only letters, digits, '-' and '_'", o.OrderNo)
		}
	}
	for name, s := range map[string]string{"title": o.Title, "content": o.Content, "address": o.Address, "caller_name": o.CallerName,
		"caller_phone": o.CallerPhone, "category": o.Category, "crs": o.CRS} {
		if !utf8.ValidString(s) {
			return errs.Invalid("%s must be UTF-8 text", name)
		}
	}
	o.Title, o.Content = strings.TrimSpace(o.Title), strings.TrimSpace(o.Content)
	if o.Title == "" && o.Content == "" {
		return errs.Invalid("title or content is required")
	}
	if utf8.RuneCountInString(o.Title)+utf8.RuneCountInString(o.Content) > 1900 {
		return errs.Invalid("title and content together are longer than 1900 characters")
	}
	if len(o.Address) > 500 || len(o.CallerName) > 100 || len(o.CallerPhone) > 32 || len(o.Category) > 40 {
		return errs.Invalid("address, caller_name, caller_phone or category is too long")
	}
	if o.Lng == nil || o.Lat == nil {
		return errs.Invalid("lng and lat are required (the hotline geocodes the caller's address)")
	}
	if math.IsNaN(*o.Lng) || math.IsNaN(*o.Lat) || *o.Lng < -180 || *o.Lng > 180 || *o.Lat < -90 || *o.Lat > 90 {
		return errs.Invalid("lng and lat must be decimal degrees")
	}
	if o.ReceivedAt.Year() > 9999 || (!o.ReceivedAt.IsZero() && o.ReceivedAt.Year() < 2000) {
		return errs.Invalid("received_at %s is not plausible", o.ReceivedAt.Format(time.RFC3339))
	}
	return nil
}

// Description is what the case shows: title and content.
func (o WorkOrder) Description() string {
	switch {
	case o.Title == "":
		return o.Content
	case o.Content == "":
		return o.Title
	}
	return fmt.Sprintf("【12345】%s：%s", o.Title, o.Content)
}
