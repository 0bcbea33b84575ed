package enforce

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Action is a verb of the penalty procedure.
type Action string

const (
	ActProposeFiling   Action = "propose_filing"   // 提请立案
	ActRefuseFiling    Action = "refuse_filing"    // 不予立案
	ActApprove         Action = "approve"          // 审批通过 (the next step of the pending chain)
	ActSendBack        Action = "send_back"        // 审批退回
	ActRecord          Action = "record"           // 取证记录 / 全过程记录
	ActConclude        Action = "conclude"         // 调查终结
	ActReview          Action = "review"           // 审查 (第五十七条)
	ActLegalReview     Action = "legal_review"     // 法制审核 (第五十八条)
	ActNotify          Action = "notify"           // 告知 (第四十四条)
	ActStatement       Action = "statement"        // 陈述申辩 (第四十五条)
	ActRequestHearing  Action = "request_hearing"  // 听证申请 (第六十四条第一项)
	ActScheduleHearing Action = "schedule_hearing" // 听证通知 (第六十四条第二项)
	ActHoldHearing     Action = "hold_hearing"     // 举行听证
	ActEndStatement    Action = "end_statement"    // 陈述申辩结束 (放弃或期满)
	ActProposeDecision Action = "propose_decision" // 提请处罚决定
	ActServe           Action = "serve"            // 送达 (第六十一条)
	ActPay             Action = "pay"              // 缴纳罚款
	ActRefer           Action = "refer"            // 申请法院强制执行 (第七十二条)
	ActProposeClosing  Action = "propose_closing"  // 提请结案
	ActArchive         Action = "archive"          // 归档
	ActExtend          Action = "extend"           // 延长办案期限 (第六十条)
	ActSummary         Action = "summary"          // 简易程序当场处罚 (第五十一条)
	ActExempt          Action = "exempt"           // 当场不予处罚 (第三十三条)
)

// ActionNames gives the Chinese and English names of each action.
var ActionNames = map[Action][2]string{
	ActProposeFiling: {"提请立案", "Propose filing"}, ActRefuseFiling: {"不予立案", "Refuse filing"},
	ActApprove: {"审批通过", "Approve"}, ActSendBack: {"审批退回", "Send back"}, ActRecord: {"取证记录", "Record"},
	ActConclude: {"调查终结", "Conclude investigation"}, ActReview: {"审查", "Review"}, ActLegalReview: {"法制审核", "Legal review"},
	ActNotify: {"告知", "Notify"}, ActStatement: {"陈述申辩", "Statement"}, ActRequestHearing: {"听证申请", "Request hearing"},
	ActScheduleHearing: {"听证通知", "Schedule hearing"}, ActHoldHearing: {"举行听证", "Hold hearing"},
	ActEndStatement: {"陈述申辩结束", "End statement period"}, ActProposeDecision: {"提请处罚决定", "Propose decision"},
	ActServe: {"送达", "Serve"}, ActPay: {"缴纳罚款", "Pay"}, ActRefer: {"申请强制执行", "Refer to court"},
	ActProposeClosing: {"提请结案", "Propose closing"}, ActArchive: {"归档", "Archive"}, ActExtend: {"延长办案期限", "Extend"},
	ActSummary: {"简易程序当场处罚", "Summary penalty"}, ActExempt: {"当场不予处罚", "Exempt on the spot"},
	ActOpen: {"线索登记", "Open lead"}, ActClockWarning: {"期限预警", "Clock warning"},
}

// ServiceMethod is how a decision reaches the party (第六十一条).
type ServiceMethod string

const (
	ServeDirect     ServiceMethod = "direct"     // 当场交付 / 直接送达
	ServePost       ServiceMethod = "post"       // 邮寄送达
	ServeLeft       ServiceMethod = "left"       // 留置送达
	ServeElectronic ServiceMethod = "electronic" // 电子送达: only with the party's consent
	ServePublic     ServiceMethod = "public"     // 公告送达
)

