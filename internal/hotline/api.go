package hotline

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/hub"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Server serves /api/v1/hotline/….
type Server struct {
	Adapter *Adapter
	Bearer  func(r *http.Request) (org.Actor, bool, error)
	// Auditor, when set, records changes of the settings in the audit trail.
	Auditor hub.Auditor
}

// Routes mounts the hotline endpoints.
func (s *Server) Routes(mux *http.ServeMux) {
	h := func(fn httpkit.HandlerFunc) http.Handler { return httpkit.Handle(fn) }
	mux.Handle("POST /api/v1/hotline/orders", h(s.handlePush))
	mux.Handle("GET /api/v1/hotline/orders/{no}", h(s.handleView))
	mux.Handle("POST /api/v1/hotline/orders/{no}/contact", h(s.handleContact))
	mux.Handle("POST /api/v1/hotline/orders/{no}/reply", h(s.handleReply))
	mux.Handle("POST /api/v1/hotline/orders/{no}/callback", h(s.handleCallback))
	mux.Handle("POST /api/v1/hotline/orders/{no}/close", h(s.handleClose))
	mux.Handle("GET /api/v1/hotline/settings", h(s.handleSettingsView))
	mux.Handle("PUT /api/v1/hotline/settings", h(s.handleSettingsPut))
}

// must requires one of the posts.
func (s *Server) must(r *http.Request, posts ...org.Post) (org.Actor, error) {
	a, ok, err := s.Bearer(r)
	if err != nil {
		return a, err
	}
	if !ok {
		return a, errs.Unauthenticated("sign in first: POST /api/v1/auth/token, then send Authorization: Bearer <token>")
	}
	for _, p := range posts {
		if _, ok := a.Grant(p); ok {
			return a, nil
		}
	}
	names := make([]string, len(posts))
	for i, p := range posts {
		names[i] = string(p)
	}
	return a, errs.Forbidden("this needs the post %s", strings.Join(names, " or "))
}

type pushResult struct {
	OrderNo  string `json:"order_no"`
	CaseID   string `json:"case_id"`
	CaseCode string `json:"case_code"`
	Created  bool   `json:"created"`
}

// handlePush takes one work order or {"orders": [...]} from the hotline's
// machine account (post operator). Known order numbers are answered, not
// duplicated.
func (s *Server) handlePush(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.must(r, org.PostOperator, org.PostAdmin)
	if err != nil {
		return err
	}
	body, err := readBody(w, r, 4<<20)
	if err != nil {
		return err
	}
	b, err := ParseOrders(body)
	if err != nil {
		return err
	}
	out := make([]pushResult, 0, len(b.Orders))
	status := http.StatusOK
	for _, wo := range b.Orders {
		o, created, err := s.Adapter.Ingest(r.Context(), actor, wo)
		if err != nil {
			return err
		}
		res := pushResult{OrderNo: o.OrderNo, CaseID: o.CaseID, Created: created}
		if c, err := s.Adapter.Cases.Store.FindCaseByID(r.Context(), o.CaseID); err == nil {
			res.CaseCode = c.Code
		}
		if created {
			status = http.StatusCreated
		}
		out = append(out, res)
	}
	return httpkit.WriteJSON(w, status, map[string]any{"orders": out})
}

// callbackSubscription is the hub subscription the stored settings name,
// nil when none (or it cannot be read: the audit then records a creation).
func (s *Server) callbackSubscription(r *http.Request) *hub.Subscription {
	set, err := s.Adapter.Settings(r.Context())
	if err != nil || set.SubscriptionID == "" {
		return nil
	}
	sub, err := s.Adapter.Hub.FindSubscriptionByID(r.Context(), set.SubscriptionID)
	if err != nil {
		return nil
	}
	return sub
}

