package casework

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// Action is a verb of the loop.
type Action string

const (
	ActReport            Action = "report"             // 上报 (intake; not a transition)
	ActAccept            Action = "accept"             // 受理
	ActSendVerify        Action = "send_verify"        // 发核实
	ActVerify            Action = "verify"             // 核实
	ActReject            Action = "reject"             // 不予受理 / 不予立案
	ActFile              Action = "file"               // 立案
	ActVoid              Action = "void"               // 作废
	ActMerge             Action = "merge"              // 合并重复
	ActDispatch          Action = "dispatch"           // 派遣
	ActSign              Action = "sign"               // 签收
	ActReturn            Action = "return"             // 回退
	ActRedispatch        Action = "redispatch"         // 重新派遣 (return approved)
	ActRejectReturn      Action = "reject_return"      // 驳回回退 (推诿)
	ActExtend            Action = "extend"             // 延期申请
	ActApproveExtension  Action = "approve_extension"  // 延期批准
	ActDenyExtension     Action = "deny_extension"     // 延期驳回
	ActSuspend           Action = "suspend"            // 挂账申请
	ActApproveSuspension Action = "approve_suspension" // 挂账批准
	ActDenySuspension    Action = "deny_suspension"    // 挂账驳回
	ActResume            Action = "resume"             // 恢复办理
	ActSelfHandle        Action = "self_handle"        // 自行处置
	ActDispose           Action = "dispose"            // 处置反馈
	ActCheck             Action = "check"              // 核查
	ActClose             Action = "close"              // 结案
	ActUrge              Action = "urge"               // 督办
	ActCallback          Action = "callback"           // 回访
	ActRate              Action = "rate"               // 市民评价 (the reporter rates a closed case)
	ActOverdue           Action = "overdue"            // 超期 (by the scheduler)
	// ActComment is a note a citizen or a partner system adds to the
	// timeline (an Open311 service request update), changing nothing else.
	ActComment Action = "comment" // 留言
)

// ActionNames gives the Chinese and English names of each action.
var ActionNames = map[Action][2]string{
	ActReport: {"上报", "Report"}, ActAccept: {"受理", "Accept"}, ActSendVerify: {"发核实", "Send for verification"},
	ActVerify: {"核实", "Verify"}, ActReject: {"不予受理", "Reject"}, ActFile: {"立案", "File"},
	ActVoid: {"作废", "Void"}, ActMerge: {"合并重复", "Merge duplicate"}, ActDispatch: {"派遣", "Dispatch"},
	ActSign: {"签收", "Sign"}, ActReturn: {"回退", "Return"}, ActRedispatch: {"重新派遣", "Re-dispatch"},
	ActRejectReturn: {"驳回回退", "Reject return"}, ActExtend: {"延期申请", "Request extension"},
	ActApproveExtension: {"批准延期", "Approve extension"}, ActDenyExtension: {"驳回延期", "Deny extension"},
	ActSuspend: {"挂账申请", "Request suspension"}, ActApproveSuspension: {"批准挂账", "Approve suspension"},
	ActDenySuspension: {"驳回挂账", "Deny suspension"}, ActResume: {"恢复办理", "Resume"},
	ActSelfHandle: {"自行处置", "Self-handle"}, ActDispose: {"处置反馈", "Dispose"}, ActCheck: {"核查", "Check"},
	ActClose: {"结案", "Close"}, ActUrge: {"督办", "Urge"}, ActCallback: {"回访", "Callback"},
	ActOverdue: {"超期", "Overdue"}, ActRate: {"市民评价", "Citizen rating"}, ActComment: {"留言", "Comment"},
}

// Command is one request to move a case. Only the fields its action uses are read.
type Command struct {
	Action       Action
	Actor        org.Actor
	Note         string
	Photos       []string
	Point        *geo.Point
	Department   string          // dispatch, redispatch
	Category     *catalog.Ref    // file, accept: (re)classify
	Condition    int             // file: filing condition number
	Valid        *bool           // verify
	Passed       *bool           // check
	Into         string          // merge: the case this one duplicates
	Extra        *worktime.Limit // extend
	Satisfaction string          // callback: satisfied | basic | unsatisfied
	Recurrence   string          // close: a recently closed case at the same place (found by Service)
}

// Env is what Decide needs to know besides the case: the calendar, the
// dictionary, the region path for routing, and the time.
type Env struct {
	Now  time.Time
	Cal  *worktime.Calendar
	Dict *catalog.Dictionary
	// Path returns the region codes from the city down to grid, for routing.
	Path func(grid string) []string
}

// rule is one row of the transition table.
type rule struct {
	from  []Status
	posts []org.Post
	apply func(c *Case, cmd Command, env Env, ev *Event) error
}

var (
	supervisors = []org.Post{org.PostSupervisor, org.PostGridMember}
	unitStates  = []Status{StatusDispatched, StatusInDisposal}
)

