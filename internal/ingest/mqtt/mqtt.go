package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"cityloop/internal/sensing"
)

// Sink takes batches of readings; a nil error means they are stored.
type Sink interface {
	Ingest(ctx context.Context, rs []sensing.Reading) (sensing.IngestResult, error)
}

// Config tunes the subscriber.
type Config struct {
	Addr          string // host:port or mqtt://host:port
	ClientID      string // stable per node, so its session survives restarts
	Group         string // shared-subscription group; "" subscribes without sharing
	Username      string
	Password      string
	SessionExpiry time.Duration // how long the broker keeps the session while we are away (default 1 h)
	BatchSize     int           // readings per store transaction (default 500)
	BatchWait     time.Duration // longest wait for more readings once some are queued (default 2 ms)
	// Connections is how many client sessions share the subscription
	// (default 4; 1 without a Group). Mosquitto lets each session have only
	// max_inflight_messages (20 by default) unacknowledged messages, and
	// drops what overflows max_queued_messages (1000): several sessions
	// and greedy batches keep the window moving.
	Connections int
	Now         func() time.Time
	Log         *slog.Logger
}

// Stats count what the subscriber did.
type Stats struct {
	Received, Invalid, Stored, Acked, Batches, Retries atomic.Int64
}

// Counters reads the counters now, with the topic filter.
func (s *Subscriber) Counters() sensing.IntakeCounters {
	st := &s.Stats
	return sensing.IntakeCounters{Filter: s.Filter(), Received: st.Received.Load(), Invalid: st.Invalid.Load(),
		Stored: st.Stored.Load(), Acked: st.Acked.Load(), Batches: st.Batches.Load(), Retries: st.Retries.Load()}
}

// Subscriber is a running telemetry subscription.
type Subscriber struct {
	cfg   Config
	sink  Sink
	Stats Stats
	in    chan msg
	up    chan struct{}
	// conns are the sessions of the running subscription (nil while it
	// does not run on this node); Connected reads them.
	conns atomic.Pointer[[]*Conn]
}

type msg struct {
	r   sensing.Reading
	pub *paho.Publish
	cli *paho.Client
}

// New prepares a subscriber; Run connects.
func New(cfg Config, sink Sink) *Subscriber {
	if cfg.SessionExpiry == 0 {
		cfg.SessionExpiry = time.Hour
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.BatchWait <= 0 {
		cfg.BatchWait = 2 * time.Millisecond
	}
	if cfg.Connections <= 0 {
		cfg.Connections = 4
	}
	if cfg.Group == "" {
		cfg.Connections = 1
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.ClientID == "" {
		cfg.ClientID = "cityloop-ingest"
	}
	return &Subscriber{cfg: cfg, sink: sink, in: make(chan msg, 4*cfg.BatchSize), up: make(chan struct{}, 1)}
}

// Filter is the subscription filter.
func (s *Subscriber) Filter() string {
	if s.cfg.Group == "" {
		return sensing.TopicFilter
	}
	return "$share/" + s.cfg.Group + "/" + sensing.TopicFilter
}

// BrokerURL turns host:port into mqtt://host:port.
func BrokerURL(addr string) (*url.URL, error) {
	if !strings.Contains(addr, "://") {
		addr = "mqtt://" + addr
	}
	u, err := url.Parse(addr)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("MQTT address %q: want host:port or mqtt://host:port", addr)
	}
	return u, nil
}

// Connected reports whether the subscription runs on this node (only the
// node holding the sensing service subscribes) and, if so, whether every
// one of its sessions is connected to the broker.
func (s *Subscriber) Connected() (running, up bool) {
	cs := s.conns.Load()
	if cs == nil {
		return false, false
	}
	for _, c := range *cs {
		if !c.Connected() {
			return true, false
		}
	}
	return true, true
}

// Subscribed is signalled each time the subscription is (re)established.
func (s *Subscriber) Subscribed() <-chan struct{} { return s.up }

// Run connects, subscribes and ingests until ctx ends. Connection losses are
// retried with backoff; only a bad configuration returns early.
func (s *Subscriber) Run(ctx context.Context) error {
	u, err := BrokerURL(s.cfg.Addr)
	if err != nil {
		return err
	}
	log := s.cfg.Log
	var conns []*Conn
	for k := 0; k < s.cfg.Connections; k++ {
		id := s.cfg.ClientID
		if s.cfg.Connections > 1 {
			id = fmt.Sprintf("%s-%d", s.cfg.ClientID, k)
		}
		conn, err := Dial(ctx, ConnConfig{
			Addr: s.cfg.Addr, ClientID: id, SessionExpiry: s.cfg.SessionExpiry, KeepAlive: 30,
			Username: s.cfg.Username, Password: s.cfg.Password, ManualAck: true, Log: log,
			OnPublish: func(pr paho.PublishReceived) { s.receive(ctx, pr) },
			OnUp: func(ctx context.Context, cli *paho.Client, ca *paho.Connack) {
				sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
				defer cancel()
				if _, err := cli.Subscribe(sctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: s.Filter(), QoS: 1}}}); err != nil {
					if ctx.Err() == nil {
						log.Warn("mqtt subscribe", "filter", s.Filter(), "err", err)
					}
					return
				}
				log.Info("mqtt subscribed", "broker", u.Host, "client", id, "filter", s.Filter(), "session_present", ca.SessionPresent)
				select {
				case s.up <- struct{}{}:
				default:
				}
			},
		})
		if err != nil {
			return err
		}
		conns = append(conns, conn)
	}
	s.conns.Store(&conns)
	defer s.conns.Store(nil)
	s.batch(ctx)
	for _, c := range conns {
		<-c.Done()
	}
	return nil
}

