package hotline

import (
	"bytes"
	"cityloop/internal/jobs"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/egress"
	"cityloop/internal/errs"
	"cityloop/internal/hub"
	"cityloop/internal/org"
	"cityloop/internal/share"
	"cityloop/internal/workorder"
	"cityloop/internal/worktime"
)

const stateCursor = "hotline.cursor"

// TokenMask stands for the stored pull token in GET settings; a PUT that
// sends it back keeps the stored token.
const TokenMask = "********"

// Adapter turns work orders into cases and keeps their clocks.
type Adapter struct {
	Store workorder.Store
	Cases *casework.Service
	Hub   share.Store
	Cal   *worktime.Calendar
	Now   func() time.Time
	// Egress decides which pull and callback URLs may be saved (nil: public
	// addresses only).
	Egress *egress.Policy
	// Client pulls orders; default Egress's client, which checks every
	// dial and follows no redirect to another host.
	Client *http.Client
	Log    *slog.Logger
	// Reload, when set, tells the delivery engine that the callback
	// subscription changed.
	Reload func()
}

// Actor is who reports pulled orders: the hotline as an operator (受理员
// registers hotline reports, DOMAIN.md §2.2).
var Actor = org.Actor{ID: "hotline-12345", Name: "12345热线", Grants: []org.Grant{{Post: org.PostOperator}}}

// Settings returns the stored settings with defaults filled in.
func (a *Adapter) Settings(ctx context.Context) (workorder.Settings, error) {
	s, _, err := a.Store.HotlineSettings(ctx)
	if err != nil {
		return s, err
	}
	if s.ContactDays <= 0 {
		s.ContactDays = 3
	}
	if s.ReplyDays <= 0 {
		s.ReplyDays = 5
	}
	if s.PullEvery == "" {
		s.PullEvery = "30s"
	}
	return s, nil
}

// SaveSettings validates and stores settings, and creates or updates the
// hub subscription that carries changes back; it returns the subscription's
// secret when one was made.
func (a *Adapter) SaveSettings(ctx context.Context, actor org.Actor, s workorder.Settings) (workorder.Settings, string, error) {
	bad := errs.Invalid("12345 热线设置无效 / the hotline settings are not valid")
	for _, f := range []struct{ name, url string }{{"pull_url", s.PullURL}, {"callback_url", s.CallbackURL}} {
		if f.url == "" {
			continue
		}
		if err := a.Egress.CheckURL(ctx, f.url); err != nil {
			bad.Message = f.name + ": " + err.Error()
			bad.WithField(f.name, err.Error())
		}
	}
	if d, err := time.ParseDuration(s.PullEvery); s.PullEvery != "" && (err != nil || d < time.Second) {
		bad.WithField("pull_every", "a duration of at least 1s, e.g. 30s")
	}
	if s.ContactDays < 0 || s.ReplyDays < 0 || s.ContactDays > 60 || s.ReplyDays > 60 {
		bad.WithField("contact_days", "0 (default) to 60 working days")
	}
	if len(bad.Fields) > 0 {
		return s, "", bad
	}
	old, err := a.Settings(ctx)
	if err != nil {
		return s, "", err
	}
	s.SubscriptionID = old.SubscriptionID
	if s.PullToken == TokenMask {
		s.PullToken = old.PullToken
	}
	secret := ""
	if s.CallbackURL != "" {
		var sub *share.Subscription
		if s.SubscriptionID != "" {
			sub, err = a.Hub.FindSubscriptionByID(ctx, s.SubscriptionID)
			if err != nil && !errs.Is(err, errs.KindNotFound) {
				return s, "", err
			}
		}
		if sub == nil {
			sub, secret, err = hub.NewSubscription(ctx, a.Hub, a.Egress, actor.ID, "12345 热线回传", "hotline", s.CallbackURL,
				[]string{"cases"}, []string{string(casework.SourceHotline)}, nil, 50, true, a.Now())
			if err != nil {
				return s, "", err
			}
			sub.Kind = share.KindHotline
			if err := a.Hub.UpdateSubscription(ctx, sub); err != nil {
				return s, "", err
			}
		} else if sub.URL != s.CallbackURL || !sub.Active {
			sub.URL, sub.Active, sub.UpdatedAt = s.CallbackURL, true, a.Now()
			if err := a.Hub.UpdateSubscription(ctx, sub); err != nil {
				return s, "", err
			}
		}
		s.SubscriptionID = sub.ID
	}
	if err := a.Store.SaveHotlineSettings(ctx, s); err != nil {
		return s, "", err
	}
	if a.Reload != nil && s.CallbackURL != "" {
		a.Reload()
	}
	return s, secret, nil
}

