package api

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/hotline"
	"cityloop/internal/httpkit"
	"cityloop/internal/hub"
	"cityloop/internal/org"
	"cityloop/internal/share"
	"cityloop/internal/workorder"
	"cityloop/internal/worktime"
)

// Hotline is what the /api/v1/hotline routes need of the 12345 adapter:
// taking work orders in, its settings, and reading and saving orders with
// their cases and callback subscription. app adapts *hotline.Adapter to
// it; the adapter keeps its poller and retention work.
type Hotline interface {
	Ingest(ctx context.Context, actor org.Actor, w hotline.WorkOrder) (*workorder.Order, bool, error)
	Settings(ctx context.Context) (workorder.Settings, error)
	SaveSettings(ctx context.Context, actor org.Actor, s workorder.Settings) (workorder.Settings, string, error)
	FindOrder(ctx context.Context, no string) (*workorder.Order, error)
	UpdateOrder(ctx context.Context, o workorder.Order) error
	FindSubscriptionByID(ctx context.Context, id string) (*share.Subscription, error)
	// Clock is the adapter's time, which its deadlines are measured by.
	Clock() time.Time
}

// auditHotlineSettings records a change of the settings: the URLs without
// credentials, the clocks, the callback subscription, and whether the pull
// token was set, kept or cleared (never the token). Like the client-key
// changes, a failure to record does not undo the change.
func (s *Server) auditHotlineSettings(r *http.Request, a org.Actor, set workorder.Settings, sentToken string, newSecret bool) {
	token := "set"
	switch sentToken {
	case hotline.TokenMask:
		token = "kept"
	case "":
		token = "none"
	}
	_ = s.audit(r, a.ID, "hotline.settings", "hotline/settings", map[string]any{"pull_url": hub.RedactURL(set.PullURL),
		"callback_url": hub.RedactURL(set.CallbackURL), "pull_every": set.PullEvery, "contact_days": set.ContactDays,
		"reply_days": set.ReplyDays, "pull_token": token, "subscription_id": set.SubscriptionID, "callback_secret_issued": newSecret})
}

type hotlinePushResult struct {
	OrderNo  string `json:"order_no"`
	CaseID   string `json:"case_id"`
	CaseCode string `json:"case_code"`
	Created  bool   `json:"created"`
}

// handleHotlinePush takes one work order or {"orders": [...]} from the hotline's
// machine account (post operator). Known order numbers are answered, not
// duplicated.
func (s *Server) handleHotlinePush(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostOperator, org.PostAdmin)
	if err != nil {
		return err
	}
	body, err := readJSONBody(w, r, 4<<20)
	if err != nil {
		return err
	}
	b, err := hotline.ParseOrders(body)
	if err != nil {
		return err
	}
	out := make([]hotlinePushResult, 0, len(b.Orders))
	status := http.StatusOK
	for _, wo := range b.Orders {
		o, created, err := s.Hotline.Ingest(r.Context(), actor, wo)
		if err != nil {
			return err
		}
		res := hotlinePushResult{OrderNo: o.OrderNo, CaseID: o.CaseID, Created: created}
		if c, err := s.Cases.FindCase(r.Context(), actor, o.CaseID); err == nil {
			res.CaseCode = c.Code
		}
		if created {
			status = http.StatusCreated
		}
		out = append(out, res)
	}
	return httpkit.WriteJSON(w, status, map[string]any{"orders": out})
}

// hotlineCallback is the hub subscription the stored settings name,
// nil when none (or it cannot be read: the audit then records a creation).
func (s *Server) hotlineCallback(r *http.Request) *share.Subscription {
	set, err := s.Hotline.Settings(r.Context())
	if err != nil || set.SubscriptionID == "" {
		return nil
	}
	sub, err := s.Hotline.FindSubscriptionByID(r.Context(), set.SubscriptionID)
	if err != nil {
		return nil
	}
	return sub
}

func readJSONBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, errs.E(errs.KindUnsupported, "请求体须为 application/json / send the body as application/json (got %s)", ct)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errs.E(errs.KindTooLarge, "请求体超过 %d 字节 / the body is larger than %d bytes", max, max)
	}
	if err != nil {
		return nil, errs.Invalid("无法读取请求体 / cannot read the body: %s", err.Error())
	}
	return b, nil
}