// receive parses one message; bad ones are acknowledged at once (they would
// never parse on redelivery either) and counted.
func (s *Subscriber) receive(ctx context.Context, pr paho.PublishReceived) {
	s.Stats.Received.Add(1)
	id, err := sensing.DeviceFromTopic(pr.Packet.Topic)
	var r sensing.Reading
	if err == nil {
		r, err = sensing.ParseTelemetry(id, pr.Packet.Payload, s.cfg.Now())
	}
	if err != nil {
		s.Stats.Invalid.Add(1)
		s.cfg.Log.Debug("mqtt telemetry rejected", "topic", pr.Packet.Topic, "err", err)
		_ = pr.Client.Ack(pr.Packet)
		return
	}
	select {
	case s.in <- msg{r: r, pub: pr.Packet, cli: pr.Client}:
	case <-ctx.Done():
	}
}

// batch stores readings in batches and acknowledges them afterwards, in the
// order received. A failed store is retried: not acknowledging would only
// delay redelivery until the next reconnect.
func (s *Subscriber) batch(ctx context.Context) {
	buf := make([]msg, 0, s.cfg.BatchSize)
	rs := make([]sensing.Reading, 0, s.cfg.BatchSize)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		buf, rs = buf[:0], rs[:0]
		select {
		case <-ctx.Done():
			return
		case m := <-s.in:
			buf = append(buf, m)
		}
		// Take what is queued; wait briefly for more only while some
		// arrive, so a lone reading is not held back.
	fill:
		for len(buf) < s.cfg.BatchSize {
			select {
			case m := <-s.in:
				buf = append(buf, m)
				continue
			default:
			}
			timer.Reset(s.cfg.BatchWait)
			select {
			case m := <-s.in:
				buf = append(buf, m)
				if !timer.Stop() {
					<-timer.C
				}
			case <-timer.C:
				break fill
			case <-ctx.Done():
				return
			}
		}
		for _, m := range buf {
			rs = append(rs, m.r)
		}
		for attempt := 0; ; attempt++ {
			_, err := s.sink.Ingest(ctx, rs)
			if err == nil {
				break
			}
			if ctx.Err() != nil {
				return
			}
			s.Stats.Retries.Add(1)
			s.cfg.Log.Warn("mqtt ingest failed; retrying", "readings", len(rs), "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(min(time.Duration(attempt+1)*200*time.Millisecond, 5*time.Second)):
			}
		}
		s.Stats.Stored.Add(int64(len(rs)))
		s.Stats.Batches.Add(1)
		for _, m := range buf {
			if err := m.cli.Ack(m.pub); err == nil {
				s.Stats.Acked.Add(1)
			}
		}
	}
}