// audit records a change of the settings: the URLs without credentials,
// the clocks, the callback subscription, and whether the pull token was
// set, kept or cleared (never the token).
func (s *Server) audit(r *http.Request, a org.Actor, set Settings, sentToken string, newSecret bool) {
	token := "set"
	switch sentToken {
	case TokenMask:
		token = "kept"
	case "":
		token = "none"
	}
	s.record(r, a, "hotline.settings", "hotline/settings", map[string]any{"pull_url": hub.RedactURL(set.PullURL),
		"callback_url": hub.RedactURL(set.CallbackURL), "pull_every": set.PullEvery, "contact_days": set.ContactDays,
		"reply_days": set.ReplyDays, "pull_token": token, "subscription_id": set.SubscriptionID, "callback_secret_issued": newSecret})
}

// record appends one audit record; without an Auditor it does nothing.
// Like the API's client-key changes, a failure to record does not undo
// the change.
func (s *Server) record(r *http.Request, a org.Actor, action, object string, detail map[string]any) {
	if s.Auditor == nil {
		return
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return
	}
	_ = s.Auditor.Audit(r.Context(), audit.Record{At: s.Adapter.Now(), Actor: a.ID, Action: action, Object: object,
		Detail: string(b), Addr: httpkit.ClientAddr(r)})
}

func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return nil, errs.E(errs.KindUnsupported, "send the body as application/json (got %s)", ct)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errs.E(errs.KindTooLarge, "the body is larger than %d bytes", max)
	}
	if err != nil {
		return nil, errs.Invalid("cannot read the body: %s", err.Error())
	}
	return b, nil
}

// orderView is an order with its case and the state of its clocks.
type orderView struct {
	*Order
	CaseCode     string         `json:"case_code"`
	CaseStatus   string         `json:"case_status"`
	CaseFinished bool           `json:"case_finished"`
	ContactLight worktime.Light `json:"contact_light"`
	ReplyLight   worktime.Light `json:"reply_light"`
}

// light is red when the deadline passed before the step was done (or is
// still not done), yellow in the last fifth, green otherwise.
func light(start, due time.Time, done *time.Time, now time.Time) worktime.Light {
	at := now
	if done != nil {
		at = *done
	}
	return worktime.LightOf(at.Sub(start), due.Sub(start))
}

func (s *Server) load(r *http.Request) (*Order, *casework.Case, error) {
	o, err := s.Adapter.Store.FindOrder(r.Context(), r.PathValue("no"))
	if err != nil {
		return nil, nil, err
	}
	c, err := s.Adapter.Cases.Store.FindCaseByID(r.Context(), o.CaseID)
	if err != nil {
		return o, nil, err
	}
	return o, c, nil
}

func (s *Server) view(o *Order, c *casework.Case) orderView {
	now := s.Adapter.Now()
	return orderView{Order: o, CaseCode: c.Code, CaseStatus: string(c.Status), CaseFinished: c.Status.Terminal(),
		ContactLight: light(o.ReceivedAt, o.ContactDue, o.ContactedAt, now), ReplyLight: light(o.ReceivedAt, o.ReplyDue, o.RepliedAt, now)}
}

func (s *Server) handleView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.must(r, org.PostOperator, org.PostShiftLead, org.PostAdmin, org.PostLeader); err != nil {
		return err
	}
	o, c, err := s.load(r)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, s.view(o, c))
}

type noteIn struct {
	Note         string `json:"note"`
	Text         string `json:"text"`
	Satisfaction string `json:"satisfaction"`
}

// step records one of the hotline's own steps on the order.
func (s *Server) step(w http.ResponseWriter, r *http.Request, apply func(o *Order, c *casework.Case, in noteIn, now time.Time) error) error {
	if _, err := s.must(r, org.PostOperator, org.PostAdmin); err != nil {
		return err
	}
	var in noteIn
	if r.ContentLength != 0 {
		if err := httpkit.DecodeJSON(w, r, &in, 64<<10); err != nil {
			return err
		}
	}
	o, c, err := s.load(r)
	if err != nil {
		return err
	}
	if o.Status == OrderClosed {
		return errs.Conflict("order %s is closed", o.OrderNo)
	}
	now := s.Adapter.Now().UTC()
	if err := apply(o, c, in, now); err != nil {
		return err
	}
	o.UpdatedAt = now
	if err := s.Adapter.Store.UpdateOrder(r.Context(), *o); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, s.view(o, c))
}