// Command is one request to move a case. Only the fields its action uses are read.
type Command struct {
	Action        Action
	Actor         org.Actor
	Note          string
	Officers      []Officer     // propose_filing, summary, exempt
	Record        *Record       // record, summary, exempt
	Violation     string        // propose_filing (optional), conclude, summary, exempt
	Facts         *Facts        // conclude, summary, exempt
	Penalty       *Penalty      // conclude, propose_decision, summary
	Reason        string        // conclude, propose_decision: why the penalty leaves the benchmark
	Complex       *bool         // review
	Passed        *bool         // review, legal_review
	Qualification string        // legal_review: 法律职业资格 certificate (第五十八条第二款)
	HearingAt     *time.Time    // schedule_hearing
	Chair         string        // schedule_hearing: actor ID of the chair
	Waived        bool          // end_statement: the party waived in writing
	Method        ServiceMethod // serve
	Amount        float64       // pay: yuan
	Days          int           // extend: calendar days
	Exemption     *Exemption    // exempt, propose_decision (不予处罚决定)
	Number        string        // propose_decision, summary: 决定书文号
}

// Env is what Decide needs besides the case: the time, the calendar, the
// rulebook in force, the city's policy and the party's earlier acts, which
// the store reads before calling Decide.
type Env struct {
	Now      time.Time
	Cal      *worktime.Calendar
	Rulebook *Rulebook
	Policy   Policy
	History  []Violation
	// Window is how far back an earlier act makes this one "not first" (首违不罚).
	Window time.Duration
	// Exhibits are the case's evidence in the vault: records of evidence
	// kinds must name them ([NeedsExhibit]).
	Exhibits []Exhibit
}

type rule struct {
	from  []Status
	posts []org.Post
	// officer: the actor must be one of the case's officers (承办人).
	officer bool
	apply   func(c *Case, cmd Command, env Env, ev *Event) error
}

var (
	enforcers   = []org.Post{org.PostEnforcer}
	leaders     = []org.Post{org.PostLeader}
	beforeDecis = []Status{StatusInvestigating, StatusReviewing, StatusLegalReview, StatusPendingNotice, StatusNotified,
		StatusHearing, StatusPendingDecision}
	recordable = append(append([]Status(nil), beforeDecis...), StatusDecided, StatusExecuting, StatusReferred)
	approvable = append(append([]Status{StatusLead}, beforeDecis...), StatusExecuting, StatusReferred)
	signers    = []org.Post{org.PostEnforcer, PostLegalReviewer, org.PostLeader}
)

// table is the one place that says who may do what when. Read it top to
// bottom as the ordinary procedure of 行政处罚法第五章第三节.
var table = map[Action]rule{
	ActProposeFiling:   {from: []Status{StatusLead}, posts: enforcers, apply: applyProposeFiling},
	ActRefuseFiling:    {from: []Status{StatusLead}, posts: leaders, apply: applyRefuseFiling},
	ActApprove:         {from: approvable, posts: signers, apply: applyApprove},
	ActSendBack:        {from: approvable, posts: signers, apply: applySendBack},
	ActRecord:          {from: recordable, posts: enforcers, officer: true, apply: applyRecord},
	ActConclude:        {from: []Status{StatusInvestigating}, posts: enforcers, officer: true, apply: applyConclude},
	ActReview:          {from: []Status{StatusReviewing}, posts: leaders, apply: applyReview},
	ActLegalReview:     {from: []Status{StatusLegalReview}, posts: []org.Post{PostLegalReviewer}, apply: applyLegalReview},
	ActNotify:          {from: []Status{StatusPendingNotice}, posts: enforcers, officer: true, apply: applyNotify},
	ActStatement:       {from: []Status{StatusNotified, StatusHearing}, posts: enforcers, officer: true, apply: applyStatement},
	ActRequestHearing:  {from: []Status{StatusNotified}, posts: enforcers, officer: true, apply: applyRequestHearing},
	ActScheduleHearing: {from: []Status{StatusHearing}, posts: leaders, apply: applyScheduleHearing},
	ActHoldHearing:     {from: []Status{StatusHearing}, posts: []org.Post{PostLegalReviewer, org.PostLeader, org.PostEnforcer}, apply: applyHoldHearing},
	ActEndStatement:    {from: []Status{StatusNotified}, posts: enforcers, officer: true, apply: applyEndStatement},
	ActProposeDecision: {from: []Status{StatusPendingDecision}, posts: enforcers, officer: true, apply: applyProposeDecision},
	ActServe:           {from: []Status{StatusDecided}, posts: enforcers, officer: true, apply: applyServe},
	ActPay:             {from: []Status{StatusExecuting, StatusReferred}, posts: []org.Post{org.PostEnforcer, org.PostSystem}, apply: applyPay},
	ActRefer:           {from: []Status{StatusExecuting}, posts: leaders, apply: applyRefer},
	ActProposeClosing:  {from: []Status{StatusExecuting, StatusReferred}, posts: enforcers, officer: true, apply: applyProposeClosing},
	ActArchive:         {from: []Status{StatusClosed}, posts: []org.Post{org.PostEnforcer, org.PostLeader}, apply: applyArchive},
	ActExtend:          {from: beforeDecis, posts: enforcers, officer: true, apply: applyExtend},
	ActSummary:         {from: []Status{StatusLead}, posts: enforcers, apply: applySummary},
	ActExempt:          {from: []Status{StatusLead}, posts: enforcers, apply: applyExempt},
}

