package outbox

import (
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
	"cityloop/internal/pii"
)

// Channel is how a message travels.
type Channel string

// Channels.
const (
	ChannelEmail Channel = "email" // 电子邮件, over SMTP
	ChannelSMS   Channel = "sms"   // 短信, through a gateway's signed webhook
)

// Channels lists every channel, in a stable order.
var Channels = []Channel{ChannelEmail, ChannelSMS}

// ChannelNames are the channels' names for people: Chinese, English.
var ChannelNames = map[Channel][2]string{
	ChannelEmail: {"电子邮件", "e-mail"},
	ChannelSMS:   {"短信", "SMS"},
}

// ParseChannel reads a channel name as it appears in URLs and JSON.
func ParseChannel(s string) (Channel, error) {
	for _, c := range Channels {
		if string(c) == s {
			return c, nil
		}
	}
	return "", errs.Invalid("渠道须为 email 或 sms / the channel must be email or sms").WithField("channel", "email or sms")
}

// Status is where a message is in its life.
type Status string

// Statuses.
const (
	StatusQueued    Status = "queued"    // 待发送: waiting for its first attempt
	StatusSending   Status = "sending"   // 发送中: a node holds it under a lease
	StatusSent      Status = "sent"      // 已发送: the provider took it
	StatusDelivered Status = "delivered" // 已送达: the gateway reported delivery
	StatusFailed    Status = "failed"    // 发送失败: the last attempt failed; a retry is due at NextAttemptAt
	StatusDead      Status = "dead"      // 已放弃: no more attempts; an administrator may retry it
)

// StatusNames are the statuses' names for people: Chinese, English.
var StatusNames = map[Status][2]string{
	StatusQueued: {"待发送", "queued"}, StatusSending: {"发送中", "sending"}, StatusSent: {"已发送", "sent"},
	StatusDelivered: {"已送达", "delivered"}, StatusFailed: {"发送失败，待重试", "failed, retry pending"},
	StatusDead: {"已放弃", "dead"},
}

// Limits on a message's fields: a notification is short, and the bounds
// keep one bad caller from filling the table.
const (
	MaxSubject = 200   // runes
	MaxBody    = 10000 // bytes
	MaxKey     = 200   // bytes, idempotency key and related object
	MaxCode    = 64    // bytes, template code
)

// Draft is what a caller asks to send.
type Draft struct {
	Channel Channel
	To      string // an e-mail address or a phone number, in plain; the store seals it
	Subject string // e-mail only; SMS has none
	Body    string
	// Template names the kind of notification ("citizen_otp",
	// "enforce_service", …), for the listing and for figures.
	Template string
	// Related names the object the message is about, e.g.
	// "enforcement/case/…" or "case/…"; "" for none.
	Related string
	// IdempotencyKey makes a second enqueue of the same notification
	// return the first message instead of sending twice. "" makes one up
	// from the message id, so a draft without one is always new.
	IdempotencyKey string
	// MaxAttempts overrides the policy's bound for this message (0: the
	// policy's). A one-time code is worthless after five minutes, so it
	// gets fewer attempts than a 送达.
	MaxAttempts int
}

// Message is one notification and how far it got.
type Message struct {
	ID             string     `json:"id"`
	Channel        Channel    `json:"channel"`
	To             string     `json:"-"` // plain in memory only; sealed at rest, masked in listings
	Subject        string     `json:"-"`
	Body           string     `json:"-"`
	Template       string     `json:"template"`
	Related        string     `json:"related,omitempty"`
	IdempotencyKey string     `json:"idempotency_key"`
	Status         Status     `json:"status"`
	Attempts       int        `json:"attempts"`
	MaxAttempts    int        `json:"max_attempts"`
	NextAttemptAt  time.Time  `json:"next_attempt_at"`
	LastError      string     `json:"last_error,omitempty"`
	ProviderID     string     `json:"provider_id,omitempty"` // the provider's id, which receipts name
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	SentAt         *time.Time `json:"sent_at,omitempty"`
	DeliveredAt    *time.Time `json:"delivered_at,omitempty"`
	// Lease: the node sending it, until when, and the fencing token that
	// grows with every claim, so a node that lost its lease cannot record
	// its late attempt over another's.
	Holder     string     `json:"-"`
	LeaseUntil *time.Time `json:"-"`
	LeaseSeq   int64      `json:"-"`
	// Version grows with every change; an update that presents an older
	// one is a lost update (errs.Conflict).
	Version int64 `json:"-"`
}

