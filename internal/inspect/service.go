package inspect

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Store keeps plans, their commitments, draws and outcomes. The state
// changes are conditional, so that two nodes racing cannot both commit or
// draw one plan, and a committed plan cannot change.
type Store interface {
	CreatePlan(ctx context.Context, p *Plan) error
	// UpdatePlan replaces a draft's content; errs.Conflict unless the
	// stored plan is still a draft at p.Version (the version read).
	UpdatePlan(ctx context.Context, p *Plan) error
	// FindPlanByID reads a plan with its lists, commitment, draw and
	// outcomes; errs.NotFound when there is none.
	FindPlanByID(ctx context.Context, id string) (*Plan, error)
	// FindPlans lists plans, newest first, without their lists (the counts
	// are set) but with their commitment, draw and outcomes.
	FindPlans(ctx context.Context, f Filter) ([]*Plan, int, error)
	// CommitPlan freezes a draft at version and keeps the seed secret (sealed
	// at rest); errs.Conflict when the plan moved on.
	CommitPlan(ctx context.Context, id string, version int, c Commitment, seed []byte) error
	// FindSeed reads the committed seed back.
	FindSeed(ctx context.Context, id string) ([]byte, error)
	// SaveDraw stores the result and reveals the seed, moving a committed
	// plan to drawn; errs.Conflict when it is not committed any more.
	SaveDraw(ctx context.Context, id string, d Draw) error
	// SaveOutcome records (or corrects) the outcome of one drawn object.
	SaveOutcome(ctx context.Context, id string, o Outcome) error
}

// Filter selects plans.
type Filter struct {
	Statuses      []Status
	Limit, Offset int
}

// Service runs the plans' life: write, commit, draw, record outcomes, and
// the public views.
type Service struct {
	Store Store
	Cal   *worktime.Calendar
	Now   func() time.Time
	NewID func() string
	Rand  io.Reader // seeds; nil = crypto/rand
}

func (s *Service) rand() io.Reader {
	if s.Rand != nil {
		return s.Rand
	}
	return rand.Reader
}

// CreatePlan writes a new draft.
func (s *Service) CreatePlan(ctx context.Context, actor org.Actor, in PlanInput) (*Plan, error) {
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	p := &Plan{ID: s.NewID(), PlanInput: in, Status: StatusDraft, Version: 1, CreatedBy: actor.ID, CreatedAt: now, UpdatedAt: now,
		ObjectCount: len(in.Objects), InspectorCount: len(in.Inspectors)}
	if err := s.Store.CreatePlan(ctx, p); err != nil {
		return nil, fmt.Errorf("create inspection plan: %w", err)
	}
	return p, nil
}

// UpdatePlan replaces a draft's content: 409 once the seed is committed.
func (s *Service) UpdatePlan(ctx context.Context, actor org.Actor, id string, in PlanInput) (*Plan, error) {
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("update inspection plan %s: %w", id, err)
	}
	if err := frozen(p); err != nil {
		return nil, err
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	p.PlanInput = in
	p.ObjectCount, p.InspectorCount = len(in.Objects), len(in.Inspectors)
	p.UpdatedAt = s.Now().UTC()
	if err := s.Store.UpdatePlan(ctx, p); err != nil {
		return nil, fmt.Errorf("update inspection plan %s: %w", id, err)
	}
	p.Version++
	return p, nil
}

// frozen refuses a change to a plan whose seed is committed.
func frozen(p *Plan) error {
	if p.Status != StatusDraft {
		return errs.Conflict("计划 %s 已公布抽取承诺，不能再修改 / the seed of plan %s is committed; the plan can no longer change", p.ID, p.ID).
			With("status", p.Status)
	}
	return nil
}

// FindPlan reads one plan with everything.
func (s *Service) FindPlan(ctx context.Context, id string) (*Plan, error) {
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("find inspection plan %s: %w", id, err)
	}
	return p, nil
}

// FindPlans lists plans without their lists.
func (s *Service) FindPlans(ctx context.Context, f Filter) ([]*Plan, int, error) {
	list, total, err := s.Store.FindPlans(ctx, f)
	if err != nil {
		return nil, 0, fmt.Errorf("find inspection plans: %w", err)
	}
	return list, total, nil
}

// Commit makes the seed and publishes its hash with the plan's: from now
// on the plan is frozen. The plan is validated again, so that the draw
// cannot fail once the seed is out.
func (s *Service) Commit(ctx context.Context, actor org.Actor, id string) (*Plan, error) {
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("commit inspection plan %s: %w", id, err)
	}
	if p.Status != StatusDraft {
		return nil, errs.Conflict("计划 %s 已公布过抽取承诺 / plan %s is already committed", id, id).With("status", p.Status)
	}
	if err := p.PlanInput.Validate(); err != nil {
		return nil, err
	}
	seed, err := NewSeed(s.rand())
	if err != nil {
		return nil, fmt.Errorf("commit inspection plan %s: %w", id, err)
	}
	c := Commitment{PlanHash: p.Hash(), SeedHash: SeedHash(seed), CommittedAt: s.Now().UTC(), CommittedBy: actor.ID}
	if err := s.Store.CommitPlan(ctx, id, p.Version, c, seed); err != nil {
		return nil, fmt.Errorf("commit inspection plan %s: %w", id, err)
	}
	// The store changed nothing else: answer from what was read.
	p.Status, p.Commitment = StatusCommitted, &c
	p.Version++
	return p, nil
}

