package council

import (
	"context"
	"time"
)

// Filter narrows a list to some communities (nil: every community; empty
// but not nil: none) and pages it.
type Filter struct {
	Communities []string
	State       State // topics only; "" every state
	Limit       int   // 1–500
	Offset      int
}

// Store keeps volunteers, activities, attendance and topics. Writes that
// depend on a state (an opinion while collecting, a vote while voting, a
// step at a version) are checked again in the same statement, so a topic
// moved in between refuses them with a conflict instead of counting them.
type Store interface {
	AddVolunteer(ctx context.Context, v *Volunteer) error
	FindVolunteer(ctx context.Context, id string) (*Volunteer, error)
	FindVolunteers(ctx context.Context, f Filter) ([]*Volunteer, int, error)

	AddActivity(ctx context.Context, a *Activity) error
	FindActivity(ctx context.Context, id string) (*Activity, error)
	FindActivities(ctx context.Context, f Filter) ([]*Activity, int, error)
	// SignIn records a's arrival; Conflict when the volunteer already
	// signed in to the activity.
	SignIn(ctx context.Context, a *Attendance) error
	// SignOut closes the open attendance and credits hours to the
	// volunteer in one transaction; Conflict when none is open.
	SignOut(ctx context.Context, activityID, volunteerID string, out time.Time, hours float64) (*Attendance, error)
	FindAttendance(ctx context.Context, activityID, volunteerID string) (*Attendance, error)

	AddTopic(ctx context.Context, t *Topic) error
	FindTopic(ctx context.Context, id string) (*Topic, error)
	FindTopics(ctx context.Context, f Filter) ([]*Topic, int, error)
	// SaveStep stores t as moved by st if t is still at version t.Version
	// (then increments it); Conflict otherwise.
	SaveStep(ctx context.Context, t *Topic, st Step) error
	Steps(ctx context.Context, topicID string) ([]Step, error)
	// AddOpinion and AddVote count o or v on the topic if it is still
	// collecting or voting; a second vote by the same person is a Conflict.
	AddOpinion(ctx context.Context, o *Opinion) error
	Opinions(ctx context.Context, topicID string, limit int) ([]Opinion, error)
	AddVote(ctx context.Context, v *Vote) error
}