// Actions lists every action, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(table))
	for a := range table {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Allowed lists the actions the actor may take on c now, sorted: what the
// case page offers and what a 409 tells the client.
func Allowed(c *Case, actor org.Actor, p Policy) []Action {
	var out []Action
	for _, a := range Actions() {
		r := table[a]
		if !slices.Contains(r.from, c.Status) {
			continue
		}
		if _, err := actingPost(a, r, c, actor, p); err != nil {
			continue
		}
		if pendingBlocks(a, c) != "" {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Decide applies cmd to a copy of c. It checks the action, the state, the
// actor's post and place on the case, then runs the action's effect. It
// returns the new case and its events, or an error that leaves c as it was.
func Decide(c Case, cmd Command, env Env) (Case, []Event, error) {
	for _, s := range []string{cmd.Note, cmd.Reason} {
		if p := errs.TextProblem(s, true); p != "" {
			return c, nil, errs.Invalid("说明%s / the note %s", p, p).WithField("note", p)
		}
	}
	r, ok := table[cmd.Action]
	if !ok {
		return c, nil, errs.Invalid("未知操作 %q；可用操作：%s / unknown action %q; actions are: %s",
			cmd.Action, joinActions(Actions()), cmd.Action, joinActions(Actions())).WithField("action", "unknown action")
	}
	if env.Cal == nil || env.Rulebook == nil {
		return c, nil, fmt.Errorf("enforce: decide %s on %s: env needs a calendar and a rulebook", cmd.Action, c.Code)
	}
	if !slices.Contains(r.from, c.Status) {
		return c, nil, conflict(&c, cmd, env, fmt.Sprintf("案件 %s 处于%s，不能%s / case %s is %s; %q is not possible now",
			c.Code, c.Status.Zh(), ActionNames[cmd.Action][0], c.Code, c.Status, cmd.Action))
	}
	post, err := actingPost(cmd.Action, r, &c, cmd.Actor, env.Policy)
	if err != nil {
		return c, nil, err
	}
	if why := pendingBlocks(cmd.Action, &c); why != "" {
		return c, nil, conflict(&c, cmd, env, why)
	}
	if err := incomplete(cmd.Action, &c); err != nil {
		return c, nil, err
	}
	next := c.clone()
	ev := Event{CaseID: c.ID, Seq: c.Version + 1, Action: cmd.Action, From: c.Status, Actor: cmd.Actor.ID,
		Name: cmd.Actor.Name, Post: post, At: env.Now, Note: strings.TrimSpace(cmd.Note)}
	if err := r.apply(&next, cmd, env, &ev); err != nil {
		// Every 409 tells the client what it may do instead.
		if e, ok := errs.As(err); ok && e.Kind == errs.KindConflict {
			if _, has := e.Details["allowed_actions"]; !has {
				e.With("allowed_actions", nonNil(Allowed(&c, cmd.Actor, env.Policy)))
			}
		}
		return c, nil, fmt.Errorf("%s %s: %w", cmd.Action, c.Code, err)
	}
	ev.To = next.Status
	next.Version = c.Version + 1
	next.UpdatedAt = env.Now
	next.NextDue = NextSweep(next, env.Cal, env.Policy)
	return next, []Event{ev}, nil
}

func conflict(c *Case, cmd Command, env Env, msg string) error {
	allowed := Allowed(c, cmd.Actor, env.Policy)
	return errs.Conflict("%s；当前可用操作 / allowed actions: %s", msg, orNone(allowed)).
		With("status", c.Status).With("allowed_actions", nonNil(allowed))
}

// actingPost picks the post under which the actor acts and checks that an
// officer-only action comes from an officer of the case, and that an
// approval comes from the post of the chain's next step.
func actingPost(a Action, r rule, c *Case, actor org.Actor, p Policy) (org.Post, error) {
	posts := r.posts
	if (a == ActApprove || a == ActSendBack) && c.Pending != nil {
		step, ok := nextStep(c, p)
		if !ok {
			return "", errs.Conflict("审批链已完成 / the approval chain is complete")
		}
		posts = []org.Post{step.Post}
	}
	var post org.Post
	for _, want := range posts {
		if _, ok := actor.Grant(want); ok {
			post = want
			break
		}
	}
	if post == "" {
		return "", errs.Forbidden("%q（%s）需要岗位 %s；你的岗位是 %s / %q needs the post %s; you hold %s",
			a, ActionNames[a][0], org.PostList(posts), org.PostList(actor.Posts()), a, org.PostList(posts), org.PostList(actor.Posts()))
	}
	if r.officer && !c.isOfficer(actor.ID) {
		return "", errs.Forbidden("只有本案承办执法人员可以%s / only an officer of case %s may %s", ActionNames[a][0], c.Code, a)
	}
	if a == ActApprove || a == ActSendBack {
		if c.Pending == nil {
			return post, nil // pendingBlocks answers with a 409
		}
		for _, s := range c.Pending.Signed {
			if s.Actor == actor.ID {
				return "", errs.Forbidden("同一人不能在审批链上签署两次 / one person cannot sign two steps of a chain")
			}
		}
		if post == org.PostEnforcer && !c.isOfficer(actor.ID) {
			return "", errs.Forbidden("承办人环节须由本案执法人员签署 / the case-officer step is signed by an officer of the case")
		}
	}
	if a == ActHoldHearing && (c.Hearing == nil || c.Hearing.Chair != actor.ID) {
		return "", errs.Forbidden("只有指定的听证主持人可以举行听证 / only the appointed chair holds the hearing")
	}
	return post, nil
}

// pendingBlocks says why a pending approval forbids the action, or "". While
// a filing, decision or closing waits for approval nothing else moves; an
// extension request does not stop the investigation.
func pendingBlocks(a Action, c *Case) string {
	switch a {
	case ActApprove, ActSendBack:
		if c.Pending == nil {
			return "没有待审批的事项 / nothing is waiting for approval"
		}
		return ""
	case ActProposeFiling, ActProposeDecision, ActProposeClosing, ActExtend:
		if c.Pending != nil {
			return fmt.Sprintf("已有待审批的%s / an approval (%s) is already pending", c.Pending.Kind, c.Pending.Kind)
		}
	}
	if c.Pending != nil && c.Pending.Kind != ApproveExtend {
		return fmt.Sprintf("等待审批（%s）/ waiting for approval (%s)", c.Pending.Kind, c.Pending.Kind)
	}
	return ""
}

// incomplete refuses to act on a case whose stored data lacks what its
// status implies (an imported legacy case, say), instead of guessing.
func incomplete(a Action, c *Case) error {
	var lack []string
	switch a {
	case ActReview, ActLegalReview, ActNotify, ActRequestHearing, ActHoldHearing, ActProposeDecision:
		if c.Proposal == nil {
			lack = append(lack, "proposal")
		}
	}
	switch a {
	case ActRequestHearing, ActEndStatement, ActProposeDecision:
		if c.NotifiedAt == nil || c.Intended == nil {
			lack = append(lack, "notified_at")
		}
	}
	switch a {
	case ActProposeDecision, ActExtend:
		if c.FiledAt == nil {
			lack = append(lack, "filed_at")
		}
	case ActHoldHearing, ActScheduleHearing:
		if c.Hearing == nil {
			lack = append(lack, "hearing")
		}
	case ActServe, ActPay, ActRefer, ActProposeClosing:
		if c.Decision == nil {
			lack = append(lack, "decision")
		}
		if a == ActRefer && c.ServedAt == nil {
			lack = append(lack, "served_at")
		}
	}
	if len(lack) > 0 {
		return errs.Unprocessable("案件 %s 的数据不完整（缺少 %s），不能%s / case %s lacks %s for %q",
			c.Code, strings.Join(lack, ", "), ActionNames[a][0], c.Code, strings.Join(lack, ", "), a).With("missing", lack)
	}
	return nil
}

func nextStep(c *Case, p Policy) (Step, bool) {
	chain := p.Chains[c.Pending.Kind]
	n := len(c.Pending.Signed)
	if n >= len(chain) {
		return Step{}, false
	}
	return chain[n], true
}

func joinActions(as []Action) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = string(a)
	}
	return strings.Join(s, ", ")
}

func orNone(as []Action) string {
	if len(as) == 0 {
		return "无 / none for your posts"
	}
	return joinActions(as)
}

func nonNil(as []Action) []Action {
	if as == nil {
		return []Action{}
	}
	return as
}
