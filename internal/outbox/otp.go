package outbox

import (
	"context"
	"fmt"
	"time"

	"cityloop/internal/errs"
)

// TemplateOneTimeCode is the template code of citizens' one-time codes.
const TemplateOneTimeCode = "citizen_otp"

// otpAttempts bounds a one-time code's attempts: with the default policy
// three attempts fit in the code's five minutes; later ones would deliver
// a code that no longer works.
const otpAttempts = 3

// OneTimeCodeDraft is the SMS that carries a citizen's one-time code.
func OneTimeCodeDraft(phone, code string, ttl time.Duration) Draft {
	mins := int(ttl.Round(time.Minute) / time.Minute)
	return Draft{Channel: ChannelSMS, To: phone, Template: TemplateOneTimeCode, MaxAttempts: otpAttempts,
		Body: fmt.Sprintf("【智慧城管】您的验证码为 %s，%d 分钟内有效，请勿告诉他人。Your CityLoop code is %s, valid for %d minutes.", code, mins, code, mins)}
}

// SendOneTimeCode queues a citizen's one-time code by SMS. It is
// Unavailable when no SMS provider is configured, so the caller keeps its
// behaviour without one.
func (s *Service) SendOneTimeCode(ctx context.Context, phone, code string, ttl time.Duration) error {
	if !s.Configured(ChannelSMS) {
		return errs.E(errs.KindUnavailable, "短信服务未配置 / SMS is not configured")
	}
	if _, _, err := s.Enqueue(ctx, OneTimeCodeDraft(phone, code, ttl)); err != nil {
		return fmt.Errorf("send a one-time code: %w", err)
	}
	return nil
}
