package permit

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/jobs"
	"cityloop/internal/worktime"
)

// Locator finds the district of a point (org.Atlas through app).
type Locator func(p geo.Point) (district string, err error)

// Service takes applications, decides them and reminds holders.
type Service struct {
	Store  Store
	Cal    *worktime.Calendar
	Locate Locator
	Now    func() time.Time
	NewID  func() string
}

// Apply files an application: checked, located, its review due in the
// kind's working days from now.
func (s *Service) Apply(ctx context.Context, a Application) (*Permit, error) {
	now := s.Now().UTC()
	if err := a.Validate(now); err != nil {
		return nil, err
	}
	district, err := s.Locate(a.Point)
	if err != nil {
		return nil, err
	}
	p := &Permit{ID: s.NewID(), Kind: a.Kind, Status: StatusSubmitted, Applicant: strings.TrimSpace(a.Applicant), USCC: a.USCC, Phone: strings.TrimSpace(a.Phone),
		Address: strings.TrimSpace(a.Address), Point: a.Point, District: district, Details: strings.TrimSpace(a.Details),
		ValidFrom: a.ValidFrom.UTC(), ValidTo: a.ValidTo.UTC(), SubmittedAt: now, DueAt: s.Cal.Deadline(now, ReviewLimit(a.Kind)).UTC(), Version: 1}
	if err := s.Store.CreatePermit(ctx, p); err != nil {
		return nil, fmt.Errorf("file permit application: %w", err)
	}
	return p, nil
}

// numberCodes prefix each kind's permit numbers.
var numberCodes = map[Kind]string{KindOutdoorAd: "GG", KindRoadUse: "ZD", KindMuck: "ZT"}

// Decide approves (reason ignored) or refuses (reason required) a
// submitted application; anything else is a Conflict naming the status.
func (s *Service) Decide(ctx context.Context, id, by string, approve bool, reason string) (*Permit, error) {
	reason = strings.TrimSpace(reason)
	if !approve && (len([]rune(reason)) < 4 || len([]rune(reason)) > 500) {
		return nil, errs.Invalid("不予许可须说明理由 / a refusal needs its reason (4–500 characters)").WithField("reason", "4–500 characters")
	}
	p, err := s.Store.FindPermitByID(ctx, id)
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	if p.Status != StatusSubmitted {
		return nil, errs.Conflict("申请已%s，不能再审 / the application is %s already: only an application under review is decided", StatusNames[p.StatusAt(now)][0], p.StatusAt(now))
	}
	p.Status, p.DecidedAt, p.DecidedBy, p.Version = StatusRejected, &now, by, p.Version+1
	prefix := ""
	if approve {
		p.Status, p.Reason = StatusApproved, ""
		prefix = fmt.Sprintf("%s-%d-", numberCodes[p.Kind], now.In(s.Cal.Location()).Year())
	} else {
		p.Reason = reason
	}
	if err := s.Store.DecidePermit(ctx, p, prefix); err != nil {
		return nil, fmt.Errorf("decide permit %s: %w", id, err)
	}
	return p, nil
}

// View is a permit as of now with its review light.
type View struct {
	*Permit
	Status Status         `json:"status"`
	Light  worktime.Light `json:"light,omitempty"` // of a review under way
}

// ViewOf is p as of now.
func (s *Service) ViewOf(p *Permit) View {
	now := s.Now()
	v := View{Permit: p, Status: p.StatusAt(now)}
	if p.Status == StatusSubmitted {
		limit := ReviewLimit(p.Kind)
		v.Light = worktime.LightOf(s.Cal.Elapsed(p.SubmittedAt, now, worktime.WorkingDays), limit.Duration(s.Cal))
	}
	return v
}

// List finds permits as of now.
func (s *Service) List(ctx context.Context, f Filter) ([]View, int, error) {
	f.Now = s.Now().UTC()
	f.Limit = min(max(f.Limit, 1), 500)
	ps, total, err := s.Store.FindPermits(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("list permits: %w", err)
	}
	out := make([]View, len(ps))
	for i, p := range ps {
		out[i] = s.ViewOf(p)
	}
	return out, total, nil
}

// Get is one permit as of now.
func (s *Service) Get(ctx context.Context, id string) (View, error) {
	p, err := s.Store.FindPermitByID(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.ViewOf(p), nil
}

// RemindBefore is how long before its end a holder is reminded.
const RemindBefore = 7 * 24 * time.Hour

// Remind marks the permits ending within RemindBefore that were not
// reminded yet, and returns them: the holders to tell (the outbox sends
// them once it is wired to permits; until then the console lists them).
func (s *Service) Remind(ctx context.Context) ([]*Permit, error) {
	now := s.Now().UTC()
	ps, err := s.Store.PermitsToRemind(ctx, now.Add(RemindBefore))
	if err != nil {
		return nil, fmt.Errorf("permit reminders: %w", err)
	}
	var out []*Permit
	for _, p := range ps {
		if !p.ValidTo.After(now) {
			continue
		}
		if err := s.Store.MarkReminded(ctx, p.ID, now); err != nil {
			return out, fmt.Errorf("permit reminders: %w", err)
		}
		p.RemindedAt = &now
		out = append(out, p)
	}
	return out, nil
}

// RemindJob runs Remind every hour.
func (s *Service) RemindJob(log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "permit-expiry-remind", Schedule: jobs.Every(time.Hour), Run: func(ctx context.Context) error {
		ps, err := s.Remind(ctx)
		for _, p := range ps {
			log.Info("permit ends soon", "permit", p.Number, "kind", p.Kind, "valid_to", p.ValidTo)
		}
		return err
	}}
}

// Figures is the permit turnaround of the decisions in [from, to).
func (s *Service) Figures(ctx context.Context, from, to time.Time) (Turnaround, error) {
	var all []*Permit
	for off := 0; ; off += 500 {
		ps, _, err := s.Store.FindPermits(ctx, Filter{Now: s.Now().UTC(), Limit: 500, Offset: off})
		if err != nil {
			return Turnaround{}, fmt.Errorf("permit figures: %w", err)
		}
		all = append(all, ps...)
		if len(ps) < 500 {
			break
		}
	}
	return TurnaroundOf(all, s.Cal, from, to), nil
}
