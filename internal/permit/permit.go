// Package permit owns the permits the bureau grants online (issue 17):
// 户外广告设置 (outdoor advertising), 临时占道 (temporary road occupation) and
// 建筑垃圾(渣土)运输 (construction-waste transport) — the application, its
// review on a working-day clock like the loop's, the decision, the permit
// with its number and QR, the expiry reminder and the public list.
//
// It is pure: it imports errs, geo, worktime and jobs, never net/http or
// database/sql. The store is behind [Store].
package permit

import (
	"context"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/worktime"
)

// Kind is what a permit allows.
type Kind string

const (
	KindOutdoorAd Kind = "outdoor_ad"      // 户外广告设置
	KindRoadUse   Kind = "road_occupation" // 临时占道
	KindMuck      Kind = "muck_transport"  // 建筑垃圾(渣土)运输
)

// Kinds are the kinds with {Chinese, English} names, the review limit in
// working days (承诺时限, as commonly promised for these approvals) and the
// longest validity an application may ask for.
var Kinds = []struct {
	Kind       Kind
	Name       [2]string
	ReviewDays float64
	MaxDays    int
}{
	{KindOutdoorAd, [2]string{"户外广告设置", "Outdoor advertising"}, 10, 3 * 365},
	{KindRoadUse, [2]string{"临时占用城市道路", "Temporary road occupation"}, 5, 365},
	{KindMuck, [2]string{"建筑垃圾(渣土)运输", "Construction-waste transport"}, 5, 365},
}

// ParseKind accepts a known kind ("" is an error: a list filter treats
// empty as every kind before calling it).
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if string(k.Kind) == s {
			return k.Kind, nil
		}
	}
	return "", errs.Invalid("许可类型须为 outdoor_ad、road_occupation 或 muck_transport / the kind must be outdoor_ad, road_occupation or muck_transport").WithField("kind", "outdoor_ad | road_occupation | muck_transport")
}

// KindName is a kind's {Chinese, English} name.
func KindName(k Kind) [2]string {
	for _, x := range Kinds {
		if x.Kind == k {
			return x.Name
		}
	}
	return [2]string{string(k), string(k)}
}

// ReviewLimit is the working-day limit of a kind's review.
func ReviewLimit(k Kind) worktime.Limit {
	for _, x := range Kinds {
		if x.Kind == k {
			return worktime.Limit{Amount: x.ReviewDays, Unit: worktime.WorkingDays}
		}
	}
	return worktime.Limit{Amount: 5, Unit: worktime.WorkingDays}
}

// Status is where an application stands. Expired is not stored: an
// approved permit past its ValidTo is expired (see [Permit.StatusAt]).
type Status string

const (
	StatusSubmitted Status = "submitted" // 待审查
	StatusApproved  Status = "approved"  // 已许可
	StatusRejected  Status = "rejected"  // 不予许可
	StatusExpired   Status = "expired"   // 已过期
)

// StatusNames holds {Chinese, English} per status.
var StatusNames = map[Status][2]string{
	StatusSubmitted: {"待审查", "Under review"}, StatusApproved: {"已许可", "Granted"},
	StatusRejected: {"不予许可", "Refused"}, StatusExpired: {"已过期", "Expired"},
}

// Permit is one application and, once approved, the permit. Phone is
// sealed by the store; Number is given on approval.
type Permit struct {
	ID          string     `json:"id"`
	Kind        Kind       `json:"kind"`
	Status      Status     `json:"status"`
	Number      string     `json:"number,omitempty"` // 许可证号, on approval
	Applicant   string     `json:"applicant"`        // a person or a company, as on the permit
	USCC        string     `json:"uscc,omitempty"`
	Phone       string     `json:"phone,omitempty"`
	Address     string     `json:"address"`
	Point       geo.Point  `json:"point"`
	District    string     `json:"district"`
	Details     string     `json:"details"` // size and content of the sign, the occupied area, the trucks and route
	ValidFrom   time.Time  `json:"valid_from"`
	ValidTo     time.Time  `json:"valid_to"`
	SubmittedAt time.Time  `json:"submitted_at"`
	DueAt       time.Time  `json:"due_at"` // the review's working-day deadline
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
	DecidedBy   string     `json:"decided_by,omitempty"`
	Reason      string     `json:"reason,omitempty"` // of a refusal
	RemindedAt  *time.Time `json:"reminded_at,omitempty"`
	Version     int        `json:"version"`
}

