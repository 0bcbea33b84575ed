package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/outbox"
)

// Outbox is the notification outbox (通知发件箱) as the API uses it;
// *outbox.Service implements it.
type Outbox interface {
	Find(ctx context.Context, f outbox.Filter) ([]outbox.Message, int, error)
	Retry(ctx context.Context, id string) (outbox.Message, error)
	ApplyReceipt(ctx context.Context, r outbox.Receipt) (outbox.Message, error)
	Channels() []outbox.ChannelState
}

// ReceiptVerifier checks a gateway's signed receipt request and reads its
// receipts (Unauthenticated when the signature is wrong); the SMS
// provider, *webhook.Provider, implements it.
type ReceiptVerifier interface {
	VerifyReceipt(h http.Header, body []byte) ([]outbox.Receipt, error)
}

// outboxMessageView is a message as the administrator's listing shows it:
// the recipient masked, the subject and body left out (they may hold a
// one-time code or a party's name), the last error masked like public
// text, and why a waiting message waits.
type outboxMessageView struct {
	ID            string     `json:"id"`
	Channel       string     `json:"channel"`
	To            string     `json:"to"`
	Template      string     `json:"template"`
	Related       string     `json:"related,omitempty"`
	Status        string     `json:"status"`
	StatusName    string     `json:"status_name"`
	Attempts      int        `json:"attempts"`
	MaxAttempts   int        `json:"max_attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"`
	LastError     string     `json:"last_error,omitempty"`
	Waiting       string     `json:"waiting,omitempty"`
	ProviderID    string     `json:"provider_id,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	SentAt        *time.Time `json:"sent_at,omitempty"`
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
}

func outboxView(m outbox.Message, configured map[outbox.Channel]outbox.ChannelState) outboxMessageView {
	v := outboxMessageView{ID: m.ID, Channel: string(m.Channel), To: outbox.MaskRecipient(m.To), Template: m.Template,
		Related: m.Related, Status: string(m.Status), StatusName: outbox.StatusNames[m.Status][0] + " / " + outbox.StatusNames[m.Status][1],
		Attempts: m.Attempts, MaxAttempts: m.MaxAttempts, LastError: disclose.MaskText(outbox.Scrub(m.LastError, m.To)),
		ProviderID: m.ProviderID, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, SentAt: m.SentAt, DeliveredAt: m.DeliveredAt}
	if m.Status == outbox.StatusQueued || m.Status == outbox.StatusFailed {
		t := m.NextAttemptAt
		v.NextAttemptAt = &t
		if cs, ok := configured[m.Channel]; ok && !cs.Configured {
			v.Waiting = cs.Note
		}
	}
	return v
}

// handleOutboxList lists the outbox's messages, newest first, with the
// state of each channel (administrator).
func (s *Server) handleOutboxList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	if s.Outbox == nil {
		return errs.NotFound("此节点未启用通知发件箱 / the notification outbox is not available on this node")
	}
	q := r.URL.Query()
	f := outbox.Filter{Related: q.Get("related"), Limit: 50}
	if v := q.Get("status"); v != "" {
		if _, ok := outbox.StatusNames[outbox.Status(v)]; !ok {
			return errs.Invalid("status 须为 queued、sending、sent、delivered、failed 或 dead / status must be queued, sending, sent, delivered, failed or dead").WithField("status", "unknown")
		}
		f.Status = outbox.Status(v)
	}
	if v := q.Get("channel"); v != "" {
		ch, err := outbox.ParseChannel(v)
		if err != nil {
			return err
		}
		f.Channel = ch
	}
	for _, p := range []struct {
		key      string
		dst      *int
		min, max int
	}{{"limit", &f.Limit, 1, 500}, {"offset", &f.Offset, 0, 1 << 30}} {
		if v := q.Get(p.key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < p.min || n > p.max {
				return errs.Invalid("%s 须为 %d 到 %d 的整数 / %s must be an integer from %d to %d", p.key, p.min, p.max, p.key, p.min, p.max).WithField(p.key, "out of range")
			}
			*p.dst = n
		}
	}
	items, total, err := s.Outbox.Find(r.Context(), f)
	if err != nil {
		return err
	}
	chans := s.Outbox.Channels()
	byChannel := map[outbox.Channel]outbox.ChannelState{}
	for _, c := range chans {
		byChannel[c.Channel] = c
	}
	views := make([]outboxMessageView, len(items))
	for i, m := range items {
		views[i] = outboxView(m, byChannel)
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": views, "total": total, "channels": chans})
}

// handleOutboxRetry sends a failed or dead message again (administrator,
// audited).
func (s *Server) handleOutboxRetry(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	if s.Outbox == nil {
		return errs.NotFound("此节点未启用通知发件箱 / the notification outbox is not available on this node")
	}
	id := r.PathValue("id")
	m, err := s.Outbox.Retry(r.Context(), id)
	if err != nil {
		return err
	}
	if err := s.audit(r, a.ID, "outbox.retry", "outbox/"+id, map[string]any{"channel": m.Channel, "template": m.Template}); err != nil {
		return err
	}
	chans := map[outbox.Channel]outbox.ChannelState{}
	for _, c := range s.Outbox.Channels() {
		chans[c.Channel] = c
	}
	return httpkit.WriteJSON(w, http.StatusOK, outboxView(m, chans))
}

// handleOutboxReceipts takes a gateway's delivery receipts: the request
// must carry the gateway's signature (401 otherwise, and the refusal is
// audited). One receipt answers with its message or its error; a batch
// answers 200 with each receipt's outcome, since receipts are
// independent and a gateway resending the batch changes nothing.
func (s *Server) handleOutboxReceipts(w http.ResponseWriter, r *http.Request) error {
	chName := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	ch, err := outbox.ParseChannel(chName)
	if err != nil {
		return errs.NotFound("没有渠道 %s / there is no channel %s", chName, chName)
	}
	v := s.OutboxReceipts[ch]
	if s.Outbox == nil || v == nil {
		return errs.NotFound("此节点未配置%s网关，不接收回执 / no %s gateway is configured on this node, so no receipts are taken", outbox.ChannelNames[ch][0], outbox.ChannelNames[ch][1])
	}
	body, err := readJSONBody(w, r, 1<<20)
	if err != nil {
		return err
	}
	receipts, err := v.VerifyReceipt(r.Header, body)
	if errs.Is(err, errs.KindUnauthenticated) {
		_ = s.audit(r, "gateway:"+string(ch), "outbox.receipt_refused", "outbox/receipts/"+string(ch), map[string]any{"bytes": len(body)})
		return err
	}
	if err != nil {
		return err
	}
	if len(receipts) == 1 {
		m, err := s.Outbox.ApplyReceipt(r.Context(), receipts[0])
		if err != nil {
			return err
		}
		return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"message_id": receipts[0].ProviderID, "status": m.Status})
	}
	type outcome struct {
		MessageID string `json:"message_id"`
		Status    string `json:"status,omitempty"`
		Error     string `json:"error,omitempty"`
	}
	out := make([]outcome, len(receipts))
	for i, rc := range receipts {
		out[i].MessageID = rc.ProviderID
		m, err := s.Outbox.ApplyReceipt(r.Context(), rc)
		if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
			out[i].Error = e.Message
			continue
		}
		if err != nil {
			return err
		}
		out[i].Status = string(m.Status)
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": out, "total": len(out)})
}