// hotlineOrderView is an order with its case and the state of its clocks.
type hotlineOrderView struct {
	*workorder.Order
	CaseCode     string         `json:"case_code"`
	CaseStatus   string         `json:"case_status"`
	CaseFinished bool           `json:"case_finished"`
	ContactLight worktime.Light `json:"contact_light"`
	ReplyLight   worktime.Light `json:"reply_light"`
}

// orderLight is red when the deadline passed before the step was done (or is
// still not done), yellow in the last fifth, green otherwise.
func orderLight(start, due time.Time, done *time.Time, now time.Time) worktime.Light {
	at := now
	if done != nil {
		at = *done
	}
	return worktime.LightOf(at.Sub(start), due.Sub(start))
}

// hotlineOrder reads the order in the path and its case as actor may see it.
func (s *Server) hotlineOrder(r *http.Request, actor org.Actor) (*workorder.Order, *casework.Case, error) {
	o, err := s.Hotline.FindOrder(r.Context(), r.PathValue("no"))
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Cases.FindCase(r.Context(), actor, o.CaseID)
	if err != nil {
		return o, nil, err
	}
	return o, c, nil
}

func (s *Server) hotlineView(o *workorder.Order, c *casework.Case) hotlineOrderView {
	now := s.Hotline.Clock()
	return hotlineOrderView{Order: o, CaseCode: c.Code, CaseStatus: string(c.Status), CaseFinished: c.Status.Terminal(),
		ContactLight: orderLight(o.ReceivedAt, o.ContactDue, o.ContactedAt, now), ReplyLight: orderLight(o.ReceivedAt, o.ReplyDue, o.RepliedAt, now)}
}

func (s *Server) handleHotlineView(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostOperator, org.PostShiftLead, org.PostAdmin, org.PostLeader)
	if err != nil {
		return err
	}
	o, c, err := s.hotlineOrder(r, actor)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, s.hotlineView(o, c))
}

type hotlineNoteIn struct {
	Note         string `json:"note"`
	Text         string `json:"text"`
	Satisfaction string `json:"satisfaction"`
}

// hotlineStep records one of the hotline's own steps on the order.
func (s *Server) hotlineStep(w http.ResponseWriter, r *http.Request, apply func(o *workorder.Order, c *casework.Case, in hotlineNoteIn, now time.Time) error) error {
	actor, err := s.mustPost(r, org.PostOperator, org.PostAdmin)
	if err != nil {
		return err
	}
	var in hotlineNoteIn
	if r.ContentLength != 0 {
		if err := httpkit.DecodeJSON(w, r, &in, 64<<10); err != nil {
			return err
		}
	}
	o, c, err := s.hotlineOrder(r, actor)
	if err != nil {
		return err
	}
	if o.Status == workorder.Closed {
		return errs.Conflict("工单 %s 已归档 / order %s is closed", o.OrderNo, o.OrderNo)
	}
	now := s.Hotline.Clock().UTC()
	if err := apply(o, c, in, now); err != nil {
		return err
	}
	o.UpdatedAt = now
	if err := s.Hotline.UpdateOrder(r.Context(), *o); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, s.hotlineView(o, c))
}

// handleHotlineContact records the first contact with the caller (联系来电人).
func (s *Server) handleHotlineContact(w http.ResponseWriter, r *http.Request) error {
	return s.hotlineStep(w, r, func(o *workorder.Order, c *casework.Case, in hotlineNoteIn, now time.Time) error {
		if o.ContactedAt != nil {
			return errs.Conflict("工单 %s 已于 %s 联系来电人 / the caller of order %s was already contacted at %s", o.OrderNo, o.ContactedAt.Format(time.RFC3339), o.OrderNo, o.ContactedAt.Format(time.RFC3339))
		}
		o.ContactedAt = &now
		return nil
	})
}

