package config

import (
	"bytes"
	"flag"
	"strings"
	"testing"
	"time"
)

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		wantErr string
		check   func(c Config) bool
	}{
		{"defaults", nil, nil, "", func(c Config) bool { return c.Addr == "127.0.0.1:8080" && c.DB == "sqlite:data/cityloop.db" && c.Demo }},
		{"env then flags", map[string]string{"CITYLOOP_ADDR": "0.0.0.0:9000"}, []string{"--addr", "127.0.0.1:9001"}, "",
			func(c Config) bool { return c.Addr == "127.0.0.1:9001" }},
		{"postgres", nil, []string{"--db", "postgres://u:secret@db/city"}, "", func(c Config) bool { return strings.HasPrefix(c.DB, "postgres://") }},
		{"bad db", nil, []string{"--db", "mysql://x"}, "--db must be", nil},
		{"bad addr", nil, []string{"--addr", "8080"}, "--addr", nil},
		{"advertise", nil, []string{"--advertise", "http://10.0.0.5:8080"}, "", func(c Config) bool { return c.Advertise == "http://10.0.0.5:8080" }},
		{"public url defaults to the listen address", nil, []string{"--addr", "0.0.0.0:9000"}, "", func(c Config) bool { return c.PublicURL == "http://0.0.0.0:9000" }},
		{"public url from env", map[string]string{"CITYLOOP_PUBLIC_URL": "https://city.example.gov.cn/loop/"}, nil, "",
			func(c Config) bool { return c.PublicURL == "https://city.example.gov.cn/loop" }},
		{"bad public url", nil, []string{"--public-url", "city.example.gov.cn"}, "--public-url must be a base URL", nil},
		{"bad advertise", nil, []string{"--advertise", "10.0.0.5:8080"}, "--advertise must be a base URL", nil},
		{"mqtt from env", map[string]string{"CITYLOOP_MQTT_ADDR": "127.0.0.1:1883", "CITYLOOP_MQTT_PASSWORD": "s3cret"}, nil, "",
			func(c Config) bool {
				return c.MQTTAddr == "127.0.0.1:1883" && c.MQTTPassword == "s3cret" && c.MQTTClientID == "cityloop-sensing" && c.MQTTSessionExpiry == time.Hour
			}},
		{"mqtt url", nil, []string{"--mqtt-addr", "mqtt://broker:1883", "--mqtt-group", "g"}, "", func(c Config) bool { return c.MQTTGroup == "g" }},
		{"bad mqtt addr", nil, []string{"--mqtt-addr", "broker"}, "--mqtt-addr must be HOST:PORT", nil},
		{"bad mqtt scheme", nil, []string{"--mqtt-addr", "http://broker:1883"}, "--mqtt-addr must be HOST:PORT", nil},
		{"short session", nil, []string{"--mqtt-addr", "b:1883", "--mqtt-session-expiry", "0s"}, "--mqtt-session-expiry", nil},
		{"bad env", map[string]string{"CITYLOOP_DEMO_CASES": "many"}, nil, "CITYLOOP_DEMO_CASES", nil},
		{"no providers by default", nil, nil, "", func(c Config) bool { return c.SMTPHost == "" && c.SMSWebhookURL == "" && c.SMTPPort == 587 }},
		{"smtp from env", map[string]string{"CITYLOOP_SMTP_HOST": "mail.example.gov.cn", "CITYLOOP_SMTP_FROM": "智慧城管 <noreply@example.gov.cn>",
			"CITYLOOP_SMTP_USERNAME": "notify", "CITYLOOP_SMTP_PASSWORD": "pw"}, []string{"--smtp-port", "465"}, "",
			func(c Config) bool {
				return c.SMTPHost == "mail.example.gov.cn" && c.SMTPPort == 465 && c.SMTPPassword == "pw"
			}},
		{"smtp without a sender", nil, []string{"--smtp-host", "mail.example.gov.cn"}, "--smtp-from", nil},
		{"smtp user without a password", nil, []string{"--smtp-host", "m", "--smtp-from", "a@example.org", "--smtp-username", "u"}, "--smtp-password", nil},
		{"smtp bad port", nil, []string{"--smtp-host", "m", "--smtp-from", "a@example.org", "--smtp-port", "0"}, "--smtp-port", nil},
		{"sms webhook", map[string]string{"CITYLOOP_SMS_WEBHOOK_SECRET": strings.Repeat("s", 32)}, []string{"--sms-webhook-url", "https://sms.example.gov.cn/send"}, "",
			func(c Config) bool { return c.SMSWebhookURL == "https://sms.example.gov.cn/send" }},
		{"sms webhook short secret", nil, []string{"--sms-webhook-url", "https://sms.example.gov.cn/send", "--sms-webhook-secret", "short"}, "--sms-webhook-secret", nil},
		{"bureau defaults to the demo city", nil, nil, "", func(c Config) bool {
			return c.BureauName == "示范市城市管理综合行政执法局" && c.BureauShort == "示范城管"
		}},
		{"bureau from env and flags", map[string]string{"CITYLOOP_BUREAU_NAME": " 南京市城市管理局 "}, []string{"--bureau-short", "宁城管"}, "",
			func(c Config) bool { return c.BureauName == "南京市城市管理局" && c.BureauShort == "宁城管" }},
		{"bureau short with a bracket", nil, []string{"--bureau-short", "宁城管〔"}, "--bureau-short", nil},
		{"bureau short with 号", nil, []string{"--bureau-short", "宁号"}, "--bureau-short", nil},
		{"empty bureau name", map[string]string{"CITYLOOP_BUREAU_NAME": " "}, []string{"--bureau-name", ""}, "--bureau-name", nil},
		{"bureau name with a control character", nil, []string{"--bureau-name", "执法局\x07"}, "--bureau-name", nil},
		{"after photos shown by default", nil, nil, "", func(c Config) bool { return c.CitizenAfterPhoto == "show" }},
		{"after photos withheld", map[string]string{"CITYLOOP_CITIZEN_AFTER_PHOTO": "withhold"}, nil, "", func(c Config) bool { return c.CitizenAfterPhoto == "withhold" }},
		{"after photos blurred: no model", nil, []string{"--citizen-after-photo", "blur"}, "withhold", nil},
		{"after photos misspelt", nil, []string{"--citizen-after-photo", "hide"}, "--citizen-after-photo", nil},
		{"grid gap defaults to 30 m", nil, nil, "", func(c Config) bool { return c.GridGapM == 30 }},
		{"grid gap from env", map[string]string{"CITYLOOP_GRID_GAP_M": "0"}, nil, "", func(c Config) bool { return c.GridGapM == 0 }},
		{"negative grid gap", nil, []string{"--grid-gap-m", "-5"}, "grid-gap-m", nil},
		{"sms webhook not a URL", map[string]string{"CITYLOOP_SMS_WEBHOOK_SECRET": strings.Repeat("s", 32)}, []string{"--sms-webhook-url", "sms.example.gov.cn"}, "--sms-webhook-url", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			err := c.FromEnv(func(k string) string { return tt.env[k] })
			if err == nil {
				fs := flag.NewFlagSet("t", flag.ContinueOnError)
				c.Register(fs)
				if err = fs.Parse(tt.args); err == nil {
					err = c.Finish()
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Fatalf("config %+v, err %v", c, err)
			}
		})
	}
}

func TestDumpMasksSecrets(t *testing.T) {
	c := Default()
	c.DB = "postgres://city:hunter2@db:5432/city"
	c.PIIKeys = "k1:c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0MTI=,k0:b2xk"
	c.MQTTPassword = "zq9:brokerpw"
	c.SMTPPassword = "mailpw-77"
	c.SMSWebhookSecret = "gatewaysecret-0123456789abcdef01"
	var b bytes.Buffer
	c.Dump(&b)
	out := b.String()
	if strings.Contains(out, "hunter2") || strings.Contains(out, "c2VjcmV0") || strings.Contains(out, "zq9") || strings.Contains(out, "brokerpw") ||
		strings.Contains(out, "mailpw-77") || strings.Contains(out, "gatewaysecret") {
		t.Fatalf("secret in dump:\n%s", out)
	}
	if !strings.Contains(out, "k1:****") || !strings.Contains(out, "city:****@db") {
		t.Fatalf("masked values missing:\n%s", out)
	}
}
