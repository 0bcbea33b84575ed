package mqtt

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/eclipse/paho.golang/paho"
	"github.com/eclipse/paho.golang/paho/session/state"
)

// ConnConfig describes one MQTT v5 client session.
type ConnConfig struct {
	Addr     string
	ClientID string
	// CleanStart discards the broker's session on the first connection
	// only; reconnections always resume it.
	CleanStart    bool
	SessionExpiry time.Duration
	KeepAlive     uint16
	Username      string
	Password      string
	ManualAck     bool
	OnPublish     func(paho.PublishReceived)
	// OnUp runs (on its own goroutine) after each successful CONNECT.
	OnUp func(ctx context.Context, cli *paho.Client, ca *paho.Connack)
	Log  *slog.Logger
}

// Conn keeps one client session connected: it dials, CONNECTs with the same
// client id and the same in-memory session state each time (so QoS-1
// messages in flight are resent after a reconnect, in both directions), and
// backs off between attempts. paho's own autopaho does the same but pulls
// in websocket and proxy modules CityLoop does not otherwise need.
type Conn struct {
	cfg   ConnConfig
	state *state.State

	mu   sync.Mutex
	cli  *paho.Client
	up   chan struct{} // closed while connected
	done chan struct{}
}

// Dial starts the connection loop; it runs until ctx ends.
func Dial(ctx context.Context, cfg ConnConfig) (*Conn, error) {
	if _, err := BrokerURL(cfg.Addr); err != nil {
		return nil, err
	}
	if cfg.KeepAlive == 0 {
		cfg.KeepAlive = 30
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	c := &Conn{cfg: cfg, state: state.NewInMemory(), up: make(chan struct{}), done: make(chan struct{})}
	go c.loop(ctx)
	return c, nil
}

// Connected reports whether the session is connected now.
func (c *Conn) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cli != nil
}

// Done is closed when the loop has ended and the client disconnected.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Client waits for a live connection.
func (c *Conn) Client(ctx context.Context) (*paho.Client, error) {
	for {
		c.mu.Lock()
		cli, up := c.cli, c.up
		c.mu.Unlock()
		if cli != nil {
			return cli, nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-c.done:
			return nil, errors.New("mqtt connection closed")
		}
	}
}

func (c *Conn) loop(ctx context.Context) {
	defer close(c.done)
	first := true
	for attempt := 0; ctx.Err() == nil; attempt++ {
		if attempt > 0 {
			wait := min(time.Duration(1<<min(attempt, 5))*100*time.Millisecond, 3*time.Second)
			select {
			case <-ctx.Done():
				return
			case <-time.After(wait):
			}
		}
		cli, ca, err := c.connect(ctx, first)
		if err != nil {
			if ctx.Err() == nil && (attempt%10 == 0) {
				c.cfg.Log.Warn("mqtt connect", "addr", c.cfg.Addr, "client", c.cfg.ClientID, "err", err)
			}
			continue
		}
		first, attempt = false, 0
		c.cfg.Log.Debug("mqtt connected", "client", c.cfg.ClientID, "session_present", ca.SessionPresent)
		c.mu.Lock()
		c.cli = cli
		close(c.up)
		c.mu.Unlock()
		if c.cfg.OnUp != nil {
			go c.cfg.OnUp(ctx, cli, ca)
		}
		select {
		case <-ctx.Done():
			_ = cli.Disconnect(&paho.Disconnect{ReasonCode: 0})
			<-cli.Done()
		case <-cli.Done():
		}
		c.mu.Lock()
		c.cli, c.up = nil, make(chan struct{})
		c.mu.Unlock()
	}
}

func (c *Conn) connect(ctx context.Context, first bool) (*paho.Client, *paho.Connack, error) {
	u, _ := BrokerURL(c.cfg.Addr)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var d net.Dialer
	nc, err := d.DialContext(cctx, "tcp", u.Host)
	if err != nil {
		return nil, nil, err
	}
	cc := paho.ClientConfig{
		ClientID: c.cfg.ClientID, Conn: nc, Session: c.state,
		EnableManualAcknowledgment: c.cfg.ManualAck, SendAcksInterval: 5 * time.Millisecond,
		OnClientError: func(err error) { c.cfg.Log.Debug("mqtt client", "client", c.cfg.ClientID, "err", err) },
	}
	if c.cfg.OnPublish != nil {
		cc.OnPublishReceived = []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
			c.cfg.OnPublish(pr)
			return true, nil
		}}
	}
	cli := paho.NewClient(cc)
	expiry := uint32(c.cfg.SessionExpiry / time.Second)
	cp := &paho.Connect{ClientID: c.cfg.ClientID, KeepAlive: c.cfg.KeepAlive, CleanStart: first && c.cfg.CleanStart,
		Properties: &paho.ConnectProperties{SessionExpiryInterval: &expiry}}
	if c.cfg.Username != "" {
		cp.Username, cp.UsernameFlag = c.cfg.Username, true
		cp.Password, cp.PasswordFlag = []byte(c.cfg.Password), true
	}
	ca, err := cli.Connect(cctx, cp)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("connect %s as %s: %w", u.Host, c.cfg.ClientID, err)
	}
	return cli, ca, nil
}

// Publish sends one QoS-1 message. Once it returns nil the message is in the
// session: it reaches the broker even across reconnects (within this
// process). While the broker is away it waits.
func (c *Conn) Publish(ctx context.Context, topic string, payload []byte) error {
	for {
		cli, err := c.Client(ctx)
		if err != nil {
			return err
		}
		_, err = cli.PublishWithOptions(ctx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload},
			paho.PublishOptions{Method: paho.PublishMethod_AsyncSend})
		if err == nil || errors.Is(err, paho.ErrNetworkErrorAfterStored) {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if errors.Is(err, paho.ErrInvalidArguments) {
			return err
		}
		// Not stored (connection dropped first): wait for the next one.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// PublishSync sends one QoS-1 message and waits for the broker's PUBACK.
// The broker acknowledges in order, so after it returns, every message
// published before on this connection has reached the broker too.
func (c *Conn) PublishSync(ctx context.Context, topic string, payload []byte) error {
	for {
		cli, err := c.Client(ctx)
		if err != nil {
			return err
		}
		pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err = cli.Publish(pctx, &paho.Publish{Topic: topic, QoS: 1, Payload: payload})
		cancel()
		if err == nil || ctx.Err() != nil || errors.Is(err, paho.ErrInvalidArguments) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}
