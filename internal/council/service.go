package council

import (
	"context"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Service applies the rules of this package over a Store. Jurisdiction is
// the caller's business (package api knows the atlas and the actor's
// scope); the service trusts the ids it is given to be allowed.
type Service struct {
	Store Store
	Now   func() time.Time
	NewID func() string
}

// Register validates and stores a volunteer.
func (s *Service) Register(ctx context.Context, v *Volunteer, by string) error {
	if err := v.Validate(); err != nil {
		return err
	}
	v.ID, v.Hours, v.CreatedAt, v.Registered = s.NewID(), 0, s.Now(), by
	return s.Store.AddVolunteer(ctx, v)
}

// AddActivity validates and stores an activity.
func (s *Service) AddActivity(ctx context.Context, a *Activity) error {
	if err := a.Validate(); err != nil {
		return err
	}
	a.ID = s.NewID()
	return s.Store.AddActivity(ctx, a)
}

// SignIn records a volunteer's arrival at where, now: refused outside the
// activity's radius or window.
func (s *Service) SignIn(ctx context.Context, a *Activity, volunteerID string, where geo.Point, by string) (*Attendance, error) {
	if _, err := s.Store.FindVolunteer(ctx, volunteerID); err != nil {
		return nil, err
	}
	now := s.Now()
	if err := a.CheckPresence(where, now); err != nil {
		return nil, err
	}
	att := &Attendance{ActivityID: a.ID, VolunteerID: volunteerID, In: now, RecordedBy: by}
	if err := s.Store.SignIn(ctx, att); err != nil {
		return nil, err
	}
	return att, nil
}

// SignOut closes a volunteer's attendance and credits the hours spent
// inside the window. The volunteer must still be at the place (a sign-out
// from home would credit hours not served); after the activity ended the
// check is as at its end, so leaving late still counts.
func (s *Service) SignOut(ctx context.Context, a *Activity, volunteerID string, where geo.Point) (*Attendance, error) {
	att, err := s.Store.FindAttendance(ctx, a.ID, volunteerID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	at := now
	if at.After(a.End) {
		at = a.End
	}
	if err := a.CheckPresence(where, at); err != nil {
		return nil, err
	}
	return s.Store.SignOut(ctx, a.ID, volunteerID, now, a.Credit(att.In, now))
}

// AddTopic validates and stores a topic, collecting opinions.
func (s *Service) AddTopic(ctx context.Context, t *Topic, by string) error {
	if err := t.Validate(); err != nil {
		return err
	}
	now := s.Now()
	t.ID, t.CreatedAt, t.UpdatedAt, t.CreatedBy = s.NewID(), now, now, by
	t.Answer, t.Yes, t.No, t.Opinions = "", 0, 0, 0
	return s.Store.AddTopic(ctx, t)
}

// Act moves t by a. version, when not 0, is the version the caller saw:
// a topic moved since is a conflict rather than a blind overwrite.
func (s *Service) Act(ctx context.Context, t *Topic, a Action, note, by string, version int) error {
	if version != 0 && version != t.Version {
		return errs.Conflict("议题已更新到第%d版，请刷新后重试 / the topic is at version %d; reload and try again", t.Version, t.Version).
			With("allowed_actions", Allowed(t.State))
	}
	st, err := Apply(t, a, note, by, s.Now())
	if err != nil {
		return err
	}
	return s.Store.SaveStep(ctx, t, st)
}

// Opine adds a person's opinion while the topic collects them.
func (s *Service) Opine(ctx context.Context, t *Topic, o *Opinion) error {
	o.TopicID, o.At = t.ID, s.Now()
	if err := CheckOpinion(t, o); err != nil {
		return err
	}
	return s.Store.AddOpinion(ctx, o)
}

// Vote casts a person's one vote while the topic is put to the vote.
func (s *Service) Vote(ctx context.Context, t *Topic, v *Vote) error {
	v.TopicID, v.At = t.ID, s.Now()
	if err := CheckVote(t, v); err != nil {
		return err
	}
	return s.Store.AddVote(ctx, v)
}