// table is the one place that says who may do what when. Read it top to
// bottom as the loop of DOMAIN.md §2.
var table = map[Action]rule{
	ActAccept:     {from: []Status{StatusPendingAccept}, posts: []org.Post{org.PostOperator}, apply: applyAccept},
	ActSendVerify: {from: []Status{StatusPendingAccept}, posts: []org.Post{org.PostOperator}, apply: applySendVerify},
	ActVerify:     {from: []Status{StatusPendingVerify}, posts: supervisors, apply: applyVerify},
	ActReject: {from: []Status{StatusPendingAccept, StatusPendingVerify, StatusPendingFile},
		posts: []org.Post{org.PostOperator, org.PostShiftLead}, apply: applyReject},
	ActFile: {from: []Status{StatusPendingFile}, posts: []org.Post{org.PostShiftLead}, apply: applyFile},
	ActVoid: {from: []Status{StatusPendingFile, StatusPendingDispatch, StatusReturned},
		posts: []org.Post{org.PostShiftLead}, apply: applyVoid},
	ActMerge: {from: []Status{StatusPendingAccept, StatusPendingVerify, StatusPendingFile, StatusPendingDispatch},
		posts: []org.Post{org.PostOperator, org.PostShiftLead}, apply: applyMerge},
	ActDispatch:     {from: []Status{StatusPendingDispatch}, posts: []org.Post{org.PostDispatcher, org.PostSystem}, apply: applyDispatch},
	ActSign:         {from: []Status{StatusDispatched}, posts: []org.Post{org.PostHandler}, apply: applySign},
	ActReturn:       {from: unitStates, posts: []org.Post{org.PostHandler}, apply: applyReturn},
	ActRedispatch:   {from: []Status{StatusReturned}, posts: []org.Post{org.PostDispatcher}, apply: applyRedispatch},
	ActRejectReturn: {from: []Status{StatusReturned}, posts: []org.Post{org.PostDispatcher}, apply: applyRejectReturn},
	ActExtend:       {from: []Status{StatusInDisposal}, posts: []org.Post{org.PostHandler}, apply: applyExtend},
	ActApproveExtension: {from: []Status{StatusInDisposal},
		posts: []org.Post{org.PostDispatcher, org.PostShiftLead, org.PostLeader}, apply: applyApproveExtension},
	ActDenyExtension: {from: []Status{StatusInDisposal},
		posts: []org.Post{org.PostDispatcher, org.PostShiftLead, org.PostLeader}, apply: applyDenyRequest("extension")},
	ActSuspend:           {from: []Status{StatusInDisposal}, posts: []org.Post{org.PostHandler}, apply: applySuspend},
	ActApproveSuspension: {from: []Status{StatusInDisposal}, posts: []org.Post{org.PostLeader}, apply: applyApproveSuspension},
	ActDenySuspension:    {from: []Status{StatusInDisposal}, posts: []org.Post{org.PostLeader}, apply: applyDenyRequest("suspension")},
	ActResume:            {from: []Status{StatusSuspended}, posts: []org.Post{org.PostLeader, org.PostDispatcher}, apply: applyResume},
	ActSelfHandle:        {from: []Status{StatusPendingAccept}, posts: supervisors, apply: applySelfHandle},
	ActDispose:           {from: []Status{StatusInDisposal}, posts: []org.Post{org.PostHandler}, apply: applyDispose},
	ActCheck:             {from: []Status{StatusPendingCheck}, posts: supervisors, apply: applyCheck},
	ActClose:             {from: []Status{StatusPendingClose}, posts: []org.Post{org.PostShiftLead}, apply: applyClose},
	ActUrge: {from: []Status{StatusPendingDispatch, StatusDispatched, StatusInDisposal, StatusReturned, StatusPendingCheck, StatusPendingClose},
		posts: []org.Post{org.PostDispatcher, org.PostLeader, org.PostStreetHead, org.PostSystem}, apply: applyUrge},
	ActCallback: {from: []Status{StatusClosed}, posts: []org.Post{org.PostOperator}, apply: applyCallback},
	ActRate:     {from: []Status{StatusClosed}, posts: []org.Post{org.PostCitizen}, apply: applyRate},
	ActOverdue:  {from: OpenStatuses, posts: []org.Post{org.PostSystem}, apply: applyOverdue},
	ActComment: {from: append(slices.Clone(OpenStatuses), StatusSuspended, StatusClosed, StatusRejected, StatusVoided, StatusMerged),
		posts: []org.Post{org.PostCitizen, org.PostPartner}, apply: applyComment},
}

