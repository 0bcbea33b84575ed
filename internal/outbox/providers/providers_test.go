package providers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"cityloop/internal/outbox"
	"cityloop/internal/outbox/providers"
)

func TestBuild(t *testing.T) {
	secret := strings.Repeat("s", 32)
	for _, tc := range []struct {
		name    string
		s       providers.Settings
		want    []outbox.Channel
		wantErr string
	}{
		{"nothing configured", providers.Settings{}, nil, ""},
		{"e-mail", providers.Settings{SMTPHost: "mail.example.gov.cn", SMTPPort: 587, SMTPFrom: "智慧城管 <noreply@example.gov.cn>"}, []outbox.Channel{outbox.ChannelEmail}, ""},
		{"sms on an allowed address", providers.Settings{SMSWebhookURL: "http://127.0.0.1:9/sms", SMSWebhookSecret: secret, EgressAllow: "loopback"}, []outbox.Channel{outbox.ChannelSMS}, ""},
		{"sms to loopback refused", providers.Settings{SMSWebhookURL: "http://127.0.0.1:9/sms", SMSWebhookSecret: secret}, nil, "CITYLOOP_EGRESS_ALLOW"},
		{"bad sender", providers.Settings{SMTPHost: "mail.example.gov.cn", SMTPPort: 587, SMTPFrom: "nobody"}, nil, "--smtp-from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, err := providers.Build(context.Background(), tc.s, time.Now)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(set.Providers) != len(tc.want) {
				t.Fatalf("%v %v", set.Providers, err)
			}
			for _, ch := range tc.want {
				if p := set.Providers[ch]; p == nil || p.Channel() != ch {
					t.Errorf("%s: %v", ch, p)
				}
			}
			if (set.SMS != nil) != (set.Providers[outbox.ChannelSMS] != nil) {
				t.Error("SMS receipts without the SMS provider, or the reverse")
			}
		})
	}
}
