package enforce

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// PubState is where a publication (行政处罚决定公开, 第四十八条) stands.
type PubState string

const (
	// PubPending: decided, not yet public. The party learns of a decision
	// from its service (送达), not from the portal, so a decision waits for
	// it, but never past the last of its 7 working days.
	PubPending PubState = "pending"
	// PubPublished: on the public listing and in the hub's dataset.
	PubPublished PubState = "published"
	// PubWithdrawn: the decision was changed or revoked (变更、撤销) and
	// the publication withdrawn (第四十八条第二款); off the listing, and a
	// delete sent to the hub.
	PubWithdrawn PubState = "withdrawn"
)

// Publication is a disclosure with what staff see of it: its state, the
// deadline of 国办发〔2018〕118号 (7 working days from the decision), when
// the publication job may release it and whether it was late.
type Publication struct {
	Disclosure
	State     PubState    `json:"state"`
	DueAt     time.Time   `json:"due_at"`
	ReleaseAt time.Time   `json:"release_at"`
	Late      bool        `json:"late"`
	Withdrawn *Withdrawal `json:"withdrawn,omitempty"`
}

// Schedule sets d's deadline and release time from c and the calendar:
// due 7 working days after the decision (ClockPublication); released when
// the decision is served, or at the start of the last day when it is not
// served by then. A disclosure never scheduled (an imported decision) is
// published by the write that stores it.
func Schedule(d *Disclosure, c Case, cal *worktime.Calendar) {
	d.DueAt = TermOf(ClockPublication).Due(cal, d.DecidedAt)
	d.ReleaseAt = d.DueAt.Add(-24 * time.Hour)
	if c.ServedAt != nil && c.ServedAt.Before(d.ReleaseAt) {
		d.ReleaseAt = *c.ServedAt
	}
	if d.ReleaseAt.Before(d.DecidedAt) {
		d.ReleaseAt = d.DecidedAt
	}
}

// WithdrawKind says why a published decision is withdrawn.
type WithdrawKind string

const (
	WithdrawChanged WithdrawKind = "changed" // 变更 (by the bureau, 复议 or a court)
	WithdrawRevoked WithdrawKind = "revoked" // 撤销 or 确认无效
)

// WithdrawRequest is the body of a withdrawal.
type WithdrawRequest struct {
	Kind   WithdrawKind `json:"kind"`
	Reason string       `json:"reason"`
	// ChangedAt is when the decision was changed or revoked (the date of
	// the 复议决定, the judgment, or the bureau's own decision): the 3
	// working days of 第四十八条第二款 run from it. Default: now.
	ChangedAt *time.Time `json:"changed_at"`
}

// Withdrawal is a recorded withdrawal.
type Withdrawal struct {
	Kind      WithdrawKind `json:"kind"`
	Reason    string       `json:"reason"`
	ChangedAt time.Time    `json:"changed_at"`
	At        time.Time    `json:"at"`
	By        string       `json:"by"`
	DueAt     time.Time    `json:"due_at"`
	Late      bool         `json:"late"`
}

// NewWithdrawal checks r and computes its deadline (3 working days from
// the change, ClockWithdrawal) and whether it is already late at now.
func NewWithdrawal(r WithdrawRequest, by string, now time.Time, cal *worktime.Calendar) (Withdrawal, error) {
	bad := errs.Invalid("撤回公开的请求无效 / the withdrawal is not valid")
	switch r.Kind {
	case WithdrawChanged, WithdrawRevoked:
	default:
		bad.WithField("kind", "changed（变更）或 revoked（撤销）/ changed or revoked")
	}
	reason := strings.TrimSpace(r.Reason)
	switch n := utf8.RuneCountInString(reason); {
	case n < 4:
		bad.WithField("reason", "需要撤回理由（如复议决定书文号）/ say why, e.g. the number of the 复议 decision")
	case n > 500:
		bad.WithField("reason", "最多 500 个字符 / at most 500 characters")
	}
	bad.CheckText(true, "reason", reason)
	changed := now
	if r.ChangedAt != nil {
		changed = *r.ChangedAt
		if changed.After(now.Add(time.Minute)) {
			bad.WithField("changed_at", "不能晚于现在 / cannot be in the future")
		}
	}
	if len(bad.Fields) > 0 {
		return Withdrawal{}, bad
	}
	due := TermOf(ClockWithdrawal).Due(cal, changed)
	return Withdrawal{Kind: r.Kind, Reason: reason, ChangedAt: changed.UTC(), At: now.UTC(), By: by, DueAt: due.UTC(), Late: now.After(due)}, nil
}