// Actions lists every transition action, sorted.
func Actions() []Action {
	out := make([]Action, 0, len(table))
	for a := range table {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Allowed lists the actions the actor may take on c now, sorted. It is what
// the case page offers and what a 409 tells the client.
func Allowed(c *Case, actor org.Actor) []Action {
	var out []Action
	for _, a := range Actions() {
		r := table[a]
		// Comments come only through Open311 updates, not the case page.
		if a == ActOverdue || a == ActComment || !slices.Contains(r.from, c.Status) {
			continue
		}
		if _, ok := actingPost(r, actor); !ok {
			continue
		}
		if err := checkUnit(a, c, actor); err != nil {
			continue
		}
		if !requestFits(a, c) {
			continue
		}
		out = append(out, a)
	}
	return out
}

// Decide applies cmd to a copy of c. It checks the action, the state, the
// actor's post and the department, then runs the action's effect and
// recomputes the clocks. It returns the new case and its events (usually
// one; filing under an automatic routing rule also dispatches).
func Decide(c Case, cmd Command, env Env) (Case, []Event, error) {
	if p := errs.TextProblem(cmd.Note, true); p != "" {
		return c, nil, errs.Invalid("说明%s / the note %s", p, p).WithField("note", p)
	}
	r, ok := table[cmd.Action]
	if !ok {
		return c, nil, errs.Invalid("unknown action %q; actions are: %s", cmd.Action, joinActions(Actions())).
			WithField("action", "unknown action")
	}
	if !slices.Contains(r.from, c.Status) {
		allowed := Allowed(&c, cmd.Actor)
		return c, nil, errs.Conflict("case %s is %s (%s); %q is not possible now; allowed actions: %s",
			c.Code, c.Status, c.Status.Zh(), cmd.Action, orNone(allowed)).
			With("status", c.Status).With("allowed_actions", nonNil(allowed))
	}
	post, ok := actingPost(r, cmd.Actor)
	if !ok {
		return c, nil, errs.Forbidden("%q (%s) needs the post %s; you hold %s", cmd.Action, ActionNames[cmd.Action][0],
			org.PostList(r.posts), org.PostList(cmd.Actor.Posts()))
	}
	if err := checkUnit(cmd.Action, &c, cmd.Actor); err != nil {
		return c, nil, err
	}
	if !requestFits(cmd.Action, &c) {
		allowed := Allowed(&c, cmd.Actor)
		return c, nil, errs.Conflict("case %s has no pending request that %q could decide (or already has one); allowed actions: %s",
			c.Code, cmd.Action, orNone(allowed)).With("status", c.Status).With("allowed_actions", nonNil(allowed))
	}
	next := c
	next.Photos = append([]string(nil), c.Photos...)
	next.AfterPhotos = append([]string(nil), c.AfterPhotos...)
	ev := Event{CaseID: c.ID, Action: cmd.Action, From: c.Status, Actor: cmd.Actor.ID, Name: cmd.Actor.Name,
		Post: post, At: env.Now, Note: strings.TrimSpace(cmd.Note), Photos: cmd.Photos, Point: cmd.Point}
	if err := r.apply(&next, cmd, env, &ev); err != nil {
		return c, nil, err
	}
	ev.To = next.Status
	next.UpdatedAt = env.Now
	events := []Event{ev}
	// A filing that lands on an automatic rule of the joint enforcement list dispatches at once.
	if cmd.Action == ActFile && next.Status == StatusPendingDispatch && next.Suggested != "" && autoRoute(&next, env) {
		auto := Command{Action: ActDispatch, Actor: org.SystemActor, Department: next.Suggested, Note: "按联合执法清单自动派遣"}
		after, more, err := Decide(next, auto, env)
		if err != nil {
			return c, nil, fmt.Errorf("auto-dispatch: %w", err)
		}
		next, events = after, append(events, more...)
	}
	return next, events, nil
}

func autoRoute(c *Case, env Env) bool {
	if env.Dict == nil || c.Category == nil {
		return false
	}
	s, ok := env.Dict.Route(*c.Category, pathOf(env, c.Grid), env.Now)
	return ok && s.Auto && s.Department == c.Suggested
}

func pathOf(env Env, grid string) []string {
	if env.Path == nil {
		return nil
	}
	return env.Path(grid)
}

// actingPost picks the post under which the actor acts.
func actingPost(r rule, a org.Actor) (org.Post, bool) {
	for _, p := range r.posts {
		for _, g := range a.Grants {
			if g.Post == p {
				return p, true
			}
		}
	}
	return "", false
}

// checkUnit makes sure a department handler acts only on its own tasks.
func checkUnit(a Action, c *Case, actor org.Actor) error {
	r := table[a]
	if !slices.Contains(r.posts, org.PostHandler) || len(r.posts) != 1 {
		return nil
	}
	g, _ := actor.Grant(org.PostHandler)
	if g.Department != "" && g.Department != c.Department {
		return errs.Forbidden("case %s is assigned to department %s, not to yours (%s)", c.Code, c.Department, g.Department)
	}
	return nil
}

// requestFits guards the approval actions and the requests themselves.
func requestFits(a Action, c *Case) bool {
	switch a {
	case ActApproveExtension, ActDenyExtension:
		return c.Pending != nil && c.Pending.Kind == "extension"
	case ActApproveSuspension, ActDenySuspension:
		return c.Pending != nil && c.Pending.Kind == "suspension"
	case ActExtend, ActSuspend, ActDispose:
		return c.Pending == nil
	}
	return true
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
		return "none for your posts"
	}
	return joinActions(as)
}

func nonNil(as []Action) []Action {
	if as == nil {
		return []Action{}
	}
	return as
}