// Attempt is one try at sending a message.
type Attempt struct {
	MessageID  string    `json:"message_id"`
	N          int       `json:"n"` // 1-based
	Node       string    `json:"node"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error,omitempty"`
	ProviderID string    `json:"provider_id,omitempty"`
}

// Receipt is a gateway's report on a message it took.
type Receipt struct {
	Channel    Channel   `json:"channel"`
	ProviderID string    `json:"provider_id"`
	Delivered  bool      `json:"delivered"` // false: the gateway could not deliver it
	Detail     string    `json:"detail,omitempty"`
	At         time.Time `json:"at"`          // when the gateway says it happened
	ReceivedAt time.Time `json:"received_at"` // when we heard of it
	MessageID  string    `json:"message_id"`  // filled by the store
}

// New checks d and makes the queued message. p bounds its attempts.
func New(d Draft, id string, now time.Time, p Policy) (Message, error) {
	if err := d.check(); err != nil {
		return Message{}, err
	}
	to := strings.TrimSpace(d.To)
	if d.Channel == ChannelSMS {
		to = pii.NormalizePhone(to)
	}
	key := d.IdempotencyKey
	if key == "" {
		key = "msg/" + id
	}
	maxAtt := p.attempts()
	if d.MaxAttempts > 0 {
		maxAtt = d.MaxAttempts
	}
	return Message{ID: id, Channel: d.Channel, To: to, Subject: d.Subject, Body: d.Body, Template: d.Template,
		Related: d.Related, IdempotencyKey: key, Status: StatusQueued, MaxAttempts: maxAtt,
		NextAttemptAt: now, CreatedAt: now, UpdatedAt: now}, nil
}

// check validates a draft; the messages name the field and what to do.
func (d Draft) check() error {
	switch d.Channel {
	case ChannelEmail:
		a, err := mail.ParseAddress(strings.TrimSpace(d.To))
		if err != nil || a.Name != "" || !strings.Contains(a.Address, "@") || strings.ContainsAny(d.To, "\r\n") {
			return errs.Invalid("收件人须为一个电子邮件地址，如 name@example.org / the recipient must be one e-mail address such as name@example.org").WithField("to", "e-mail address")
		}
		if strings.TrimSpace(d.Subject) == "" {
			return errs.Invalid("邮件须有主题 / an e-mail needs a subject").WithField("subject", "required")
		}
	case ChannelSMS:
		if n := len(pii.NormalizePhone(d.To)); n < 7 || n > 15 {
			return errs.Invalid("收件人须为 7 到 15 位的手机号码 / the recipient must be a phone number of 7 to 15 digits").WithField("to", "phone number")
		}
	default:
		return errs.Invalid("渠道须为 email 或 sms / the channel must be email or sms").WithField("channel", "email or sms")
	}
	switch {
	case utf8.RuneCountInString(d.Subject) > MaxSubject || strings.ContainsAny(d.Subject, "\r\n"):
		return errs.Invalid("主题须为一行，不超过 %d 个字 / the subject must be one line of at most %d characters", MaxSubject, MaxSubject).WithField("subject", "one line")
	case strings.TrimSpace(d.Body) == "" || len(d.Body) > MaxBody:
		return errs.Invalid("正文不能为空，且不超过 %d 字节 / the body must be non-empty and at most %d bytes", MaxBody, MaxBody).WithField("body", "1 to 10000 bytes")
	case !utf8.ValidString(d.Subject) || !utf8.ValidString(d.Body):
		return errs.Invalid("主题和正文须为 UTF-8 文本 / the subject and body must be UTF-8 text").WithField("body", "UTF-8")
	case d.Template == "" || len(d.Template) > MaxCode || !codeLike(d.Template):
		return errs.Invalid("模板代码须为 1 到 %d 个小写字母、数字、_ 或 . / the template code must be 1 to %d of a-z, 0-9, _ and .", MaxCode, MaxCode).WithField("template", "code")
	case len(d.IdempotencyKey) > MaxKey || len(d.Related) > MaxKey || !utf8.ValidString(d.IdempotencyKey) || !utf8.ValidString(d.Related):
		return errs.Invalid("幂等键和关联对象各不超过 %d 字节 / the idempotency key and the related object are at most %d bytes each", MaxKey, MaxKey).WithField("idempotency_key", "too long")
	case d.MaxAttempts < 0 || d.MaxAttempts > 20:
		return errs.Invalid("最多尝试次数须在 0 到 20 之间 / max attempts must be 0 to 20").WithField("max_attempts", "0 to 20")
	}
	return nil
}

func codeLike(s string) bool {
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '_' || r == '.') {
			return false
		}
	}
	return true
}