// handleHotlineReply records the reply (回复) to the caller: the result, so only
// once the case has left the loop.
func (s *Server) handleHotlineReply(w http.ResponseWriter, r *http.Request) error {
	return s.hotlineStep(w, r, func(o *workorder.Order, c *casework.Case, in hotlineNoteIn, now time.Time) error {
		if !c.Status.Terminal() {
			return errs.Conflict("案件 %s 仍为%s，办结后再回复 / case %s is still %s (%s); reply when it has left the loop", c.Code, c.Status.Zh(), c.Code, c.Status, c.Status.Zh()).
				With("case_status", c.Status)
		}
		if strings.TrimSpace(in.Text) == "" {
			return errs.Invalid("缺少回复内容 / the reply text is required").WithField("text", "required")
		}
		o.Reply, o.RepliedAt, o.Status = strings.TrimSpace(in.Text), &now, workorder.Replied
		return nil
	})
}

// handleHotlineCallback records the hotline's callback (回访) result.
func (s *Server) handleHotlineCallback(w http.ResponseWriter, r *http.Request) error {
	return s.hotlineStep(w, r, func(o *workorder.Order, c *casework.Case, in hotlineNoteIn, now time.Time) error {
		switch in.Satisfaction {
		case "satisfied", "basic", "unsatisfied":
		default:
			return errs.Invalid("satisfaction 须为 satisfied、basic 或 unsatisfied / satisfaction must be satisfied, basic or unsatisfied").WithField("satisfaction", "satisfied | basic | unsatisfied")
		}
		if o.RepliedAt == nil {
			return errs.Conflict("工单 %s 尚未回复，回访在回复之后 / order %s has not been replied to yet; the callback follows the reply", o.OrderNo, o.OrderNo)
		}
		o.CallbackAt, o.Satisfaction = &now, in.Satisfaction
		return nil
	})
}

// handleHotlineClose closes (归档) the order, only after its case has left the loop.
func (s *Server) handleHotlineClose(w http.ResponseWriter, r *http.Request) error {
	return s.hotlineStep(w, r, func(o *workorder.Order, c *casework.Case, in hotlineNoteIn, now time.Time) error {
		if !c.Status.Terminal() {
			return errs.Conflict("工单 %s 不能归档：案件 %s 仍为%s，热线工单在案件办结后归档 / order %s cannot close: case %s is still %s (%s); a hotline order closes only after its case",
				o.OrderNo, c.Code, c.Status.Zh(), o.OrderNo, c.Code, c.Status, c.Status.Zh()).With("case_status", c.Status)
		}
		if o.RepliedAt == nil {
			return errs.Conflict("工单 %s 尚未回复，请先回复 / order %s has not been replied to; reply first", o.OrderNo, o.OrderNo)
		}
		o.ClosedAt, o.Status = &now, workorder.Closed
		return nil
	})
}

func (s *Server) handleHotlineSettingsView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r, org.PostAdmin); err != nil {
		return err
	}
	set, err := s.Hotline.Settings(r.Context())
	if err != nil {
		return err
	}
	if set.PullToken != "" {
		set.PullToken = hotline.TokenMask
	}
	return httpkit.WriteJSON(w, http.StatusOK, set)
}

func (s *Server) handleHotlineSettingsPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var in workorder.Settings
	if err := httpkit.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	before := s.hotlineCallback(r)
	set, secret, err := s.Hotline.SaveSettings(r.Context(), a, in)
	if err != nil {
		return err
	}
	s.auditHotlineSettings(r, a, set, in.PullToken, secret != "")
	// The callback subscription the settings made or changed is recorded
	// as a subscription too, as if an administrator had made it directly.
	if after := s.hotlineCallback(r); after != nil {
		switch {
		case before == nil || before.ID != after.ID:
			_ = s.audit(r, a.ID, "hub.subscription_create", "hub/subscription/"+after.ID, hub.SubscriptionDetail(after))
		case before.URL != after.URL || before.Active != after.Active:
			d := hub.SubscriptionDetail(after)
			d["previous_url"] = hub.RedactURL(before.URL)
			_ = s.audit(r, a.ID, "hub.subscription_update", "hub/subscription/"+after.ID, d)
		}
	}
	set.PullToken = ""
	out := map[string]any{"settings": set}
	if secret != "" {
		out["callback_secret"] = secret
		out["note"] = "the callback secret is shown once; the hotline verifies X-Cityloop-Signature with it"
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}
