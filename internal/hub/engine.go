package hub

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/share"
)

// Formatter renders a batch for one kind of subscription.
type Formatter func(sub *share.Subscription, deliveryID string, changes []share.Change) ([]byte, error)

// Engine delivers the outbox to every active subscription: one worker per
// subscription reads from a shared in-memory window of recent changes (or
// from the database when it lags behind the window), posts signed batches,
// retries with exponential backoff and dead-letters a batch that fails
// MaxAttempts times. Cursors advance only after a 2xx, so delivery is at
// least once; cursors and delivery records are written every FlushEvery.
type Engine struct {
	Store share.Store
	// Client posts the batches; default an [egress] client that reaches
	// public addresses only.
	Client      *http.Client
	Log         *slog.Logger
	MaxAttempts int           // default 8
	BaseBackoff time.Duration // default 1 s, doubling
	MaxBackoff  time.Duration // default 5 min
	Poll        time.Duration // default 100 ms
	FlushEvery  time.Duration // default 200 ms
	Window      int           // changes kept in memory; default 20,000
	Formatters  map[string]Formatter
	// Feeder, when set, runs before each poll (on the same lease).
	Feeder *Feeder

	mu      sync.Mutex
	ring    []share.Change
	head    int64
	tick    chan struct{} // closed and replaced when new changes arrive
	workers map[string]*worker
	cursors map[string]int64
	done    []share.Delivery
	wake    chan struct{}
	reload  atomic.Bool // Reload asked Run to look at the subscriptions now
}

type worker struct {
	sub    *share.Subscription
	cancel context.CancelFunc
	done   chan struct{}
}

func (e *Engine) defaults() {
	if e.MaxAttempts <= 0 {
		e.MaxAttempts = 8
	}
	if e.BaseBackoff <= 0 {
		e.BaseBackoff = time.Second
	}
	if e.MaxBackoff <= 0 {
		e.MaxBackoff = 5 * time.Minute
	}
	if e.Poll <= 0 {
		e.Poll = 100 * time.Millisecond
	}
	if e.FlushEvery <= 0 {
		e.FlushEvery = 200 * time.Millisecond
	}
	if e.Window <= 0 {
		e.Window = 20_000
	}
	if e.Client == nil {
		e.Client = (*egress.Policy)(nil).Client(15 * time.Second)
	}
	if e.Log == nil {
		e.Log = slog.Default()
	}
}

// Wake makes the engine look for new changes now (after a publish).
func (e *Engine) Wake() {
	e.mu.Lock()
	w := e.wake
	e.mu.Unlock()
	if w != nil {
		select {
		case w <- struct{}{}:
		default:
		}
	}
}