// StatusAt is the status as of now: an approved permit past its term is
// expired.
func (p *Permit) StatusAt(now time.Time) Status {
	if p.Status == StatusApproved && !now.Before(p.ValidTo) {
		return StatusExpired
	}
	return p.Status
}

// Application is what an applicant sends.
type Application struct {
	Kind      Kind
	Applicant string
	USCC      string
	Phone     string
	Address   string
	Point     geo.Point
	Details   string
	ValidFrom time.Time
	ValidTo   time.Time
}

// Validate checks an application; the field errors say what to fix.
func (a *Application) Validate(now time.Time) error {
	bad := errs.Invalid("申请信息不完整 / the application is not complete")
	max := 365
	found := false
	for _, k := range Kinds {
		if k.Kind == a.Kind {
			max, found = k.MaxDays, true
		}
	}
	if !found {
		bad.WithField("kind", "outdoor_ad | road_occupation | muck_transport")
	}
	if n := len([]rune(strings.TrimSpace(a.Applicant))); n == 0 || n > 100 {
		bad.WithField("applicant", "required, at most 100 characters")
	}
	if !phoneOK(a.Phone) {
		bad.WithField("phone", "a mobile or landline number, 7–20 digits")
	}
	if n := len([]rune(strings.TrimSpace(a.Address))); n == 0 || n > 200 {
		bad.WithField("address", "required, at most 200 characters")
	}
	if n := len([]rune(strings.TrimSpace(a.Details))); n < 4 || n > 1000 {
		bad.WithField("details", "4–1000 characters: what, how large, which trucks or route")
	}
	if !a.Point.Valid() {
		bad.WithField("lng", "give lng and lat")
	}
	day := 24 * time.Hour
	switch {
	case a.ValidFrom.IsZero() || a.ValidTo.IsZero():
		bad.WithField("valid_from", "give valid_from and valid_to (dates)")
	case a.ValidFrom.Before(now.Add(-day)):
		bad.WithField("valid_from", "not in the past")
	case !a.ValidTo.After(a.ValidFrom):
		bad.WithField("valid_to", "after valid_from")
	case a.ValidTo.Sub(a.ValidFrom) > time.Duration(max)*day:
		bad.WithField("valid_to", "at most this kind's longest term")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

func phoneOK(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '-' || r == ' ' || r == '+':
		default:
			return false
		}
	}
	return digits >= 7 && digits <= 20
}

// Filter selects permits for a list.
type Filter struct {
	Kind   Kind
	Status Status // "" every status; expired is approved past its term
	Now    time.Time
	Limit  int
	Offset int
}

// Store keeps permits; the phone is sealed at rest. DecidePermit fails
// with Conflict when the stored version is not p.Version-1 (someone
// decided first).
type Store interface {
	CreatePermit(ctx context.Context, p *Permit) error
	// DecidePermit stores the decision; for an approval it numbers the
	// permit prefix + the next of prefix's sequence (5 digits), in the
	// same transaction.
	DecidePermit(ctx context.Context, p *Permit, prefix string) error
	FindPermitByID(ctx context.Context, id string) (*Permit, error)
	FindPermits(ctx context.Context, f Filter) ([]*Permit, int, error)
	PermitsToRemind(ctx context.Context, before time.Time) ([]*Permit, error)
	MarkReminded(ctx context.Context, id string, at time.Time) error
}
