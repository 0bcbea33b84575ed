package enforce

import (
	"cityloop/internal/jobs"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Filter selects penalty cases for a list. Zero fields do not filter.
type Filter struct {
	Statuses  []Status
	Procedure Procedure
	Officer   string // an officer's account id
	District  string
	Brigade   string
	Violation string
	Light     worktime.Light // the worst clock light as of the last write or sweep
	// Party is the party's identity number (ID number or USCC), matched
	// through the blind index; the number itself is never stored in clear.
	Party  string
	Scope  *Scope // nil: unscoped (the platform itself)
	Limit  int
	Offset int
}

// Disclosure is one published decision (行政处罚决定公开, 第四十八条) as the
// public sees it: no personal data but the party label the store masks
// through package disclose (a person's surname and "*"; an organisation's
// name), never an ID number, a USCC or a phone.
type Disclosure struct {
	CaseID        string    `json:"-"`
	Number        string    `json:"number"` // 决定书文号
	Code          string    `json:"code"`
	District      string    `json:"district"`
	Violation     string    `json:"violation"`
	ViolationName string    `json:"violation_name"`
	PartyKind     PartyKind `json:"party_kind"`
	Party         string    `json:"party"` // masked
	Kinds         []Kind    `json:"kinds"`
	Fine          float64   `json:"fine"`
	Basis         string    `json:"basis"` // 处罚依据
	Procedure     Procedure `json:"procedure"`
	DecidedAt     time.Time `json:"decided_at"`
	PublishedAt   time.Time `json:"published_at"`
	// DueAt and ReleaseAt are set by [Schedule]; zero publishes at once.
	DueAt     time.Time `json:"-"`
	ReleaseAt time.Time `json:"-"`
}

// DisclosureQuery searches the published decisions.
type DisclosureQuery struct {
	Q        string // words in the number, the violation or the party label
	District string
	From, To *time.Time // decided_at in [From, To)
	Limit    int
	Offset   int
}

// DisclosureOf is the publication of c's decision, or false when it has
// none to publish: no decision yet, or a 不予处罚 (exemption) decision,
// which 第四十八条 does not call for and which would name a person who was
// not penalised. The party label is left for the store, which holds the
// name.
func DisclosureOf(c Case, rb *Rulebook, now time.Time) (Disclosure, bool) {
	if c.Decision == nil || c.Decision.Exemption != nil {
		return Disclosure{}, false
	}
	d := Disclosure{CaseID: c.ID, Number: c.Decision.Number, Code: c.Code, District: c.District, Violation: c.Violation,
		PartyKind: c.Party.Kind, Kinds: append([]Kind{}, c.Decision.Penalty.Kinds...), Fine: c.Decision.Penalty.Fine,
		Procedure: c.Procedure, DecidedAt: c.Decision.At, PublishedAt: now}
	if d.Number == "" {
		d.Number = c.Code
	}
	if it, ok := rb.Item(c.Violation); ok {
		d.ViolationName = it.Name.Zh
		d.Basis = strings.TrimSpace(it.Penalty.Law + it.Penalty.Article)
	}
	return d, true
}

// Store persists penalty cases. Every write stores the case, its new events
// and records, and the party or the publication in one transaction;
// UpdateCase fails with a Conflict when the stored version is no longer
// prevVersion. CreateCase sets c.Code and c.Party.ID (the blind key of the
// party's identity number).
type Store interface {
	// pub, when set, publishes the case's decision in the same transaction
	// (a case imported or generated already decided).
	CreateCase(ctx context.Context, c *Case, party PartyDetail, events []Event, pub *Disclosure) error
	UpdateCase(ctx context.Context, c *Case, prevVersion int, events []Event, pub *Disclosure) error
	// FindCaseByID finds a case inside scope (nil: anywhere); outside it is NotFound.
	FindCaseByID(ctx context.Context, id string, scope *Scope) (*Case, error)
	FindCases(ctx context.Context, f Filter) ([]*Case, int, error)
	Timeline(ctx context.Context, id string) ([]Event, error)
	// FindParty opens the sealed details of a case's party.
	FindParty(ctx context.Context, caseID string) (PartyDetail, error)
	// PartyHistory lists the decided acts of a party (by its key), penalised
	// or exempted, for 首违不罚.
	PartyHistory(ctx context.Context, partyID string) ([]Violation, error)
	// FindDecided lists the decided cases inside scope whose decision falls
	// in [from, to), for the figures.
	FindDecided(ctx context.Context, scope *Scope, from, to time.Time) ([]*Case, error)
	// FindDue lists the cases whose next clock warning falls due at or
	// before `by` (Case.NextDue), in (next_due, id) order after the key
	// (afterDue, afterID), for the clock sweep.
	FindDue(ctx context.Context, by, afterDue time.Time, afterID string, limit int) ([]*Case, error)
	// SetNextDue corrects a case's NextDue while it is still at version,
	// without a new version: the sweep's answer for a case it had nothing
	// to warn about (a case stored before the column existed).
	SetNextDue(ctx context.Context, id string, version int, next *time.Time) error
	FindDisclosures(ctx context.Context, q DisclosureQuery) ([]Disclosure, int, error)
}

// LoopCase is what a penalty case needs of the loop case it comes from.
type LoopCase struct {
	ID         string    `json:"id"`
	Code       string    `json:"code"`
	Category   string    `json:"category"` // catalog ref, e.g. event:0101
	District   string    `json:"district"`
	Summary    string    `json:"summary"`
	ReportedAt time.Time `json:"reported_at"`
}

// Loop is the closed loop (casework) seen from enforcement; app wires an
// adapter (package enforce/loop). Outcome reports what it did to the loop
// case, in words for the timeline and the API.
type Loop interface {
	FindLoopCase(ctx context.Context, actor org.Actor, id string) (LoopCase, error)
	Opened(ctx context.Context, actor org.Actor, loopID string, c Case) error
	Outcome(ctx context.Context, c Case) (string, error)
}

// DefaultLoopCategories are the loop's sub-classes that may open a penalty
// case, with the rulebook item they usually are: illegal building
// (违法建设), unlicensed trading (无照经营), out-of-store trading (店外经营),
// illegal advertising and piled materials, all of them violations the
// comprehensive enforcement bureau punishes. Other loop cases (a broken
// manhole cover) are repairs, not violations.
func DefaultLoopCategories() map[string]string {
	return map[string]string{
		"event:0101": "PLAN-01", // 私搭乱建 → 违法建设
		"event:0501": "BIZ-01",  // 无照经营游商
		"event:0504": "ROAD-01", // 店外经营 → 占道经营
		"event:0201": "CITY-01", // 非法小广告
		"event:0202": "CITY-07", // 违章张贴悬挂广告牌匾
		"event:0304": "ROAD-03", // 施工占道
		"event:0507": "ROAD-01", // 乱堆物料 → 占道堆放
	}
}

// Exhibits reads the evidence the vault holds for penalty cases (package
// evidence keeps it; evidencestore answers). A case with no evidence is
// absent from the map.
type Exhibits interface {
	CaseExhibits(ctx context.Context, caseIDs []string) (map[string][]Exhibit, error)
}

// DecisionNumbers issues the number (文号) of a case's 决定书; the store
// gives it to the decision's publication in the same transaction.
type DecisionNumbers interface {
	NumberDecision(ctx context.Context, c *Case) (string, error)
}

// Service runs penalty cases: it does the I/O around [Decide].
type Service struct {
	Store Store
	// Exhibits is the evidence vault's view of the cases; nil means no
	// vault, and then no record of an evidence kind can be entered and no
	// ordinary decision issued.
	Exhibits Exhibits
	Loop     Loop // nil: no loop cases are linked
	// Numbers issues the 文号 of a decision as it takes effect (the
	// document desk); nil leaves it to the first rendering of the 决定书.
	Numbers DecisionNumbers
	Atlas   func() *org.Atlas
	Cal     *worktime.Calendar
	// Books are the published rulebooks; the one in force for Region at the
	// time of each decision is used ([InForce]), the national tier when
	// none is.
	Books  []*Rulebook
	Region string
	Policy Policy
	// Window is how far back an earlier act makes this one "not first".
	Window         time.Duration
	LoopCategories map[string]string
	Now            func() time.Time
	NewID          func() string
}

// NewService is a Service with the shipped defaults: the national
// rulebook, the default approval policy, a one-year window for 首违不罚 and
// the loop categories that may open a penalty case.
func NewService(st Store, lp Loop, atlas func() *org.Atlas, cal *worktime.Calendar, now func() time.Time, newID func() string) (*Service, error) {
	rb, err := Default()
	if err != nil {
		return nil, err
	}
	return &Service{Store: st, Loop: lp, Atlas: atlas, Cal: cal, Books: []*Rulebook{rb}, Policy: DefaultPolicy(),
		Window: 365 * 24 * time.Hour, LoopCategories: DefaultLoopCategories(), Now: now, NewID: newID}, nil
}

// ClocksJob sweeps the legal clocks every interval, 500 cases a batch
// (lights and warnings, like the loop's overdue sweep).
func (s *Service) ClocksJob(every time.Duration) jobs.Job {
	return jobs.Job{Name: "enforce-clocks", Schedule: jobs.Every(every), Timeout: 5 * time.Minute,
		Run: func(ctx context.Context) error { _, err := s.SweepClocks(ctx, 500); return err }}
}

// ScopeOf is the actor's jurisdiction over the current region tree.
func (s *Service) ScopeOf(a org.Actor) *Scope {
	atlas := s.Atlas()
	return ScopeFor(a, func(code string) (string, bool, bool) {
		for i := 0; i < 16; i++ { // a region tree is a handful of levels deep
			r, ok := atlas.Region(code)
			if !ok {
				return "", false, false
			}
			switch r.Level {
			case org.LevelCity:
				return "", true, true
			case org.LevelDistrict:
				return r.Code, false, true
			}
			code = r.Parent
		}
		return "", false, false
	})
}

// Rulebook is the rulebook in force at t.
func (s *Service) Rulebook(t time.Time) (*Rulebook, error) {
	if rb, ok := InForce(s.Books, s.Region, t); ok {
		return rb, nil
	}
	rb, err := Default()
	if err != nil {
		return nil, fmt.Errorf("load the national rulebook: %w", err)
	}
	return rb, nil
}

// env builds what Decide needs for c at now: the rulebook in force, the
// policy and the party's earlier acts (without this case's own).
func (s *Service) env(ctx context.Context, c *Case, now time.Time) (Env, error) {
	rb, err := s.Rulebook(now)
	if err != nil {
		return Env{}, err
	}
	env := Env{Now: now, Cal: s.Cal, Rulebook: rb, Policy: s.Policy, Window: s.Window}
	ex, err := s.exhibits(ctx, []*Case{c})
	if err != nil {
		return Env{}, err
	}
	env.Exhibits = ex[c.ID]
	if c.Party.ID != "" {
		hist, err := s.Store.PartyHistory(ctx, c.Party.ID)
		if err != nil {
			return Env{}, fmt.Errorf("read the party's history: %w", err)
		}
		for _, v := range hist {
			if v.At.Before(now) {
				env.History = append(env.History, v)
			}
		}
	}
	return env, nil
}

// exhibits reads the vault's evidence of cases.
func (s *Service) exhibits(ctx context.Context, cases []*Case) (map[string][]Exhibit, error) {
	if s.Exhibits == nil || len(cases) == 0 {
		return map[string][]Exhibit{}, nil
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.ID
	}
	ex, err := s.Exhibits.CaseExhibits(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read the evidence of %d penalty cases: %w", len(ids), err)
	}
	return ex, nil
}

// Missing lists the records c lacks, its evidence read from the vault.
func (s *Service) Missing(ctx context.Context, c *Case) ([]Requirement, error) {
	ex, err := s.exhibits(ctx, []*Case{c})
	if err != nil {
		return nil, err
	}
	return MissingRecords(*c, ex[c.ID]), nil
}

// OpenRequest opens a penalty case as a lead (线索登记).
type OpenRequest struct {
	Summary    string      `json:"summary"`
	District   string      `json:"district"`
	OccurredAt *time.Time  `json:"occurred_at"`
	Violation  string      `json:"violation"`
	Grave      bool        `json:"grave"`
	Party      PartyDetail `json:"party"`
	// LoopCase is the id of a loop case (违法建设, 无照经营, 店外经营 …) the
	// lead comes from; its district, summary and time are the defaults.
	LoopCase string `json:"loop_case"`
}

// Opened is the answer to [Service.Open] and [Service.Act]: the case, its
// new events and what was done to the linked loop case, if anything.
type Opened struct {
	Case   *Case   `json:"case"`
	Events []Event `json:"events"`
	Loop   string  `json:"loop,omitempty"`
	// Number is the 文号 the decision was issued with, when this act issued one.
	Number string `json:"number,omitempty"`
}

// Open records a lead. Only an enforcer opens one, inside his
// jurisdiction; a lead from a loop case needs a loop category that is a
// violation ([DefaultLoopCategories]), and the loop case gets an event.
func (s *Service) Open(ctx context.Context, actor org.Actor, r OpenRequest) (*Opened, error) {
	if _, ok := actor.Grant(org.PostEnforcer); !ok {
		return nil, errs.Forbidden("只有执法队员可以登记执法案件线索 / only an enforcement officer opens a penalty case")
	}
	now := s.Now()
	var loop LoopCase
	if id := strings.TrimSpace(r.LoopCase); id != "" {
		if s.Loop == nil {
			return nil, errs.Invalid("此节点未接入案件闭环 / loop cases are not linked on this node").WithField("loop_case", "not available")
		}
		lc, err := s.Loop.FindLoopCase(ctx, actor, id)
		if err != nil {
			return nil, fmt.Errorf("find loop case %s: %w", id, err)
		}
		item, ok := s.LoopCategories[lc.Category]
		if !ok {
			return nil, errs.Unprocessable("案件 %s 的类别 %s 不属于行政违法行为，不能转为执法案件（可转：%s）/ loop case %s (%s) is not a violation; categories that may open a penalty case: %s",
				lc.Code, lc.Category, s.loopCategoryList(), lc.Code, lc.Category, s.loopCategoryList()).WithField("loop_case", "category")
		}
		loop = lc
		if r.Violation == "" {
			r.Violation = item
		}
		if r.District == "" {
			r.District = lc.District
		}
		if strings.TrimSpace(r.Summary) == "" {
			r.Summary = fmt.Sprintf("由案件 %s 转入：%s", lc.Code, lc.Summary)
		}
		if r.OccurredAt == nil {
			t := lc.ReportedAt
			r.OccurredAt = &t
		}
	}
	r.Party = r.Party.Normalize()
	r.Summary = strings.TrimSpace(r.Summary)
	bad := errs.Invalid("执法案件线索不完整 / the lead is not valid")
	if err := r.Party.Validate(); err != nil {
		if e, ok := errs.As(err); ok {
			bad.Fields = append(bad.Fields, e.Fields...)
		}
	}
	if r.Summary == "" {
		bad.WithField("summary", "需要案源摘要（何时何地何事）/ say what was found, where and when")
	} else if utf8.RuneCountInString(r.Summary) > 2000 {
		bad.WithField("summary", "最多 2000 个字符 / at most 2000 characters")
	}
	bad.CheckText(true, "summary", r.Summary)
	bad.CheckText(false, "violation", r.Violation, "district", r.District)
	if r.OccurredAt == nil || r.OccurredAt.IsZero() {
		bad.WithField("occurred_at", "需要违法行为发生（或终了）时间 / the time of the act is required (limitation, Art. 36)")
	} else if r.OccurredAt.After(now.Add(time.Minute)) {
		bad.WithField("occurred_at", "不能晚于现在 / cannot be in the future")
	}
	reg, ok := s.Atlas().Region(r.District)
	if !ok || reg.Level != org.LevelDistrict {
		bad.WithField("district", "需要区（县）代码，见 GET /api/v1/regions?level=district / a district code")
	}
	rb, err := s.Rulebook(now)
	if err != nil {
		return nil, err
	}
	if r.Violation != "" {
		if _, ok := rb.Item(r.Violation); !ok {
			bad.WithField("violation", "裁量基准中没有此违法行为，见 GET /api/v1/enforcement/rulebook / no such rulebook item")
		}
	}
	if len(bad.Fields) > 0 {
		return nil, bad
	}
	c := Case{ID: s.NewID(), District: r.District, Procedure: Ordinary, Status: StatusLead,
		Party:     Party{Kind: r.Party.Kind, Name: r.Party.Name, EServiceConsent: r.Party.EServiceConsent},
		Violation: r.Violation, OccurredAt: r.OccurredAt.UTC(), Grave: r.Grave, Source: loop.ID, Summary: r.Summary,
		Brigade: brigadeOf(actor), Version: 1, UpdatedAt: now}
	c.NextDue = NextSweep(c, s.Cal, s.Policy)
	scope := s.ScopeOf(actor)
	if !scope.Allows(&c) {
		return nil, errs.Forbidden("区 %s 不在你的执法辖区内 / district %s is outside your jurisdiction", r.District, r.District)
	}
	ev := Event{CaseID: c.ID, Seq: 1, Action: ActOpen, To: StatusLead, Actor: actor.ID, Name: actor.Name,
		Post: org.PostEnforcer, At: now, Note: c.Summary}
	if loop.ID != "" {
		ev.Data = map[string]any{"loop_case": loop.ID, "loop_code": loop.Code}
	}
	if err := s.Store.CreateCase(ctx, &c, r.Party, []Event{ev}, nil); err != nil {
		return nil, fmt.Errorf("store penalty case: %w", err)
	}
	out := &Opened{Case: &c, Events: []Event{ev}}
	if loop.ID != "" {
		// The penalty case stands on its own once stored; a loop store that
		// fails here is reported, not undone (they are two aggregates).
		if err := s.Loop.Opened(ctx, actor, loop.ID, c); err != nil {
			out.Loop = fmt.Sprintf("未能在案件 %s 上记录转执法：%s / could not record the link on loop case %s", loop.Code, errText(err), loop.Code)
		} else {
			out.Loop = fmt.Sprintf("案件 %s 已记录转执法 %s / loop case %s records penalty case %s", loop.Code, c.Code, loop.Code, c.Code)
		}
	}
	return out, nil
}

func (s *Service) loopCategoryList() string {
	keys := make([]string, 0, len(s.LoopCategories))
	for k := range s.LoopCategories {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return strings.Join(keys, ", ")
}

// brigadeOf is the department of the actor's enforcer grant, if any.
func brigadeOf(a org.Actor) string {
	for _, g := range a.Grants {
		if g.Post == org.PostEnforcer && g.Department != "" {
			return g.Department
		}
	}
	return ""
}

func errText(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return "内部错误 / internal error"
}

// Act applies one command to a case inside the actor's jurisdiction and
// stores the result with its events (and the publication of a new
// decision) under a version check. When the case reaches its final
// outcome (结案, 不予立案) the linked loop case is told.
func (s *Service) Act(ctx context.Context, actor org.Actor, id string, cmd Command) (*Opened, error) {
	return s.ActAt(ctx, actor, id, cmd, s.Now())
}

// ActAt is Act at a given time; the demo uses it to replay a past year.
func (s *Service) ActAt(ctx context.Context, actor org.Actor, id string, cmd Command, now time.Time) (*Opened, error) {
	if cmd.Action == ActOpen || cmd.Action == ActClockWarning {
		return nil, errs.Invalid("%q 由平台记录，不能请求 / %q is recorded by the platform, not requested", cmd.Action, cmd.Action).WithField("action", "not allowed")
	}
	c, err := s.Store.FindCaseByID(ctx, id, s.ScopeOf(actor))
	if err != nil {
		return nil, err
	}
	env, err := s.env(ctx, c, now)
	if err != nil {
		return nil, err
	}
	cmd.Actor = actor
	next, events, err := Decide(*c, cmd, env)
	if err != nil {
		return nil, err
	}
	next.Lights = lightsAfter(next, env)
	next.NextDue = NextSweep(next, s.Cal, s.Policy)
	var pub *Disclosure
	if c.Decision == nil {
		if d, ok := DisclosureOf(next, env.Rulebook, now); ok {
			Schedule(&d, next, s.Cal)
			pub = &d
		}
	}
	if err := s.Store.UpdateCase(ctx, &next, c.Version, events, pub); err != nil {
		return nil, fmt.Errorf("%s penalty case %s: %w", cmd.Action, c.Code, err)
	}
	out := &Opened{Case: &next, Events: events}
	if c.Decision == nil && next.Decision != nil && s.Numbers != nil {
		// The decision stands once stored; a number that cannot be issued
		// now is issued when the 决定书 is first rendered, so it is
		// reported, not undone.
		n, err := s.Numbers.NumberDecision(ctx, &next)
		if err != nil {
			out.Number = fmt.Sprintf("未能编发决定书文号：%s / could not number the decision", errText(err))
		} else {
			out.Number = n
		}
	}
	if Final(c.Status, next.Status) && next.Source != "" && s.Loop != nil {
		note, err := s.Loop.Outcome(ctx, next)
		if err != nil {
			note = fmt.Sprintf("未能更新来源案件：%s / could not update the loop case", errText(err))
		}
		out.Loop = note
	}
	return out, nil
}

// lightsAfter keeps the warned lights of the clocks still running, so a
// clock that stopped and starts again (a second 告知) warns afresh.
func lightsAfter(c Case, env Env) map[ClockKind]worktime.Light {
	if len(c.Lights) == 0 {
		return c.Lights
	}
	out := map[ClockKind]worktime.Light{}
	for _, v := range Clocks(c, env.Cal, env.Policy, env.Now) {
		if l, ok := c.Lights[v.Term.Kind]; ok {
			out[v.Term.Kind] = l
		}
	}
	return out
}

// Final reports a move into the final outcome of a case: 结案 (with a
// penalty, a 不予处罚 decision or an exemption on the spot) or 不予立案.
// Archiving afterwards is not a new outcome.
func Final(from, to Status) bool {
	return from != to && (to == StatusClosed || to == StatusNotFiled)
}

// FindCase reads a case and its timeline inside the actor's jurisdiction.
func (s *Service) FindCase(ctx context.Context, actor org.Actor, id string) (*Case, []Event, error) {
	scope := s.ScopeOf(actor)
	if scope.Empty() {
		return nil, nil, errs.Forbidden("执法案件需要执法、法制审核或领导岗位 / penalty cases need an enforcement, legal review or leader post")
	}
	c, err := s.Store.FindCaseByID(ctx, id, scope)
	if err != nil {
		return nil, nil, err
	}
	tl, err := s.Store.Timeline(ctx, c.ID)
	if err != nil {
		return nil, nil, fmt.Errorf("read timeline of %s: %w", c.Code, err)
	}
	return c, tl, nil
}

// CaseAccess lets actor handle the evidence of penalty case id (package
// evidence asks before every upload, listing and read): the case must be
// inside his jurisdiction as an enforcement, legal review or leader post.
func (s *Service) CaseAccess(ctx context.Context, actor org.Actor, id string) error {
	scope := s.ScopeOf(actor)
	if scope.Empty() {
		return errs.Forbidden("执法证据需要执法、法制审核或领导岗位 / enforcement evidence needs an enforcement, legal review or leader post")
	}
	_, err := s.Store.FindCaseByID(ctx, id, scope)
	return err
}

// Party opens the sealed details of a case's party for an actor who may
// see the case; the caller audits the read before it shows them.
func (s *Service) Party(ctx context.Context, actor org.Actor, id string) (*Case, PartyDetail, error) {
	c, _, err := s.FindCase(ctx, actor, id)
	if err != nil {
		return nil, PartyDetail{}, err
	}
	p, err := s.Store.FindParty(ctx, c.ID)
	if err != nil {
		return nil, PartyDetail{}, fmt.Errorf("read the party of %s: %w", c.Code, err)
	}
	return c, p, nil
}

// FindCases lists cases inside the actor's jurisdiction.
func (s *Service) FindCases(ctx context.Context, actor org.Actor, f Filter) ([]*Case, int, error) {
	scope := s.ScopeOf(actor)
	if scope.Empty() {
		return nil, 0, errs.Forbidden("执法案件需要执法、法制审核或领导岗位 / penalty cases need an enforcement, legal review or leader post")
	}
	f.Scope = scope
	return s.Store.FindCases(ctx, f)
}

// Clocks are the legal clocks of c at now.
func (s *Service) Clocks(c *Case) []ClockView { return Clocks(*c, s.Cal, s.Policy, s.Now()) }

// Allowed lists the actions actor may take on c now.
func (s *Service) Allowed(c *Case, actor org.Actor) []Action {
	out := Allowed(c, actor, s.Policy)
	if out == nil {
		out = []Action{}
	}
	return out
}

// Evaluate applies the rulebook in force now to facts.
func (s *Service) Evaluate(violation string, f Facts) (Outcome, error) {
	rb, err := s.Rulebook(s.Now())
	if err != nil {
		return Outcome{}, err
	}
	return Evaluate(rb, violation, f)
}

// Figures measures 免罚率, the share of flexible measures and 记录完整率 over
// the decisions of [from, to) inside the actor's jurisdiction.
func (s *Service) Figures(ctx context.Context, actor org.Actor, from, to time.Time) (Figures, int, error) {
	scope := s.ScopeOf(actor)
	if scope.Empty() {
		return Figures{}, 0, errs.Forbidden("执法数据需要执法、法制审核或领导岗位 / enforcement figures need an enforcement, legal review or leader post")
	}
	cases, err := s.Store.FindDecided(ctx, scope, from, to)
	if err != nil {
		return Figures{}, 0, fmt.Errorf("read decided cases: %w", err)
	}
	ex, err := s.exhibits(ctx, cases)
	if err != nil {
		return Figures{}, 0, err
	}
	recs := make([]DecisionRecord, 0, len(cases))
	for _, c := range cases {
		if r, ok := RecordOf(*c, ex[c.ID]); ok {
			recs = append(recs, r)
		}
	}
	return Measure(recs), len(recs), nil
}

// Consistency reports 同案不同罚 over the decisions of [from, to) inside the
// actor's jurisdiction, for one violation or all: per violation, level and
// kind of party, the spread of fines across districts and officers, with
// the outliers. It is for those who answer for consistency: legal
// reviewers, leaders and administrators.
func (s *Service) Consistency(ctx context.Context, actor org.Actor, from, to time.Time, violation string) (ConsistencyReport, error) {
	ok := false
	for _, p := range []org.Post{PostLegalReviewer, org.PostLeader, org.PostAdmin} {
		if _, has := actor.Grant(p); has {
			ok = true
		}
	}
	scope := s.ScopeOf(actor)
	if !ok || scope.Empty() {
		return ConsistencyReport{}, errs.Forbidden("同案不同罚分析需要法制审核、领导或管理员岗位 / the consistency report needs a legal reviewer, leader or administrator post")
	}
	cases, err := s.Store.FindDecided(ctx, scope, from, to)
	if err != nil {
		return ConsistencyReport{}, fmt.Errorf("read decided cases: %w", err)
	}
	recs := make([]DecisionRecord, 0, len(cases))
	for _, c := range cases {
		// The completeness counts are not part of this report: no exhibits read.
		if r, ok := RecordOf(*c, nil); ok {
			recs = append(recs, r)
		}
	}
	return NewConsistencyReport(recs, violation, from, to, DefaultConsistency()), nil
}

// Disclosures searches the published decisions (public).
func (s *Service) Disclosures(ctx context.Context, q DisclosureQuery) ([]Disclosure, int, error) {
	return s.Store.FindDisclosures(ctx, q)
}

// SweepClocks warns about legal clocks that turned yellow or red, reading
// only the cases whose next warning has fallen due (an index on next_due),
// in batches. Several nodes may sweep at once: the version check lets only
// one of them record each warning. It returns how many cases it warned
// about.
func (s *Service) SweepClocks(ctx context.Context, batch int) (int, error) {
	now := s.Now()
	n, afterDue, afterID := 0, time.Time{}, ""
	for {
		cases, err := s.Store.FindDue(ctx, now, afterDue, afterID, batch)
		if err != nil {
			return n, fmt.Errorf("find penalty cases with clocks due: %w", err)
		}
		for _, c := range cases {
			next, events, ok := Sweep(*c, s.Cal, s.Policy, now)
			if !ok {
				// Nothing to warn about yet: move its next sweep to when
				// there will be, so it is not read again before then.
				if err := s.Store.SetNextDue(ctx, c.ID, c.Version, NextSweep(*c, s.Cal, s.Policy)); err != nil && !errs.Is(err, errs.KindConflict) {
					return n, fmt.Errorf("reschedule the clocks of %s: %w", c.Code, err)
				}
				continue
			}
			if err := s.Store.UpdateCase(ctx, &next, c.Version, events, nil); err != nil {
				if errs.Is(err, errs.KindConflict) {
					continue // moved meanwhile; the next pass sees it
				}
				return n, fmt.Errorf("warn on %s: %w", c.Code, err)
			}
			n++
		}
		if len(cases) < batch {
			return n, nil
		}
		last := cases[len(cases)-1]
		afterDue, afterID = *last.NextDue, last.ID
	}
}
