package council

import (
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/pii"
)

// Volunteer is a registered volunteer of one community. Phone is personal
// data: the store seals it; lists show it masked.
type Volunteer struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Phone      string    `json:"phone"`
	Community  string    `json:"community"` // the community's region code
	Skills     []string  `json:"skills"`
	Hours      float64   `json:"hours"` // credited hours, from closed sign-ins
	CreatedAt  time.Time `json:"created_at"`
	Registered string    `json:"registered_by"`
}

// Validate checks a registration before it is stored.
func (v *Volunteer) Validate() error {
	v.Name = strings.TrimSpace(v.Name)
	v.Phone = pii.NormalizePhone(v.Phone)
	if v.Name == "" || utf8.RuneCountInString(v.Name) > 40 {
		return errs.Invalid("请填写志愿者姓名（不超过40字）/ give the volunteer's name (at most 40 characters)").WithField("name", "1–40 characters")
	}
	if !validPhone(v.Phone) {
		return errs.Invalid("手机号须为11位数字 / the phone must be an 11-digit mobile number").WithField("phone", "11 digits, e.g. 13800138000")
	}
	if v.Community == "" {
		return errs.Invalid("请选择所属社区 / choose the volunteer's community").WithField("community", "a community's region code")
	}
	if len(v.Skills) > 10 {
		return errs.Invalid("特长最多10项 / at most 10 skills").WithField("skills", "at most 10")
	}
	for i, s := range v.Skills {
		v.Skills[i] = strings.TrimSpace(s)
		if v.Skills[i] == "" || utf8.RuneCountInString(v.Skills[i]) > 20 {
			return errs.Invalid("每项特长1–20字 / each skill is 1–20 characters").WithField("skills", "1–20 characters each")
		}
	}
	return nil
}

func validPhone(p string) bool {
	if len(p) != 11 || p[0] != '1' {
		return false
	}
	for _, c := range p {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// Activity is a volunteer activity at a place and in a time window;
// volunteers sign in within Radius metres of Place while it runs.
type Activity struct {
	ID        string    `json:"id"`
	Title     string    `json:"title"`
	Community string    `json:"community"`
	Place     geo.Point `json:"place"`
	RadiusM   float64   `json:"radius_m"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end"`
}

// MaxRadiusM bounds an activity's radius: wider and a sign-in proves
// nothing about being there.
const MaxRadiusM = 2000

// Validate checks an activity before it is stored.
func (a *Activity) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	switch {
	case a.Title == "" || utf8.RuneCountInString(a.Title) > 80:
		return errs.Invalid("请填写活动名称（不超过80字）/ give the activity a title (at most 80 characters)").WithField("title", "1–80 characters")
	case a.Community == "":
		return errs.Invalid("请选择活动所在社区 / choose the activity's community").WithField("community", "a community's region code")
	case !a.Place.Valid() || a.Place == (geo.Point{}):
		return errs.Invalid("活动地点无效 / the activity's place is not a valid position").WithField("place", "lng and lat in degrees (WGS-84)")
	case !(a.RadiusM >= 10 && a.RadiusM <= MaxRadiusM):
		return errs.Invalid("签到半径须为10–2000米 / the sign-in radius must be 10–2000 m").WithField("radius_m", "10–2000")
	case !a.End.After(a.Start) || a.End.Sub(a.Start) > 24*time.Hour:
		return errs.Invalid("活动须在开始后24小时内结束 / the activity must end after it starts, within 24 hours").WithField("end", "after start, within 24 h")
	}
	return nil
}

// Attendance is one volunteer's presence at an activity: signed in, and
// once signed out, the hours credited.
type Attendance struct {
	ActivityID  string     `json:"activity_id"`
	VolunteerID string     `json:"volunteer_id"`
	In          time.Time  `json:"signed_in_at"`
	Out         *time.Time `json:"signed_out_at,omitempty"`
	Hours       float64    `json:"hours"`
	RecordedBy  string     `json:"recorded_by"`
}

// CheckPresence is the sign-in (and sign-out) rule: at is inside the
// activity's window and where is within its radius. Sign-in also opens a
// little early (15 minutes) so volunteers arriving on time are not refused.
func (a *Activity) CheckPresence(where geo.Point, at time.Time) error {
	if !where.Valid() || where == (geo.Point{}) {
		return errs.Invalid("签到位置无效 / the sign-in position is not valid").WithField("location", "lng and lat in degrees (WGS-84)")
	}
	if at.Before(a.Start.Add(-early)) || at.After(a.End) {
		return errs.Conflict("不在活动时间内（%s–%s）/ outside the activity's time window", a.Start.Format(time.RFC3339), a.End.Format(time.RFC3339))
	}
	if d := geo.DistanceM(a.Place, where); d > a.RadiusM {
		return errs.Conflict("距活动地点%.0f米，超出签到范围%.0f米 / %.0f m from the activity, beyond its %.0f m radius", d, a.RadiusM, d, a.RadiusM).
			With("distance_m", int(d))
	}
	return nil
}

const early = 15 * time.Minute

// Credit is the hours a sign-out at out credits: the time spent inside the
// activity's window, in quarter hours rounded down (a volunteer who signed
// in early is not paid the wait; one who left late is not paid the stay).
func (a *Activity) Credit(in, out time.Time) float64 {
	from, to := in, out
	if from.Before(a.Start) {
		from = a.Start
	}
	if to.After(a.End) {
		to = a.End
	}
	if !to.After(from) {
		return 0
	}
	return float64(to.Sub(from)/(15*time.Minute)) / 4
}
