// Package providers builds the outbox's providers from a node's settings:
// e-mail over SMTP when a mail server is given, SMS through the gateway's
// signed webhook when its URL is given, and none for a channel without
// settings (its messages then stay queued, and the outbox says why). It
// imports outbox, its smtp and webhook subpackages and egress, and never
// config, the store, api, web or app: app hands it the settings.
package providers

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/egress"
	"cityloop/internal/outbox"
	"cityloop/internal/outbox/smtp"
	"cityloop/internal/outbox/webhook"
)

// Settings are the providers' settings (config.Config's SMTP* and SMS*).
type Settings struct {
	SMTPHost, SMTPUsername, SMTPPassword, SMTPFrom string
	SMTPPort                                       int
	SMSWebhookURL, SMSWebhookSecret                string
	EgressAllow                                    string // the operator's allow-list, for the gateway's URL
}

// Set is what was built.
type Set struct {
	Providers map[outbox.Channel]outbox.Provider
	SMS       *webhook.Provider // nil without a gateway; it also checks the gateway's receipts
}

// Build makes the configured providers; a setting that cannot work (an
// address that is not one, a gateway URL the egress policy refuses) is an
// error naming it, so the node does not start half-configured.
func Build(ctx context.Context, s Settings, now func() time.Time) (Set, error) {
	set := Set{Providers: map[outbox.Channel]outbox.Provider{}}
	if s.SMTPHost != "" {
		p, err := smtp.New(smtp.Config{Host: s.SMTPHost, Port: s.SMTPPort, Username: s.SMTPUsername, Password: s.SMTPPassword, From: s.SMTPFrom})
		if err != nil {
			return set, fmt.Errorf("outbox e-mail: %w", err)
		}
		set.Providers[outbox.ChannelEmail] = p
	}
	if s.SMSWebhookURL != "" {
		policy, err := egress.Parse(s.EgressAllow)
		if err != nil {
			return set, fmt.Errorf("outbox SMS: %w", err)
		}
		p, err := webhook.New(ctx, webhook.Config{URL: s.SMSWebhookURL, Secret: s.SMSWebhookSecret, Policy: policy, Now: now})
		if err != nil {
			return set, fmt.Errorf("outbox SMS: %w", err)
		}
		set.Providers[outbox.ChannelSMS], set.SMS = p, p
	}
	return set, nil
}
