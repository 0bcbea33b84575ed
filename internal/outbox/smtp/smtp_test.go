package smtp_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"io"
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"cityloop/internal/outbox"
	"cityloop/internal/outbox/smtp"
	"cityloop/internal/outbox/smtp/smtptest"
)

func provider(t *testing.T, srv *smtptest.Server, edit func(c *smtp.Config)) *smtp.Provider {
	t.Helper()
	c := smtp.Config{Host: srv.Host, Port: srv.Port, Username: srv.User, Password: srv.Password,
		From: "智慧城管 <noreply@cityloop.test>", TLS: &tls.Config{RootCAs: srv.Roots}}
	if edit != nil {
		edit(&c)
	}
	p, err := smtp.New(c)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func message(to string) outbox.Message {
	return outbox.Message{ID: "0192-msg", Channel: outbox.ChannelEmail, To: to,
		Subject: "行政处罚决定书送达通知（城管罚决字〔2026〕第 17 号）——请于七日内查收并签署送达回证",
		Body:    "张三：\n\n本机关已作出行政处罚决定，决定书见附件。\n如不服，可于六十日内申请行政复议。\n\n智慧城管"}
}

// decoded reads a mail as a client would: headers, the subject's encoded
// words and the base64 body.
func decoded(t *testing.T, raw []byte) (h mail.Header, subject, body string) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("not a mail message: %v\n%s", err, raw)
	}
	subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("subject: %v", err)
	}
	b, err := io.ReadAll(base64.NewDecoder(base64.StdEncoding, msg.Body))
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return msg.Header, subject, strings.ReplaceAll(string(b), "\r\n", "\n")
}

// TestSend_ChineseOverSTARTTLS: the mail arrives over STARTTLS, after
// PLAIN authentication, and its subject and body decode to the Chinese
// text that was sent.
func TestSend_ChineseOverSTARTTLS(t *testing.T) {
	srv := smtptest.Start(t)
	m := message("zhang.san@example.org")
	res, err := provider(t, srv, nil).Send(context.Background(), m)
	if err != nil {
		t.Fatal(err)
	}
	if res.ProviderID != m.ID || res.Delivered {
		t.Errorf("result %+v", res)
	}
	mails := srv.Mails()
	if len(mails) != 1 {
		t.Fatalf("%d mails", len(mails))
	}
	got := mails[0]
	if !got.TLS || got.User != srv.User || got.From != "noreply@cityloop.test" || len(got.To) != 1 || got.To[0] != m.To {
		t.Fatalf("envelope %+v", got)
	}
	h, subject, body := decoded(t, got.Data)
	if subject != m.Subject || body != m.Body {
		t.Fatalf("subject %q\nbody %q", subject, body)
	}
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "智慧城管" || from[0].Address != "noreply@cityloop.test" {
		t.Errorf("From %v %v", from, err)
	}
	for k, want := range map[string]string{"Content-Type": "text/plain; charset=UTF-8", "Content-Transfer-Encoding": "base64",
		"Mime-Version": "1.0", "Message-Id": "<0192-msg@cityloop.test>", "To": "<zhang.san@example.org>"} {
		if h.Get(k) != want {
			t.Errorf("%s: %q, want %q", k, h.Get(k), want)
		}
	}
	for _, line := range strings.Split(string(got.Data), "\r\n") {
		if len(line) > 998 {
			t.Errorf("a line of %d bytes", len(line))
		}
		for _, r := range line {
			if r > 127 {
				t.Fatalf("non-ASCII on the wire: %q", line)
			}
		}
	}
}

func TestSend_Failures(t *testing.T) {
	srv := smtptest.Start(t)
	srv.SetReject("nobody@example.org", 550)
	srv.SetReject("busy@example.org", 451)
	for _, tc := range []struct {
		name      string
		to        string
		edit      func(c *smtp.Config)
		permanent bool
	}{
		{"unknown recipient is permanent", "nobody@example.org", nil, true},
		{"greylisting is worth a retry", "busy@example.org", nil, false},
		{"wrong password is worth a retry once fixed", "zhang@example.org", func(c *smtp.Config) { c.Password = "wrong" }, false},
		{"untrusted certificate", "zhang@example.org", func(c *smtp.Config) { c.TLS = nil }, false},
		{"nothing listens", "zhang@example.org", func(c *smtp.Config) { c.Port = 1 }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_, err := provider(t, srv, tc.edit).Send(ctx, message(tc.to))
			if err == nil {
				t.Fatal("sent")
			}
			if outbox.IsPermanent(err) != tc.permanent {
				t.Fatalf("permanent %v, want %v: %v", outbox.IsPermanent(err), tc.permanent, err)
			}
		})
	}
	if n := len(srv.Mails()); n != 0 {
		t.Fatalf("%d mails taken", n)
	}
}

func TestNew_Checks(t *testing.T) {
	for _, c := range []smtp.Config{
		{Port: 587, From: "a@example.org"},
		{Host: "mail.example.org", Port: 0, From: "a@example.org"},
		{Host: "mail.example.org", Port: 587, From: "not an address"},
		{Host: "mail.example.org", Port: 587, From: "a@example.org", Username: "u"},
	} {
		if _, err := smtp.New(c); err == nil {
			t.Errorf("%+v accepted", c)
		}
	}
}

// FuzzCompose: whatever one-line subject and body, the message is ASCII,
// parses as mail, and its subject and body decode back to what was given.
func FuzzCompose(f *testing.F) {
	for _, s := range [][2]string{{"送达通知", "张三：\n正文"}, {"", "x"}, {"=?UTF-8?b?x?=", "\r\n.\r\n"}, {strings.Repeat("长", 200), strings.Repeat("行\n", 50)}} {
		f.Add(s[0], s[1])
	}
	from := &mail.Address{Name: "智慧城管", Address: "noreply@cityloop.test"}
	f.Fuzz(func(t *testing.T, subject, body string) {
		if !utf8.ValidString(subject) || !utf8.ValidString(body) || strings.ContainsAny(subject, "\r\n") || strings.ContainsRune(body, '\r') {
			t.Skip()
		}
		raw := smtp.Compose(from, "a@example.org", subject, body, "<x@cityloop.test>", time.Unix(0, 0))
		for _, b := range raw {
			if b > 127 {
				t.Fatalf("non-ASCII byte in %q", raw)
			}
		}
		_, gotSubject, gotBody := decoded(t, raw)
		if strings.TrimSpace(gotSubject) != strings.TrimSpace(subject) || gotBody != body {
			t.Fatalf("subject %q → %q, body %q → %q", subject, gotSubject, body, gotBody)
		}
	})
}
