package app

import (
	"context"
	"net/http"
	"time"

	"cityloop/internal/api"
	"cityloop/internal/jobs"
	"cityloop/internal/outbox"
	"cityloop/internal/outbox/providers"
	"cityloop/internal/store/outboxstore"
)

// wireOutbox opens the notification outbox with the configured providers
// (a channel without settings has none: its messages stay queued and the
// listing says so) and registers "outbox-delivery", which sends due
// messages every 10 s on whichever node claims it. Citizens' one-time
// codes go through it when SMS is configured (wireWeb passes a.otpSender).
func wireOutbox(a *App, _ *http.ServeMux) error {
	ctx, c := context.Background(), a.Cfg
	st, err := openStore(a, "outbox", outboxstore.Open)
	if err != nil {
		return err
	}
	a.resealers = append(a.resealers, resealer{"outbox messages (recipients, subjects, bodies)", st.ResealMessages})
	set, err := providers.Build(ctx, providers.Settings{SMTPHost: c.SMTPHost, SMTPPort: c.SMTPPort, SMTPUsername: c.SMTPUsername,
		SMTPPassword: c.SMTPPassword, SMTPFrom: c.SMTPFrom, SMSWebhookURL: c.SMSWebhookURL, SMSWebhookSecret: c.SMSWebhookSecret,
		EgressAllow: c.EgressAllow}, a.Now)
	if err != nil {
		return err
	}
	svc := &outbox.Service{Store: st, Providers: set.Providers, Policy: outbox.DefaultPolicy, Now: a.Now, NewID: NewID}
	sender := &outbox.Sender{Store: st, Providers: set.Providers, Policy: outbox.DefaultPolicy, Node: a.node, Now: a.Now}
	a.api.Outbox, a.api.OutboxReceipts = svc, map[outbox.Channel]api.ReceiptVerifier{}
	if set.SMS != nil {
		a.api.OutboxReceipts[outbox.ChannelSMS], a.otpSender = set.SMS, svc
	}
	return a.schedule("outbox", jobs.Job{Name: "outbox-delivery", Schedule: jobs.Every(10 * time.Second), Timeout: 10 * time.Minute,
		Run: func(ctx context.Context) error { _, err := sender.RunOnce(ctx); return err }})
}