// Ingest makes a case of a work order. It is idempotent on the order
// number: an order already known returns its existing record.
func (a *Adapter) Ingest(ctx context.Context, actor org.Actor, w WorkOrder) (*workorder.Order, bool, error) {
	if o, err := a.Store.FindOrder(ctx, w.OrderNo); err == nil {
		return o, false, nil
	} else if !errs.Is(err, errs.KindNotFound) {
		return nil, false, err
	}
	set, err := a.Settings(ctx)
	if err != nil {
		return nil, false, err
	}
	now := a.Now().UTC()
	recv := w.ReceivedAt.UTC()
	if w.ReceivedAt.IsZero() || recv.After(now) {
		recv = now
	}
	// The raw order keeps what the hotline sent except the caller, who goes
	// to the order's Caller (sealed by the store) and to the case (sealed there too).
	caller := workorder.Caller{Name: w.CallerName, Phone: w.CallerPhone, Address: w.Address}
	bare := w
	bare.CallerName, bare.CallerPhone, bare.Address = "", "", ""
	raw, _ := json.Marshal(bare)
	o := workorder.Order{OrderNo: w.OrderNo, ReceivedAt: recv, Status: workorder.Received, Raw: raw, Caller: caller, UpdatedAt: now,
		ContactDue: a.Cal.Deadline(recv, worktime.Limit{Amount: set.ContactDays, Unit: worktime.WorkingDays}).UTC(),
		ReplyDue:   a.Cal.Deadline(recv, worktime.Limit{Amount: set.ReplyDays, Unit: worktime.WorkingDays}).UTC()}
	// Claim the number first, so two pushes of one order make one case.
	if err := a.Store.CreateOrder(ctx, o); err != nil {
		if errs.Is(err, errs.KindConflict) {
			if prev, ferr := a.Store.FindOrder(ctx, w.OrderNo); ferr == nil {
				return prev, false, nil
			}
		}
		return nil, false, err
	}
	in, err := a.Cases.Report(ctx, actor, casework.Report{Source: casework.SourceHotline, Category: w.Category,
		Description: w.Description(), Address: w.Address, Lng: w.Lng, Lat: w.Lat, CRS: w.CRS,
		Reporter: w.CallerName, Phone: w.CallerPhone, ExternalRef: w.OrderNo})
	if err != nil {
		_ = a.Store.DeleteOrder(context.WithoutCancel(ctx), w.OrderNo)
		return nil, false, err
	}
	o.CaseID = in.Case.ID
	if err := a.Store.UpdateOrder(ctx, o); err != nil {
		return nil, false, err
	}
	return &o, true, nil
}

// Poll reads one or more pages from the pull URL, ingesting every order,
// and stores the cursor after each page.
func (a *Adapter) Poll(ctx context.Context) (int, error) {
	set, err := a.Settings(ctx)
	if err != nil || set.PullURL == "" {
		return 0, err
	}
	client := a.Client
	if client == nil {
		client = a.Egress.Client(30 * time.Second)
	}
	n := 0
	for page := 0; page < 20; page++ {
		cursor, _, err := a.Store.GetState(ctx, stateCursor)
		if err != nil {
			return n, err
		}
		u, _ := url.Parse(set.PullURL)
		q := u.Query()
		q.Set("cursor", cursor)
		u.RawQuery = q.Encode()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return n, err
		}
		if set.PullToken != "" {
			req.Header.Set("Authorization", "Bearer "+set.PullToken)
		}
		res, err := client.Do(req)
		if err != nil {
			var rd *egress.RedirectError
			if errors.As(err, &rd) {
				return n, fmt.Errorf("pull 12345 orders: the pull URL redirected to another host, which is not followed (the token stays here): %w", err)
			}
			return n, fmt.Errorf("pull 12345 orders: %w", err)
		}
		body, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
		res.Body.Close()
		if err != nil {
			return n, fmt.Errorf("pull 12345 orders: %w", err)
		}
		if res.StatusCode != http.StatusOK {
			return n, fmt.Errorf("pull 12345 orders: the hotline answered %d", res.StatusCode)
		}
		b, err := ParseOrders(bytes.TrimSpace(body))
		if err != nil {
			return n, fmt.Errorf("pull 12345 orders: %w", err)
		}
		for _, w := range b.Orders {
			if _, created, err := a.Ingest(ctx, Actor, w); err != nil {
				// A bad order must not block the ones after it forever: log it
				// and move on; the hotline sees no case for it and can resend.
				a.log().Warn("hotline: order refused", "order", w.OrderNo, "err", err)
			} else if created {
				n++
			}
		}
		if b.NextCursor == "" || b.NextCursor == cursor {
			return n, nil
		}
		if err := a.Store.SetState(ctx, stateCursor, b.NextCursor); err != nil {
			return n, err
		}
		if len(b.Orders) == 0 {
			return n, nil
		}
	}
	return n, nil
}

// stateLastPoll is when the last poll started (RFC 3339), shared by the
// nodes, so that RunPoller keeps the settings' interval whichever node runs
// it.
const stateLastPoll = "hotline.polled_at"