// MayWithdraw reports whether actor may withdraw a publication: the legal
// office (法制审核, which checks what the bureau publishes) or a leader.
func MayWithdraw(a org.Actor) bool {
	_, lr := a.Grant(PostLegalReviewer)
	_, ld := a.Grant(org.PostLeader)
	return lr || ld
}

// Released is what one run of the publication job did.
type Released struct {
	Published int `json:"published"` // pending decisions made public
	Late      int `json:"late"`      // of those, past their 7 working days
	Overdue   int `json:"overdue"`   // still pending and past due (flagged)
}

// PublicationStore keeps the publications of decisions; enforcestore
// implements it next to [Store].
type PublicationStore interface {
	// ReleaseDue publishes, in one transaction, the pending publications
	// whose release time has come (served, or on their last day) at now,
	// flagging those past due, and flags the pending ones past due.
	ReleaseDue(ctx context.Context, now time.Time) (Released, error)
	// WithdrawPublication withdraws the publication of case caseID:
	// NotFound when there is none, Conflict when it is already withdrawn.
	WithdrawPublication(ctx context.Context, caseID string, w Withdrawal) (Publication, error)
	// FindPublication reads the publication of case caseID, whatever its state.
	FindPublication(ctx context.Context, caseID string) (Publication, error)
	// Unfed lists up to limit publications published or withdrawn since
	// they were last fed to the hub; MarkFed records one as fed in the
	// state it was read in (a change meanwhile keeps it unfed).
	Unfed(ctx context.Context, limit int) ([]Publication, error)
	MarkFed(ctx context.Context, caseID string, state PubState) error
}

// Publications is the staff side of publication: reading a case's
// publication and withdrawing it, inside the actor's jurisdiction.
type Publications struct {
	Cases *Service
	Store PublicationStore
}

// Find reads the publication of penalty case id (state, deadline, late,
// withdrawal) for an actor who may see the case.
func (p *Publications) Find(ctx context.Context, actor org.Actor, id string) (Publication, error) {
	c, _, err := p.Cases.FindCase(ctx, actor, id)
	if err != nil {
		return Publication{}, err
	}
	return p.Store.FindPublication(ctx, c.ID)
}

// Withdraw withdraws the publication of penalty case id after its
// decision was changed or revoked. Only the legal office or a leader
// withdraws, inside their jurisdiction; the caller audits it.
func (p *Publications) Withdraw(ctx context.Context, actor org.Actor, id string, r WithdrawRequest) (Publication, error) {
	s := p.Cases
	if !MayWithdraw(actor) {
		return Publication{}, errs.Forbidden("只有法制审核员或领导可以撤回公开的处罚决定 / only the legal office or a leader withdraws a published decision")
	}
	c, err := s.Store.FindCaseByID(ctx, id, s.ScopeOf(actor))
	if err != nil {
		return Publication{}, err
	}
	w, err := NewWithdrawal(r, actor.ID, s.Now(), s.Cal)
	if err != nil {
		return Publication{}, err
	}
	if c.Decision != nil && w.ChangedAt.Before(c.Decision.At) {
		return Publication{}, errs.Invalid("变更或撤销不能早于原处罚决定（%s）/ the change cannot precede the decision of %s",
			c.Decision.At.Format(time.DateOnly), c.Decision.At.Format(time.DateOnly)).WithField("changed_at", "before the decision")
	}
	out, err := p.Store.WithdrawPublication(ctx, c.ID, w)
	if err != nil {
		return Publication{}, fmt.Errorf("withdraw the publication of %s: %w", c.Code, err)
	}
	return out, nil
}