// Run delivers until ctx ends, then flushes progress.
func (e *Engine) Run(ctx context.Context) error {
	e.defaults()
	head, err := e.Store.LastPos(ctx)
	if err != nil {
		return err
	}
	e.mu.Lock()
	e.head, e.ring, e.tick = head, nil, make(chan struct{})
	e.workers, e.cursors = map[string]*worker{}, map[string]int64{}
	e.wake = make(chan struct{}, 1)
	e.mu.Unlock()

	flushDone := make(chan struct{})
	flushCtx, stopFlush := context.WithCancel(context.Background())
	go func() {
		defer close(flushDone)
		t := time.NewTicker(e.FlushEvery)
		defer t.Stop()
		for {
			select {
			case <-flushCtx.Done():
				return
			case <-t.C:
				e.flush(flushCtx)
			}
		}
	}()
	defer func() {
		e.mu.Lock()
		ws := make([]*worker, 0, len(e.workers))
		for _, w := range e.workers {
			ws = append(ws, w)
		}
		e.mu.Unlock()
		for _, w := range ws {
			w.cancel()
			<-w.done
		}
		stopFlush()
		<-flushDone
		fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		e.flush(fctx)
		cancel()
	}()

	t := time.NewTicker(e.Poll)
	defer t.Stop()
	var lastSubs time.Time
	for {
		if e.reload.Swap(false) || time.Since(lastSubs) > 2*time.Second {
			if err := e.syncWorkers(ctx); err != nil && ctx.Err() == nil {
				e.Log.Warn("hub: load subscriptions", "err", err)
			}
			lastSubs = time.Now()
		}
		if e.Feeder != nil {
			if _, err := e.Feeder.Step(ctx); err != nil && ctx.Err() == nil {
				e.Log.Warn("hub: feed", "err", err)
			}
		}
		if err := e.load(ctx); err != nil && ctx.Err() == nil {
			e.Log.Warn("hub: read outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-e.wake:
		}
	}
}

// Reload makes the running engine pick up subscription changes at once. It
// only signals: Run starts and stops the workers on its own context, which
// lives as long as the engine, never on a caller's (a request's context
// ends with its response, and a worker started on it would stop at once).
// On a node that does not run the engine it does nothing; the node that
// does picks the change up within two seconds.
func (e *Engine) Reload() {
	e.reload.Store(true)
	e.Wake()
}

// load appends new outbox changes to the window and wakes the workers.
func (e *Engine) load(ctx context.Context) error {
	for {
		e.mu.Lock()
		head := e.head
		e.mu.Unlock()
		list, err := e.Store.ChangesAfter(ctx, head, 5000)
		if err != nil || len(list) == 0 {
			return err
		}
		e.mu.Lock()
		e.ring = append(e.ring, list...)
		if over := len(e.ring) - e.Window; over > 0 {
			e.ring = slices.Clone(e.ring[over:])
		}
		e.head = list[len(list)-1].Pos
		close(e.tick)
		e.tick = make(chan struct{})
		e.mu.Unlock()
		if len(list) < 5000 {
			return nil
		}
	}
}

func (e *Engine) syncWorkers(ctx context.Context) error {
	subs, err := e.Store.FindSubscriptions(ctx)
	if err != nil {
		return err
	}
	want := map[string]*share.Subscription{}
	for _, s := range subs {
		if s.Active {
			want[s.ID] = s
		}
	}
	e.mu.Lock()
	var stop []*worker
	for id, w := range e.workers {
		ns, ok := want[id]
		if !ok || ns.URL != w.sub.URL || ns.Secret != w.sub.Secret || !slices.Equal(ns.Datasets, w.sub.Datasets) ||
			!slices.Equal(ns.Sources, w.sub.Sources) || !slices.Equal(ns.Actions, w.sub.Actions) || ns.MaxBatch != w.sub.MaxBatch {
			stop = append(stop, w)
			delete(e.workers, id)
		}
	}
	e.mu.Unlock()
	for _, w := range stop {
		w.cancel()
		<-w.done
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	for id, s := range want {
		if _, ok := e.workers[id]; ok {
			continue
		}
		if c, ok := e.cursors[id]; ok && c > s.Cursor {
			s.Cursor = c // progress not flushed yet
		}
		wctx, cancel := context.WithCancel(ctx)
		w := &worker{sub: s, cancel: cancel, done: make(chan struct{})}
		e.workers[id] = w
		go func() {
			defer close(w.done)
			e.work(wctx, s)
		}()
	}
	return nil
}

// batch is what a worker sends next.
type batch struct {
	changes []share.Change
	scanned int64 // last position looked at (changes the subscription does not want are skipped)
}

// next collects up to MaxBatch wanted changes after cursor.
func (e *Engine) next(ctx context.Context, s *share.Subscription, cursor int64) (batch, <-chan struct{}, error) {
	max := s.MaxBatch
	if max <= 0 {
		max = 100
	}
	e.mu.Lock()
	tick := e.tick
	ring, head := e.ring, e.head
	e.mu.Unlock()
	b := batch{scanned: cursor}
	if cursor >= head {
		return b, tick, nil
	}
	var src []share.Change
	if len(ring) > 0 && cursor >= ring[0].Pos-1 {
		i := int(cursor - (ring[0].Pos - 1))
		src = ring[i:]
	} else {
		list, err := e.Store.ChangesAfter(ctx, cursor, 5000)
		if err != nil {
			return b, tick, err
		}
		if len(list) > 0 && list[0].Pos > cursor+1 {
			// Retention keeps what any subscription has not passed, so this
			// is a subscription made or moved behind the pruned positions.
			e.Log.Warn("hub: changes pruned before this subscription received them", "subscription", s.ID,
				"from", cursor+1, "to", list[0].Pos-1)
		}
		src = list
	}
	for i := range src {
		c := &src[i]
		b.scanned = c.Pos
		if s.Wants(c) {
			b.changes = append(b.changes, *c)
			if len(b.changes) == max {
				break
			}
		}
	}
	return b, tick, nil
}

func (e *Engine) work(ctx context.Context, s *share.Subscription) {
	cursor := s.Cursor
	for ctx.Err() == nil {
		b, tick, err := e.next(ctx, s, cursor)
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Warn("hub: read changes", "subscription", s.ID, "err", err)
			}
			sleep(ctx, e.Poll)
			continue
		}
		if len(b.changes) == 0 {
			if b.scanned > cursor {
				cursor = b.scanned
				e.setCursor(s.ID, cursor)
				continue
			}
			select {
			case <-ctx.Done():
			case <-tick:
			}
			continue
		}
		d, err := e.deliver(ctx, s, b.changes)
		if ctx.Err() != nil {
			return // not delivered: the cursor stays, the next run sends it again
		}
		if err != nil {
			// The stored and shown reason says what kind of failure it was,
			// never the network's words (refused, timed out, an address):
			// those would tell an administrator which ports are open.
			dl := share.DeadLetter{ID: deliveryID(s.ID, b.changes) + ":" + strconv.FormatInt(time.Now().UnixNano(), 36), SubscriptionID: s.ID, FirstPos: b.changes[0].Pos,
				LastPos: b.changes[len(b.changes)-1].Pos, Events: len(b.changes), Attempts: e.MaxAttempts,
				LastError: trim(describe(err), 500), CreatedAt: time.Now().UTC()}
			if aerr := e.Store.AddDeadLetter(ctx, dl); aerr != nil {
				e.Log.Error("hub: dead-letter", "subscription", s.ID, "err", aerr)
				sleep(ctx, e.BaseBackoff)
				continue // keep the cursor: better twice than never
			}
			e.Log.Warn("hub: batch dead-lettered", "subscription", s.ID, "first", dl.FirstPos, "last", dl.LastPos, "err", err)
		} else {
			e.mu.Lock()
			e.done = append(e.done, d)
			e.mu.Unlock()
		}
		cursor = b.scanned
		e.setCursor(s.ID, cursor)
	}
}