// RunPoller polls the hotline when its pull URL is set and the settings'
// pull_every has passed since the last poll started; it reports whether it
// polled. The jobs runner calls it every few seconds on one node (the
// "hotline-poll" job): the interval is a setting an administrator changes
// at run time, so the run reads it rather than the schedule. A failed poll
// is its error, and the runner retries it after its backoff.
func (a *Adapter) RunPoller(ctx context.Context) (polled bool, err error) {
	set, err := a.Settings(ctx)
	if err != nil {
		return false, fmt.Errorf("hotline: pull: %w", err)
	}
	if set.PullURL == "" {
		return false, nil
	}
	every := 30 * time.Second
	if d, perr := time.ParseDuration(set.PullEvery); perr == nil && d >= time.Second {
		every = d
	}
	now := a.Now()
	last, ok, err := a.Store.GetState(ctx, stateLastPoll)
	if err != nil {
		return false, fmt.Errorf("hotline: pull: %w", err)
	}
	if ok {
		if t, perr := time.Parse(time.RFC3339Nano, last); perr == nil && now.Sub(t) < every && !t.After(now) {
			return false, nil
		}
	}
	if err := a.Store.SetState(ctx, stateLastPoll, now.UTC().Format(time.RFC3339Nano)); err != nil {
		return false, fmt.Errorf("hotline: pull: %w", err)
	}
	if _, err := a.Poll(ctx); err != nil {
		return true, fmt.Errorf("hotline: pull: %w", err)
	}
	return true, nil
}

// RunRetention erases the callers of orders whose case left the loop more
// than retain ago: the same retention as reporters' contact details on
// cases. The jobs runner runs it once an hour on one node (the
// "hotline-retention" job).
func (a *Adapter) RunRetention(ctx context.Context, retain time.Duration) error {
	n, err := a.Store.PurgeCallers(ctx, a.Now().Add(-retain))
	if err != nil {
		return fmt.Errorf("hotline: retention purge: %w", err)
	}
	if n > 0 {
		a.log().Info("hotline: retention purge: erased callers' personal data", "orders", n)
	}
	return nil
}

func (a *Adapter) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Callback is one state change as the hotline receives it.
type Callback struct {
	Key        string `json:"idempotency_key"`
	OrderNo    string `json:"order_no"`
	CaseCode   string `json:"case_code"`
	Action     string `json:"action"`
	ActionName string `json:"action_name"`
	Status     string `json:"status"`
	StatusName string `json:"status_name"`
	Finished   bool   `json:"finished"` // the case has left the loop: the order may be replied and closed
	Note       string `json:"note,omitempty"`
	At         string `json:"at"`
}

// Format renders a batch of case changes in the hotline's callback shape
// (the hub signs and retries it like any webhook).
func Format(_ *share.Subscription, deliveryID string, changes []share.Change) ([]byte, error) {
	out := struct {
		Delivery string     `json:"delivery"`
		Updates  []Callback `json:"updates"`
	}{Delivery: deliveryID, Updates: make([]Callback, 0, len(changes))}
	for _, c := range changes {
		var v struct {
			Case struct {
				Code        string `json:"code"`
				ExternalRef string `json:"external_ref"`
			} `json:"case"`
			Event struct {
				Action string `json:"action"`
				To     string `json:"to"`
				Note   string `json:"note"`
				At     string `json:"at"`
			} `json:"event"`
		}
		if err := json.Unmarshal(c.Payload, &v); err != nil {
			return nil, fmt.Errorf("change %s: %w", c.EventID, err)
		}
		st := casework.Status(v.Event.To)
		out.Updates = append(out.Updates, Callback{Key: c.EventID, OrderNo: v.Case.ExternalRef, CaseCode: v.Case.Code,
			Action: v.Event.Action, ActionName: casework.ActionNames[casework.Action(v.Event.Action)][0], Status: v.Event.To,
			StatusName: casework.StatusNames[st][0], Finished: st.Terminal(), Note: v.Event.Note, At: v.Event.At})
	}
	return json.Marshal(out)
}

// PollTick is how often the 12345 poll job looks whether the settings'
// pull_every has passed: a pull_every shorter than this polls this often.
const PollTick = 5 * time.Second

// Jobs are the adapter's background work on the jobs runner: the poll,
// which runs every PollTick and pulls only when the settings' pull_every
// has passed (a setting changed at run time), and, when retain > 0, the
// hourly erasure of callers' details with their cases' reporters.
func (a *Adapter) Jobs(retain time.Duration) []jobs.Job {
	poll := func(ctx context.Context) error {
		polled, err := a.RunPoller(ctx)
		if err == nil && !polled {
			return jobs.ErrNothingDue
		}
		return err
	}
	list := []jobs.Job{{Name: "hotline-poll", Schedule: jobs.Every(PollTick), Timeout: 5 * time.Minute, Run: poll,
		Description: fmt.Sprintf("每 %s 检查，按 12345 设置的拉取间隔拉取 / checks every %s and pulls at the pull_every set for 12345", PollTick, PollTick)}}
	if retain > 0 {
		list = append(list, jobs.Job{Name: "hotline-retention", Schedule: jobs.Every(time.Hour), Timeout: 30 * time.Minute,
			Run: func(ctx context.Context) error { return a.RunRetention(ctx, retain) }})
	}
	return list
}
