// Package webhook is the outbox's SMS provider: it POSTs each message as
// JSON to an SMS gateway's URL, signed like the hub's webhooks (HMAC-SHA256
// over the timestamp and the body, in X-Cityloop-Signature, see
// hub.Sign), through the egress policy's client, so an administrator's URL
// cannot reach internal addresses unless the operator allowed them. It
// also checks the gateway's delivery receipts: signed the same way with the
// same secret, within the replay window, and well-formed ([ParseReceipts]).
//
// It does network I/O, so it lives apart from the outbox domain. It
// imports outbox, egress, errs and hub (for the one signature scheme) and
// never the store, api, web or app.
package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/hub"
	"cityloop/internal/outbox"
)

// MinSecret is the shortest signing secret accepted: 128 bits of hex.
const MinSecret = 32

// Config is the gateway and how to reach it.
type Config struct {
	URL     string
	Secret  string
	Policy  *egress.Policy // nil: public addresses only
	Timeout time.Duration  // one request; 0 = 15 s
	Now     func() time.Time
}

// Provider sends SMS through the gateway. Safe for concurrent use.
type Provider struct {
	cfg    Config
	client *http.Client
}

// New checks cfg, the URL against the egress policy included.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if len(cfg.Secret) < MinSecret {
		return nil, fmt.Errorf("--sms-webhook-secret must be at least %d characters (e.g. 32 random hex digits)", MinSecret)
	}
	if err := cfg.Policy.CheckURL(ctx, cfg.URL); err != nil {
		return nil, fmt.Errorf("--sms-webhook-url: %w", err)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 15 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Provider{cfg: cfg, client: cfg.Policy.Client(cfg.Timeout)}, nil
}

// Channel is SMS.
func (p *Provider) Channel() outbox.Channel { return outbox.ChannelSMS }

// Payload is what the gateway receives.
type Payload struct {
	ID             string `json:"id"` // ours; a receipt may name it when the gateway gives no id of its own
	To             string `json:"to"`
	Text           string `json:"text"`
	Template       string `json:"template"`
	IdempotencyKey string `json:"idempotency_key"` // the same on every retry: the gateway drops repeats
}

// answer is what a gateway may answer; both fields are optional.
type answer struct {
	MessageID string `json:"message_id"`
	Status    string `json:"status"` // "delivered" when it confirms at once
}