func (e *Engine) setCursor(id string, c int64) {
	e.mu.Lock()
	e.cursors[id] = c
	e.mu.Unlock()
}

// deliver posts one batch, retrying with exponential backoff.
func (e *Engine) deliver(ctx context.Context, s *share.Subscription, changes []share.Change) (share.Delivery, error) {
	id := deliveryID(s.ID, changes)
	format := e.Formatters[s.Kind]
	if format == nil {
		format = Envelope
	}
	body, err := format(s, id, changes)
	if err != nil {
		return share.Delivery{}, &formatError{err}
	}
	keys := make([]string, len(changes))
	for i := range changes {
		keys[i] = changes[i].EventID
	}
	var last error
	backoff := e.BaseBackoff
	for attempt := 1; attempt <= e.MaxAttempts; attempt++ {
		status, err := e.post(ctx, s, id, keys, body)
		if err == nil {
			return e.record(s, id, changes, attempt, status), nil
		}
		last = err
		if ctx.Err() != nil || attempt == e.MaxAttempts {
			break
		}
		sleep(ctx, backoff)
		backoff = min(backoff*2, e.MaxBackoff)
	}
	return share.Delivery{}, fmt.Errorf("after %d attempts: %w", e.MaxAttempts, last)
}

func (e *Engine) post(ctx context.Context, s *share.Subscription, id string, keys []string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	now := time.Now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "CityLoop-Hub/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, Sign(s.Secret, now, body))
	req.Header.Set(HeaderDelivery, id)
	req.Header.Set(HeaderEventKeys, strings.Join(keys, ","))
	res, err := e.Client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode/100 != 2 {
		return res.StatusCode, &egress.StatusError{Code: res.StatusCode}
	}
	return res.StatusCode, nil
}