// handleContact records the first contact with the caller (联系来电人).
func (s *Server) handleContact(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, func(o *Order, c *casework.Case, in noteIn, now time.Time) error {
		if o.ContactedAt != nil {
			return errs.Conflict("the caller of order %s was already contacted at %s", o.OrderNo, o.ContactedAt.Format(time.RFC3339))
		}
		o.ContactedAt = &now
		return nil
	})
}

// handleReply records the reply (回复) to the caller: the result, so only
// once the case has left the loop.
func (s *Server) handleReply(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, func(o *Order, c *casework.Case, in noteIn, now time.Time) error {
		if !c.Status.Terminal() {
			return errs.Conflict("case %s is still %s (%s); reply when it has left the loop", c.Code, c.Status, c.Status.Zh()).
				With("case_status", c.Status)
		}
		if strings.TrimSpace(in.Text) == "" {
			return errs.Invalid("the reply text is required").WithField("text", "required")
		}
		o.Reply, o.RepliedAt, o.Status = strings.TrimSpace(in.Text), &now, OrderReplied
		return nil
	})
}

// handleCallback records the hotline's callback (回访) result.
func (s *Server) handleCallback(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, func(o *Order, c *casework.Case, in noteIn, now time.Time) error {
		switch in.Satisfaction {
		case "satisfied", "basic", "unsatisfied":
		default:
			return errs.Invalid("satisfaction must be satisfied, basic or unsatisfied").WithField("satisfaction", "satisfied | basic | unsatisfied")
		}
		if o.RepliedAt == nil {
			return errs.Conflict("order %s has not been replied to yet; the callback follows the reply", o.OrderNo)
		}
		o.CallbackAt, o.Satisfaction = &now, in.Satisfaction
		return nil
	})
}

// handleClose closes (归档) the order, only after its case has left the loop.
func (s *Server) handleClose(w http.ResponseWriter, r *http.Request) error {
	return s.step(w, r, func(o *Order, c *casework.Case, in noteIn, now time.Time) error {
		if !c.Status.Terminal() {
			return errs.Conflict("order %s cannot close: case %s is still %s (%s); a hotline order closes only after its case",
				o.OrderNo, c.Code, c.Status, c.Status.Zh()).With("case_status", c.Status)
		}
		if o.RepliedAt == nil {
			return errs.Conflict("order %s has not been replied to; reply first", o.OrderNo)
		}
		o.ClosedAt, o.Status = &now, OrderClosed
		return nil
	})
}

func (s *Server) handleSettingsView(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.must(r, org.PostAdmin); err != nil {
		return err
	}
	set, err := s.Adapter.Settings(r.Context())
	if err != nil {
		return err
	}
	if set.PullToken != "" {
		set.PullToken = TokenMask
	}
	return httpkit.WriteJSON(w, http.StatusOK, set)
}

func (s *Server) handleSettingsPut(w http.ResponseWriter, r *http.Request) error {
	a, err := s.must(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var in Settings
	if err := httpkit.DecodeJSON(w, r, &in, 16<<10); err != nil {
		return err
	}
	before := s.callbackSubscription(r)
	set, secret, err := s.Adapter.SaveSettings(r.Context(), a, in)
	if err != nil {
		return err
	}
	s.audit(r, a, set, in.PullToken, secret != "")
	// The callback subscription the settings made or changed is recorded
	// as a subscription too, as if an administrator had made it directly.
	if after := s.callbackSubscription(r); after != nil {
		switch {
		case before == nil || before.ID != after.ID:
			s.record(r, a, "hub.subscription_create", "hub/subscription/"+after.ID, hub.SubscriptionDetail(after))
		case before.URL != after.URL || before.Active != after.Active:
			d := hub.SubscriptionDetail(after)
			d["previous_url"] = hub.RedactURL(before.URL)
			s.record(r, a, "hub.subscription_update", "hub/subscription/"+after.ID, d)
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