// Draw reveals the seed and draws. The plan must be committed; its hash
// must still be the committed one and the stored seed must match the
// commitment, or the draw is refused rather than made from altered data.
func (s *Service) Draw(ctx context.Context, actor org.Actor, id string) (*Plan, error) {
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("draw inspection plan %s: %w", id, err)
	}
	switch {
	case p.Status == StatusDraft:
		return nil, errs.Conflict("计划 %s 尚未公布抽取承诺，请先 commit / plan %s has no published commitment yet; commit it first", id, id).With("status", p.Status)
	case p.Status == StatusDrawn:
		return nil, errs.Conflict("计划 %s 已抽取，结果不可重抽 / plan %s is already drawn; a draw is never repeated", id, id).With("status", p.Status)
	case p.Commitment == nil:
		return nil, fmt.Errorf("draw inspection plan %s: committed without a commitment", id)
	}
	if h := p.Hash(); h != p.Commitment.PlanHash {
		return nil, errs.Conflict("计划 %s 的内容与承诺时不符（%s ≠ %s），拒绝抽取 / plan %s differs from the committed one; the draw is refused", id, h, p.Commitment.PlanHash, id)
	}
	seed, err := s.Store.FindSeed(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("draw inspection plan %s: %w", id, err)
	}
	if SeedHash(seed) != p.Commitment.SeedHash {
		return nil, errs.Conflict("计划 %s 保存的种子与承诺不符，拒绝抽取 / the stored seed of plan %s does not match its commitment; the draw is refused", id, id)
	}
	res, err := Run(p, seed)
	if err != nil {
		return nil, fmt.Errorf("draw inspection plan %s: %w", id, err)
	}
	d := Draw{Seed: hex.EncodeToString(seed), DrawnAt: s.Now().UTC(), DrawnBy: actor.ID, Result: res}
	if err := s.Store.SaveDraw(ctx, id, d); err != nil {
		return nil, fmt.Errorf("draw inspection plan %s: %w", id, err)
	}
	p.Status, p.Draw = StatusDrawn, &d
	p.Version++
	return p, nil
}

// RecordOutcome records what the inspection of one drawn object found.
func (s *Service) RecordOutcome(ctx context.Context, actor org.Actor, id string, in OutcomeInput) (Outcome, error) {
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return Outcome{}, fmt.Errorf("record outcome of plan %s: %w", id, err)
	}
	o, err := DecideOutcome(p, in, actor.ID, s.Now(), s.Cal)
	if err != nil {
		return Outcome{}, err
	}
	if err := s.Store.SaveOutcome(ctx, id, o); err != nil {
		return Outcome{}, fmt.Errorf("record outcome of plan %s: %w", id, err)
	}
	return o, nil
}

// Public lists what the public sees: committed and drawn plans, newest
// first, masked (see PublicOf).
func (s *Service) Public(ctx context.Context, limit, offset int) ([]PublicPlan, int, error) {
	list, total, err := s.Store.FindPlans(ctx, Filter{Statuses: []Status{StatusCommitted, StatusDrawn}, Limit: limit, Offset: offset})
	if err != nil {
		return nil, 0, fmt.Errorf("public inspection plans: %w", err)
	}
	out := make([]PublicPlan, 0, len(list))
	for _, p := range list {
		out = append(out, PublicOf(p))
	}
	return out, total, nil
}

// published reads a plan the public may see: a draft is not found.
func (s *Service) published(ctx context.Context, id string) (*Plan, error) {
	p, err := s.Store.FindPlanByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("find inspection plan %s: %w", id, err)
	}
	if p.Status == StatusDraft || p.Commitment == nil {
		return nil, errs.NotFound("没有已公布的抽查计划 %s / no published inspection plan %s", id, id)
	}
	return p, nil
}

// PublicDocument is a published plan's canonical document: the bytes whose
// SHA-256 is the committed plan hash.
func (s *Service) PublicDocument(ctx context.Context, id string) ([]byte, error) {
	p, err := s.published(ctx, id)
	if err != nil {
		return nil, err
	}
	return p.Canonical(), nil
}

// VerifyReport is the answer of a server-side re-run.
type VerifyReport struct {
	PlanID     string    `json:"plan_id"`
	PlanHash   string    `json:"plan_hash"`
	Commitment string    `json:"commitment"`
	Seed       string    `json:"seed"`
	Match      bool      `json:"match"`
	Problem    string    `json:"problem,omitempty"`
	CheckedAt  time.Time `json:"checked_at"`
}

// VerifyStored re-runs a drawn plan's draw from what is stored and says
// whether it matches the published result.
func (s *Service) VerifyStored(ctx context.Context, id string) (VerifyReport, error) {
	p, err := s.published(ctx, id)
	if err != nil {
		return VerifyReport{}, err
	}
	if p.Status != StatusDrawn || p.Draw == nil {
		return VerifyReport{}, errs.Conflict("计划 %s 尚未抽取，种子未公开，暂不能验证 / plan %s is not drawn yet; its seed is still secret", id, id).With("status", p.Status)
	}
	rep := VerifyReport{PlanID: id, PlanHash: p.Hash(), Commitment: p.Commitment.SeedHash, Seed: p.Draw.Seed, CheckedAt: s.Now().UTC()}
	seed, err := hex.DecodeString(p.Draw.Seed)
	switch {
	case err != nil:
		rep.Problem = "公开的种子不是十六进制 / the revealed seed is not hex"
	case p.Commitment.PlanHash != p.Draw.PlanHash:
		rep.Problem = "承诺的计划哈希与抽取结果记录的不符 / the committed plan hash differs from the one the result records"
	default:
		if err := Verify(p, seed, p.Commitment.SeedHash, p.Draw.Result); err != nil {
			if e, ok := errs.As(err); ok {
				rep.Problem = e.Message
			} else {
				return VerifyReport{}, fmt.Errorf("verify inspection plan %s: %w", id, err)
			}
		}
	}
	rep.Match = rep.Problem == ""
	return rep, nil
}
