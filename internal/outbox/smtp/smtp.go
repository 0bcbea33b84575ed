// Package smtp is the outbox's e-mail provider: it sends a message over
// SMTP with the standard library's client, upgrading the connection with
// STARTTLS whenever the server offers it (or speaking TLS from the start
// on port 465), authenticating with PLAIN only over TLS or to a server on
// this machine, and writing a proper MIME message: UTF-8 text in base64,
// the subject as RFC 2047 encoded words, so Chinese arrives intact.
//
// It does network I/O, so it lives apart from the outbox domain; it
// imports only outbox (and errs through it) and never the store, api, web
// or app.
package smtp

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/mail"
	netsmtp "net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/outbox"
)

// Config is the mail server and the sender's address.
type Config struct {
	Host     string
	Port     int    // 587 (submission with STARTTLS) or 25; 465 speaks TLS from the start
	Username string // "" = no authentication
	Password string
	From     string // "城管局 <noreply@example.gov.cn>" or a bare address
	// TLS configures the TLS client (nil: the system's roots, ServerName
	// Host). Tests pass their own roots here.
	TLS *tls.Config
	// Hello is the name sent with EHLO ("" = localhost).
	Hello string
}

// Provider sends e-mail. Safe for concurrent use.
type Provider struct {
	cfg  Config
	from *mail.Address
}

// New checks cfg. The errors name the setting to fix.
func New(cfg Config) (*Provider, error) {
	if cfg.Host == "" {
		return nil, errors.New("smtp: --smtp-host is empty")
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("smtp: --smtp-port %d is not a port", cfg.Port)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("smtp: --smtp-from %q is not an e-mail address: %w", cfg.From, err)
	}
	if cfg.Username != "" && cfg.Password == "" {
		return nil, errors.New("smtp: --smtp-username is set but --smtp-password is empty")
	}
	if cfg.Hello == "" {
		cfg.Hello = "localhost"
	}
	return &Provider{cfg: cfg, from: from}, nil
}

// Channel is e-mail.
func (p *Provider) Channel() outbox.Channel { return outbox.ChannelEmail }

func (p *Provider) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if p.cfg.TLS != nil {
		c = p.cfg.TLS.Clone()
	}
	if c.ServerName == "" {
		c.ServerName = p.cfg.Host
	}
	return c
}

// Send delivers m to the mail server. The server's refusal of the
// recipient or of the content (5xx to RCPT or DATA) is permanent; anything
// else (connection, 4xx, authentication) is worth a retry.
func (p *Provider) Send(ctx context.Context, m outbox.Message) (outbox.Result, error) {
	addr := net.JoinHostPort(p.cfg.Host, strconv.Itoa(p.cfg.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return outbox.Result{}, fmt.Errorf("connect to the mail server: %w", err)
	}
	defer conn.Close()
	// The client has no context: a deadline on the connection and a close
	// when ctx ends bound every exchange.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	implicit := p.cfg.Port == 465
	if implicit {
		tc := tls.Client(conn, p.tlsConfig())
		if err := tc.HandshakeContext(ctx); err != nil {
			return outbox.Result{}, fmt.Errorf("TLS with the mail server: %w", err)
		}
		conn = tc
	}
	c, err := netsmtp.NewClient(conn, p.cfg.Host)
	if err != nil {
		return outbox.Result{}, fmt.Errorf("greeting of the mail server: %w", err)
	}
	defer c.Close()
	if err := c.Hello(p.cfg.Hello); err != nil {
		return outbox.Result{}, fmt.Errorf("EHLO: %w", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok && !implicit {
		if err := c.StartTLS(p.tlsConfig()); err != nil {
			return outbox.Result{}, fmt.Errorf("STARTTLS: %w", err)
		}
	}
	if p.cfg.Username != "" {
		if ok, _ := c.Extension("AUTH"); !ok {
			return outbox.Result{}, errors.New("the mail server offers no authentication, but a user name is configured")
		}
		// PlainAuth refuses to send the password unless the connection is
		// TLS or the server is on this machine.
		if err := c.Auth(netsmtp.PlainAuth("", p.cfg.Username, p.cfg.Password, p.cfg.Host)); err != nil {
			return outbox.Result{}, fmt.Errorf("authenticate to the mail server: %w", err)
		}
	}
	if err := c.Mail(p.from.Address); err != nil {
		return outbox.Result{}, fmt.Errorf("MAIL FROM: %w", err)
	}
	if err := c.Rcpt(m.To); err != nil {
		return outbox.Result{}, classify(fmt.Errorf("RCPT TO: %w", err))
	}
	w, err := c.Data()
	if err != nil {
		return outbox.Result{}, classify(fmt.Errorf("DATA: %w", err))
	}
	msg := Compose(p.from, m.To, m.Subject, m.Body, messageID(m.ID, p.from.Address), time.Now())
	if _, err := w.Write(msg); err != nil {
		return outbox.Result{}, fmt.Errorf("write the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return outbox.Result{}, classify(fmt.Errorf("end of DATA: %w", err))
	}
	// The server has taken the message; a failed QUIT changes nothing.
	_ = c.Quit()
	return outbox.Result{ProviderID: m.ID}, nil
}

// classify makes a 5xx answer permanent.
func classify(err error) error {
	var te *textproto.Error
	if errors.As(err, &te) && te.Code >= 500 && te.Code < 600 {
		return outbox.Permanent(err)
	}
	return err
}

// messageID is the Message-ID header of message id, in the sender's domain.
func messageID(id, from string) string {
	_, domain, _ := strings.Cut(from, "@")
	if domain == "" {
		domain = "localhost"
	}
	return "<" + id + "@" + domain + ">"
}

// encodeHeader is a header value as RFC 2047 encoded words when it needs
// them: non-ASCII text, control characters, or ASCII that a reader would
// take for an encoded word ("=?"). Each word holds at most 45 bytes of
// whole characters (60 of base64, 72 with its frame), one per folded
// line, so no line is too long however long the Chinese subject.
func encodeHeader(s string) string {
	plain := !strings.Contains(s, "=?")
	for i := 0; i < len(s) && plain; i++ {
		plain = s[i] >= 0x20 && s[i] < 0x7f
	}
	if plain {
		return s
	}
	var words []string
	for len(s) > 0 {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > 45 {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return strings.Join(words, "\r\n ")
}

// Compose writes the message as MIME: headers in ASCII (the subject and
// any non-ASCII name as RFC 2047 encoded words, folded), the body as UTF-8
// plain text in base64 lines of 76 characters, CRLF throughout.
func Compose(from *mail.Address, to, subject, body, msgID string, date time.Time) []byte {
	var b strings.Builder
	header := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	header("From", from.String())
	header("To", (&mail.Address{Address: to}).String())
	header("Subject", encodeHeader(subject))
	header("Date", date.UTC().Format(time.RFC1123Z))
	header("Message-ID", msgID)
	header("MIME-Version", "1.0")
	header("Content-Type", "text/plain; charset=UTF-8")
	header("Content-Transfer-Encoding", "base64")
	header("Auto-Submitted", "auto-generated") // RFC 3834: no auto-replies to a notification
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\n", "\r\n")))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return []byte(b.String())
}