// Due reports whether a sender may claim m at now: queued or failed and
// due, or sending under a lease that ran out (its node died mid-send; the
// message goes again, which is why providers get the idempotency key).
func (m Message) Due(now time.Time) bool {
	switch m.Status {
	case StatusQueued, StatusFailed:
		return !m.NextAttemptAt.After(now)
	case StatusSending:
		return m.LeaseUntil != nil && m.LeaseUntil.Before(now)
	}
	return false
}

// Result is what a provider reports of a send that worked.
type Result struct {
	ProviderID string // the provider's id for the message ("" when it gives none)
	Delivered  bool   // the provider confirms delivery at once (no receipt will follow)
}

// AfterAttempt is m after the attempt that started at started and ended
// at now with res or err, and the attempt's record. A permanent error
// (see [Permanent]) or the last allowed attempt makes the message dead;
// any other error schedules a retry after p's backoff, jittered by rnd in
// [0, 1).
func (m Message) AfterAttempt(node string, started, now time.Time, res Result, err error, p Policy, rnd float64) (Message, Attempt) {
	a := Attempt{MessageID: m.ID, N: m.Attempts, Node: node, StartedAt: started, FinishedAt: now}
	m.Holder, m.LeaseUntil = "", nil
	m.UpdatedAt = now
	if err == nil {
		a.OK, a.ProviderID = true, res.ProviderID
		m.ProviderID = res.ProviderID
		if m.ProviderID == "" {
			m.ProviderID = m.ID
		}
		m.Status, m.LastError = StatusSent, ""
		t := now
		m.SentAt = &t
		if res.Delivered {
			m.Status, m.DeliveredAt = StatusDelivered, &t
		}
		return m, a
	}
	text := Scrub(ErrorText(err), m.To)
	a.Error, m.LastError = text, text
	if IsPermanent(err) || m.Attempts >= m.MaxAttempts {
		m.Status = StatusDead
		return m, a
	}
	m.Status = StatusFailed
	m.NextAttemptAt = now.Add(p.Delay(m.Attempts, rnd))
	return m, a
}

// ApplyReceipt is m after a gateway's receipt r. A delivery marks it
// delivered; a failure is handled like a failed attempt (retry after the
// backoff, or dead when the attempts are used up). A receipt repeating
// what is already recorded changes nothing (gateways send receipts at
// least once). A receipt for a message still being sent is a conflict the
// gateway should retry: the sending node has not recorded the send yet.
func (m Message) ApplyReceipt(r Receipt, p Policy, rnd float64) (Message, bool, error) {
	switch {
	case m.Status == StatusDelivered && r.Delivered:
		return m, false, nil
	case m.Status == StatusSending:
		return m, false, errs.Conflict("消息 %s 仍在发送中，请稍后重发回执 / message %s is still being sent; send the receipt again shortly", m.ID, m.ID)
	case m.Status == StatusQueued && r.Delivered:
		return m, false, errs.Conflict("消息 %s 尚未发送，不能标记为已送达 / message %s has not been sent and cannot be marked delivered", m.ID, m.ID)
	case m.Status != StatusSent && !r.Delivered:
		// A late failure report after a retry, a delivery or giving up:
		// the later state stands.
		return m, false, nil
	}
	// A delivery report wins over our own failed or dead: the person got it.
	m.UpdatedAt = r.ReceivedAt
	if r.Delivered {
		t := r.At
		if t.IsZero() {
			t = r.ReceivedAt
		}
		m.Status, m.DeliveredAt, m.LastError = StatusDelivered, &t, ""
		return m, true, nil
	}
	m.LastError = Scrub("网关回执：未送达 / the gateway reports it undelivered: "+clip(r.Detail, 300), m.To)
	if m.Attempts >= m.MaxAttempts {
		m.Status = StatusDead
		return m, true, nil
	}
	m.Status = StatusFailed
	m.NextAttemptAt = r.ReceivedAt.Add(p.Delay(m.Attempts, rnd))
	return m, true, nil
}

// Retry is m sent again at an administrator's request: a failed or dead
// message goes back to the queue with a fresh round of attempts (the
// history keeps the old ones).
func (m Message) Retry(now time.Time) (Message, error) {
	if m.Status != StatusFailed && m.Status != StatusDead {
		return m, errs.Conflict("只有发送失败或已放弃的消息可以重发，消息 %s 的状态为 %s / only a failed or dead message can be retried; message %s is %s",
			m.ID, StatusNames[m.Status][0], m.ID, m.Status)
	}
	m.Status, m.Attempts, m.NextAttemptAt, m.UpdatedAt = StatusQueued, 0, now, now
	return m, nil
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