func (e *Engine) record(s *share.Subscription, id string, changes []share.Change, attempts, status int) share.Delivery {
	now := time.Now()
	delays := make([]time.Duration, len(changes))
	checks := 0
	for i := range changes {
		delays[i] = now.Sub(changes[i].ChangedAt)
		if changes[i].CheckResult && changes[i].Department != s.Department {
			checks++
		}
	}
	slices.Sort(delays)
	return share.Delivery{ID: id + ":" + strconv.FormatInt(now.UnixNano(), 36), SubscriptionID: s.ID, Department: s.Department,
		FirstPos: changes[0].Pos, LastPos: changes[len(changes)-1].Pos, Events: len(changes), Attempts: attempts,
		HTTPStatus: status, DelayP50: delays[len(delays)/2], DelayMax: delays[len(delays)-1], Checks: checks, DeliveredAt: now.UTC()}
}

// flush writes cursors and deliveries gathered since the last flush.
func (e *Engine) flush(ctx context.Context) {
	e.mu.Lock()
	cursors, done := e.cursors, e.done
	e.cursors, e.done = map[string]int64{}, nil
	e.mu.Unlock()
	if len(cursors) == 0 && len(done) == 0 {
		return
	}
	if err := e.Store.SaveProgress(ctx, cursors, done); err != nil {
		e.Log.Warn("hub: save progress", "err", err)
		e.mu.Lock() // put it back for the next flush, newer cursors winning
		for id, c := range cursors {
			if cur, ok := e.cursors[id]; !ok || cur < c {
				e.cursors[id] = c
			}
		}
		e.done = append(done, e.done...)
		e.mu.Unlock()
	}
}

// Replay sends a dead-lettered batch again (up to three quick attempts)
// and marks it replayed on success. It works whether or not the engine runs.
func (e *Engine) Replay(ctx context.Context, id string) (share.Delivery, error) {
	e.defaults()
	dl, err := e.Store.FindDeadLetterByID(ctx, id)
	if err != nil {
		return share.Delivery{}, err
	}
	if dl.ReplayedAt != nil {
		return share.Delivery{}, errAlreadyReplayed
	}
	s, err := e.Store.FindSubscriptionByID(ctx, dl.SubscriptionID)
	if err != nil {
		return share.Delivery{}, err
	}
	all, err := e.Store.ChangesBetween(ctx, dl.FirstPos, dl.LastPos)
	if err != nil {
		return share.Delivery{}, err
	}
	var changes []share.Change
	for i := range all {
		if s.Wants(&all[i]) {
			changes = append(changes, all[i])
		}
	}
	if len(changes) == 0 {
		return share.Delivery{}, errs.Conflict("该死信的变更已被清理或订阅已不再需要 / the dead letter's changes are gone or no longer wanted")
	}
	r := &Engine{Store: e.Store, Client: e.Client, Log: e.Log, Formatters: e.Formatters, MaxAttempts: 3,
		BaseBackoff: 200 * time.Millisecond, MaxBackoff: time.Second}
	d, err := r.deliver(ctx, s, changes)
	if err != nil {
		return share.Delivery{}, err
	}
	if err := e.Store.MarkReplayed(ctx, id, time.Now().UTC()); err != nil {
		return share.Delivery{}, err
	}
	if err := e.Store.SaveProgress(ctx, nil, []share.Delivery{d}); err != nil {
		return d, err
	}
	return d, nil
}

var errAlreadyReplayed = errors.New("already replayed")

// formatError is a batch that could not be rendered (no network involved).
type formatError struct{ err error }

func (e *formatError) Error() string { return "format the batch: " + e.err.Error() }
func (e *formatError) Unwrap() error { return e.err }

// describe words a failed delivery for the dead letter and the replay
// answer, in Chinese and English, without network detail.
func describe(err error) string {
	var fe *formatError
	if errors.As(err, &fe) {
		return "无法生成推送内容 / the batch could not be rendered"
	}
	return egress.Describe(err)
}

// deliveryID names a batch; it is the same on every retry.
func deliveryID(sub string, changes []share.Change) string {
	return fmt.Sprintf("%s:%d-%d", sub, changes[0].Pos, changes[len(changes)-1].Pos)
}

// Envelope is the default body: the subscription, the delivery id and the
// changes, each with its position and idempotency key ("id").
func Envelope(s *share.Subscription, id string, changes []share.Change) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(64 + len(changes)*700)
	fmt.Fprintf(&b, `{"subscription":%q,"delivery":%q,"changes":[`, s.ID, id)
	for i := range changes {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(withPos(&changes[i]))
	}
	b.WriteString("]}")
	return b.Bytes(), nil
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