// Send posts m to the gateway. A 4xx answer other than 408 and 429 is
// permanent: the gateway refuses this request and will refuse it again.
func (p *Provider) Send(ctx context.Context, m outbox.Message) (outbox.Result, error) {
	body, err := json.Marshal(Payload{ID: m.ID, To: m.To, Text: m.Body, Template: m.Template, IdempotencyKey: m.IdempotencyKey})
	if err != nil {
		return outbox.Result{}, fmt.Errorf("encode the SMS: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.cfg.URL, bytes.NewReader(body))
	if err != nil {
		return outbox.Result{}, outbox.Permanent(fmt.Errorf("SMS gateway request: %w", err))
	}
	now := p.cfg.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "CityLoop-Outbox/1")
	req.Header.Set(hub.HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(hub.HeaderSignature, hub.Sign(p.cfg.Secret, now, body))
	req.Header.Set(hub.HeaderDelivery, m.IdempotencyKey)
	resp, err := p.client.Do(req)
	if err != nil {
		// Worded without network detail, like the hub's dead letters.
		return outbox.Result{}, errors.New(egress.Describe(err))
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := fmt.Errorf("%s", egress.Describe(&egress.StatusError{Code: resp.StatusCode}))
		if resp.StatusCode >= 400 && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout && resp.StatusCode != http.StatusTooManyRequests {
			return outbox.Result{}, outbox.Permanent(err)
		}
		return outbox.Result{}, err
	}
	var a answer
	if len(bytes.TrimSpace(raw)) > 0 {
		// A gateway that answers 2xx took the message; an answer we cannot
		// read only costs us its id, and receipts may name ours.
		_ = json.Unmarshal(raw, &a)
	}
	id := m.ID
	if a.MessageID != "" && len(a.MessageID) <= outbox.MaxKey && utf8.ValidString(a.MessageID) {
		id = a.MessageID
	}
	return outbox.Result{ProviderID: id, Delivered: a.Status == "delivered"}, nil
}

// VerifyReceipt checks a receipt request's signature (Unauthenticated when
// it is missing, stale or wrong) and parses its body.
func (p *Provider) VerifyReceipt(h http.Header, body []byte) ([]outbox.Receipt, error) {
	if err := hub.Verify(p.cfg.Secret, h, body, p.cfg.Now(), hub.DefaultWindow); err != nil {
		msg := "回执签名无效 / the receipt's signature does not match"
		switch {
		case errors.Is(err, hub.ErrNoSignature):
			msg = "回执缺少签名：须带 " + hub.HeaderTimestamp + " 与 " + hub.HeaderSignature + " / the receipt is not signed: send " + hub.HeaderTimestamp + " and " + hub.HeaderSignature
		case errors.Is(err, hub.ErrStale):
			msg = "回执时间戳超出 5 分钟窗口，请校准网关时钟 / the receipt's timestamp is more than 5 minutes off; check the gateway's clock"
		}
		return nil, errs.Unauthenticated("%s", msg)
	}
	return ParseReceipts(body, outbox.ChannelSMS)
}

// MaxReceipts bounds the receipts of one request.
const MaxReceipts = 1000

type receiptIn struct {
	MessageID string `json:"message_id"`
	Status    string `json:"status"`
	Detail    string `json:"detail"`
	At        string `json:"at"`
}

// ParseReceipts reads a gateway's receipts: one object, or
// {"receipts": [...]} of up to MaxReceipts, each with message_id (the id
// the gateway answered, or ours), status "delivered" or "failed"
// ("undelivered" and "rejected" mean failed), an optional detail of at
// most 500 bytes and an optional RFC 3339 time. Errors are Invalid and say
// which receipt is wrong.
func ParseReceipts(body []byte, ch outbox.Channel) ([]outbox.Receipt, error) {
	var batch struct {
		Receipts []receiptIn `json:"receipts"`
		receiptIn
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&batch); err != nil {
		return nil, errs.Invalid("回执须为 JSON 对象：{\"message_id\", \"status\"} 或 {\"receipts\": [...]} / a receipt must be a JSON object: {\"message_id\", \"status\"} or {\"receipts\": [...]}")
	}
	if dec.More() {
		return nil, errs.Invalid("回执 JSON 之后还有多余内容 / there is more after the receipt's JSON")
	}
	list := batch.Receipts
	if list == nil {
		list = []receiptIn{batch.receiptIn}
	}
	if len(list) == 0 || len(list) > MaxReceipts {
		return nil, errs.Invalid("一次须提交 1 到 %d 条回执 / send 1 to %d receipts at once", MaxReceipts, MaxReceipts)
	}
	out := make([]outbox.Receipt, 0, len(list))
	for i, r := range list {
		rec := outbox.Receipt{Channel: ch, ProviderID: r.MessageID, Detail: r.Detail}
		switch strings.ToLower(r.Status) {
		case "delivered":
			rec.Delivered = true
		case "failed", "undelivered", "rejected":
		default:
			return nil, errs.Invalid("第 %d 条回执的 status 须为 delivered 或 failed / receipt %d: status must be delivered or failed", i+1, i+1).WithField("status", "delivered or failed")
		}
		if r.MessageID == "" || len(r.MessageID) > outbox.MaxKey || !utf8.ValidString(r.MessageID) {
			return nil, errs.Invalid("第 %d 条回执缺少 message_id 或过长 / receipt %d: message_id is missing or too long", i+1, i+1).WithField("message_id", "1 to 200 bytes")
		}
		if len(r.Detail) > 500 || !utf8.ValidString(r.Detail) {
			return nil, errs.Invalid("第 %d 条回执的 detail 须为不超过 500 字节的文本 / receipt %d: detail must be text of at most 500 bytes", i+1, i+1).WithField("detail", "at most 500 bytes")
		}
		if r.At != "" {
			t, err := time.Parse(time.RFC3339, r.At)
			if err != nil {
				return nil, errs.Invalid("第 %d 条回执的 at 须为 RFC 3339 时间 / receipt %d: at must be an RFC 3339 time", i+1, i+1).WithField("at", "RFC 3339")
			}
			rec.At = t.UTC()
		}
		out = append(out, rec)
	}
	return out, nil
}
