package outbox

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"cityloop/internal/errs"
)

// Provider sends messages of one channel. Send must return when ctx ends.
// The message's IdempotencyKey goes to the provider where it can take one
// (the SMS gateway's payload carries it): a node that dies after the
// provider took a message but before recording it leaves the message to
// be sent again once its lease runs out.
type Provider interface {
	Channel() Channel
	Send(ctx context.Context, m Message) (Result, error)
}

// Claim asks the store for due messages.
type Claim struct {
	Node       string
	Channels   []Channel // only these channels (those with a provider)
	Now        time.Time
	LeaseUntil time.Time
	Limit      int
}

// Filter selects messages for the listing.
type Filter struct {
	Status  Status
	Channel Channel
	Related string
	Limit   int // 0 = 50
	Offset  int
}

// Store keeps the outbox: internal/store/outboxstore implements it on
// SQLite and PostgreSQL, and outboxtest holds its contract.
type Store interface {
	// EnqueueMessage stores m unless a message with its idempotency key
	// exists; it returns the stored message and whether it was new.
	EnqueueMessage(ctx context.Context, m Message) (Message, bool, error)
	// ClaimMessages leases up to c.Limit due messages (see [Message.Due])
	// of c.Channels to c.Node, oldest due first, marking them sending,
	// counting the attempt and growing LeaseSeq and Version; two nodes
	// never hold one message at once.
	ClaimMessages(ctx context.Context, c Claim) ([]Message, error)
	// FinishAttempt writes m (the message after the attempt) and the
	// attempt's record, only while the claim that made m.LeaseSeq still
	// holds the message; false when the lease was lost.
	FinishAttempt(ctx context.Context, m Message, a Attempt) (bool, error)
	// SaveMessage writes m when the stored version is still m.Version
	// (errs.Conflict otherwise), growing it, with r as the message's
	// receipt when given.
	SaveMessage(ctx context.Context, m Message, r *Receipt) (Message, error)
	FindMessageByID(ctx context.Context, id string) (Message, error)
	FindMessageByProviderID(ctx context.Context, ch Channel, providerID string) (Message, error)
	FindMessages(ctx context.Context, f Filter) ([]Message, int, error)
	ListAttempts(ctx context.Context, id string) ([]Attempt, error)
	ListReceipts(ctx context.Context, id string) ([]Receipt, error)
}

// Sender delivers due messages: it claims a batch under a lease, sends
// each through its channel's provider and records the attempt.
type Sender struct {
	Store     Store
	Providers map[Channel]Provider // a channel without one is not claimed: its messages wait
	Policy    Policy
	Node      string
	Now       func() time.Time
	Rand      func() float64 // jitter source in [0, 1); nil: math/rand/v2
	// Timeout bounds one send (0 = 30 s); Batch is how many messages one
	// claim takes (0 = 10). The lease covers a whole batch sent one after
	// another, and a minute more.
	Timeout time.Duration
	Batch   int
	// MaxPerRun bounds the messages one RunOnce sends (0 = 500), so one
	// run of the job ends and the runner can record it.
	MaxPerRun int
}

// Stats counts what one RunOnce did.
type Stats struct {
	Sent, Failed, Dead, Lost int
}

// RunOnce sends due messages until none is left or MaxPerRun were tried.
// A failed send is the message's business (retry or dead), not the run's:
// RunOnce fails only when the store does.
func (s *Sender) RunOnce(ctx context.Context) (Stats, error) {
	var st Stats
	var chans []Channel
	for _, c := range Channels {
		if s.Providers[c] != nil {
			chans = append(chans, c)
		}
	}
	if len(chans) == 0 {
		return st, nil
	}
	timeout, batch, most := s.Timeout, s.Batch, s.MaxPerRun
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	if batch <= 0 {
		batch = 10
	}
	if most <= 0 {
		most = 500
	}
	for done := 0; done < most; {
		now := s.Now()
		ms, err := s.Store.ClaimMessages(ctx, Claim{Node: s.Node, Channels: chans, Now: now,
			LeaseUntil: now.Add(time.Duration(batch)*timeout + time.Minute), Limit: min(batch, most-done)})
		if err != nil {
			return st, fmt.Errorf("claim outbox messages: %w", err)
		}
		for _, m := range ms {
			if err := s.send(ctx, m, timeout, &st); err != nil {
				return st, err
			}
		}
		done += len(ms)
		if len(ms) < batch || ctx.Err() != nil {
			return st, ctx.Err()
		}
	}
	return st, nil
}

// send makes one attempt at m and records it.
func (s *Sender) send(ctx context.Context, m Message, timeout time.Duration, st *Stats) error {
	started := s.Now()
	sctx, cancel := context.WithTimeout(ctx, timeout)
	res, err := s.Providers[m.Channel].Send(sctx, m)
	cancel()
	if err != nil && ctx.Err() != nil {
		// Shutting down: leave the message to its lease, which runs out
		// and lets the next run (here or on another node) send it again.
		return ctx.Err()
	}
	rnd := rand.Float64
	if s.Rand != nil {
		rnd = s.Rand
	}
	after, a := m.AfterAttempt(s.Node, started, s.Now(), res, err, s.Policy, rnd())
	ok, ferr := s.Store.FinishAttempt(ctx, after, a)
	if ferr != nil {
		return fmt.Errorf("record the attempt at outbox message %s: %w", m.ID, ferr)
	}
	switch {
	case !ok:
		st.Lost++
	case after.Status == StatusDead:
		st.Dead++
	case after.Status == StatusFailed:
		st.Failed++
	default:
		st.Sent++
	}
	return nil
}

// ChannelState says whether a channel can send, and if not, why.
type ChannelState struct {
	Channel    Channel `json:"channel"`
	Name       string  `json:"name"`
	Configured bool    `json:"configured"`
	Note       string  `json:"note,omitempty"`
}

// Service is the outbox as the rest of the platform uses it: enqueue,
// list, retry, receipts. Its methods return errs kinds for the API.
type Service struct {
	Store     Store
	Providers map[Channel]Provider
	// Notes says why a channel has no provider, for the listing (e.g. which
	// settings to give); a default is used when missing.
	Notes  map[Channel]string
	Policy Policy
	Now    func() time.Time
	NewID  func() string
	Rand   func() float64
}

// Enqueue checks d and stores its message, or returns the message already
// stored under its idempotency key (created false).
func (s *Service) Enqueue(ctx context.Context, d Draft) (Message, bool, error) {
	m, err := New(d, s.NewID(), s.Now().UTC(), s.Policy)
	if err != nil {
		return Message{}, false, err
	}
	got, created, err := s.Store.EnqueueMessage(ctx, m)
	if err != nil {
		return Message{}, false, fmt.Errorf("enqueue %s message: %w", d.Channel, err)
	}
	return got, created, nil
}

// Channels lists each channel's state.
func (s *Service) Channels() []ChannelState {
	out := make([]ChannelState, 0, len(Channels))
	for _, c := range Channels {
		cs := ChannelState{Channel: c, Name: ChannelNames[c][0] + " / " + ChannelNames[c][1], Configured: s.Providers[c] != nil}
		if !cs.Configured {
			cs.Note = s.Notes[c]
			if cs.Note == "" {
				cs.Note = fmt.Sprintf("未配置%s发送服务，消息保持待发送 / no %s provider is configured; messages stay queued", ChannelNames[c][0], ChannelNames[c][1])
			}
		}
		out = append(out, cs)
	}
	return out
}

// Configured reports whether ch has a provider.
func (s *Service) Configured(ch Channel) bool { return s.Providers[ch] != nil }

// Find lists messages.
func (s *Service) Find(ctx context.Context, f Filter) ([]Message, int, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if f.Limit > 500 || f.Offset < 0 {
		return nil, 0, errs.Invalid("limit 须为 1 到 500，offset 不能为负 / limit must be 1 to 500 and offset not negative").WithField("limit", "1 to 500")
	}
	items, total, err := s.Store.FindMessages(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list outbox messages: %w", err)
	}
	return items, total, nil
}

// Retry sends a failed or dead message again.
func (s *Service) Retry(ctx context.Context, id string) (Message, error) {
	m, err := s.Store.FindMessageByID(ctx, id)
	if err != nil {
		return Message{}, fmt.Errorf("retry outbox message %s: %w", id, err)
	}
	next, err := m.Retry(s.Now().UTC())
	if err != nil {
		return Message{}, err
	}
	saved, err := s.Store.SaveMessage(ctx, next, nil)
	if err != nil {
		return Message{}, fmt.Errorf("retry outbox message %s: %w", id, err)
	}
	return saved, nil
}

// ApplyReceipt records a gateway's receipt and moves its message on. A
// receipt naming no message we sent is NotFound; a lost update is retried
// once, since a receipt may race the sender's own record.
func (s *Service) ApplyReceipt(ctx context.Context, r Receipt) (Message, error) {
	r.ReceivedAt = s.Now().UTC()
	rnd := rand.Float64
	if s.Rand != nil {
		rnd = s.Rand
	}
	for try := 0; ; try++ {
		m, err := s.Store.FindMessageByProviderID(ctx, r.Channel, r.ProviderID)
		if errs.Is(err, errs.KindNotFound) {
			return Message{}, errs.NotFound("没有编号为 %s 的%s消息 / no %s message has the id %s", r.ProviderID, ChannelNames[r.Channel][0], ChannelNames[r.Channel][1], r.ProviderID)
		}
		if err != nil {
			return Message{}, fmt.Errorf("receipt for %s: %w", r.ProviderID, err)
		}
		next, changed, err := m.ApplyReceipt(r, s.Policy, rnd())
		if err != nil {
			return Message{}, err
		}
		if !changed {
			return m, nil
		}
		r.MessageID = m.ID
		r.Detail = Scrub(clip(r.Detail, 300), m.To)
		saved, err := s.Store.SaveMessage(ctx, next, &r)
		if errs.Is(err, errs.KindConflict) && try == 0 {
			continue
		}
		if err != nil {
			return Message{}, fmt.Errorf("receipt for %s: %w", r.ProviderID, err)
		}
		return saved, nil
	}
}
