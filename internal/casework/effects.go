package casework

import (
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// warnShare is where the light turns yellow: 80 % of the limit used (DOMAIN.md §2.5).
const warnShare = 0.8

func needNote(cmd Command, what string) error {
	if cmd.Note == "" {
		return errs.Invalid("%s needs a note that says why", what).WithField("note", "required")
	}
	return nil
}

func applyAccept(c *Case, cmd Command, env Env, ev *Event) error {
	if err := reclassify(c, cmd, env, ev); err != nil {
		return err
	}
	c.Status = StatusPendingFile
	return startStage(c, "file", env)
}

func applySendVerify(c *Case, cmd Command, env Env, ev *Event) error {
	c.Status = StatusPendingVerify
	return startStage(c, "verify", env)
}

func applyVerify(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Valid == nil {
		return errs.Invalid("verify needs \"valid\": true if the problem is there, false if not").WithField("valid", "required")
	}
	ev.Data = map[string]any{"valid": *cmd.Valid}
	if !*cmd.Valid {
		c.Status = StatusRejected
		stopClocks(c, env.Now)
		return nil
	}
	c.Photos = append(c.Photos, cmd.Photos...)
	c.Status = StatusPendingFile
	return startStage(c, "file", env)
}

func applyReject(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "rejecting a report"); err != nil {
		return err
	}
	c.Status = StatusRejected
	stopClocks(c, env.Now)
	return nil
}

func applyVoid(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "voiding a case"); err != nil {
		return err
	}
	c.Status = StatusVoided
	stopClocks(c, env.Now)
	return nil
}

func applyMerge(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Into == "" || cmd.Into == c.ID {
		return errs.Invalid("merge needs \"into\": the id of the case this one duplicates").WithField("into", "required")
	}
	c.MergedInto = cmd.Into
	c.Status = StatusMerged
	ev.Data = map[string]any{"into": cmd.Into}
	stopClocks(c, env.Now)
	return nil
}

// reclassify applies a category and filing condition given with the command.
func reclassify(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Category == nil && cmd.Condition == 0 {
		return nil
	}
	ref := c.Category
	if cmd.Category != nil {
		ref = cmd.Category
	}
	if ref == nil {
		return errs.Invalid("a filing condition needs a category").WithField("category", "required")
	}
	sub, ok := env.Dict.Lookup(*ref, env.Now)
	if !ok {
		return errs.Invalid("category %s is not in the dictionary in force", ref).WithField("category", "unknown")
	}
	no := cmd.Condition
	if no == 0 {
		no = c.Condition
	}
	if no == 0 || (cmd.Category != nil && cmd.Condition == 0) {
		no = 1
	}
	cond, ok := sub.Condition(no)
	if !ok {
		return errs.Invalid("%s (%s) has no filing condition %d; it has %d", ref, sub.Name.Zh, no, len(sub.Conditions)).
			WithField("condition", "unknown")
	}
	r := *ref
	c.Category, c.Condition, c.Urgency = &r, no, cond.Urgency
	if ev.Data == nil {
		ev.Data = map[string]any{}
	}
	ev.Data["category"], ev.Data["condition"] = r.String(), no
	if env.Dict != nil {
		if s, ok := env.Dict.Route(r, pathOf(env, c.Grid), env.Now); ok {
			c.Suggested = s.Department
		}
	}
	return nil
}

func applyFile(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Category == nil && c.Category == nil {
		return errs.Invalid("filing needs a category (e.g. \"event:0501\"); the report has none yet").WithField("category", "required")
	}
	cmd2 := cmd
	if cmd2.Category == nil {
		cmd2.Category = c.Category
		if cmd2.Condition == 0 {
			cmd2.Condition = max(c.Condition, 1)
		}
	}
	if err := reclassify(c, cmd2, env, ev); err != nil {
		return err
	}
	now := env.Now
	c.FiledAt = &now
	c.Status = StatusPendingDispatch
	if err := startWholeClock(c, env); err != nil {
		return err
	}
	return startStage(c, "dispatch", env)
}

func applyDispatch(c *Case, cmd Command, env Env, ev *Event) error {
	dep := cmd.Department
	if dep == "" {
		dep = c.Suggested
	}
	if dep == "" {
		return errs.Invalid("dispatch needs \"department\": no rule of the joint enforcement list suggests one for this case").
			WithField("department", "required")
	}
	if _, ok := env.Dict.Department(dep); !ok {
		return errs.Invalid("department %q does not exist", dep).WithField("department", "unknown")
	}
	return dispatchTo(c, dep, env, ev)
}

func dispatchTo(c *Case, dep string, env Env, ev *Event) error {
	now := env.Now
	c.Department = dep
	c.DispatchedAt = &now
	c.Status = StatusDispatched
	ev.Data = map[string]any{"department": dep}
	return startStage(c, "sign", env)
}

func applySign(c *Case, cmd Command, env Env, ev *Event) error {
	c.Status = StatusInDisposal
	return startStage(c, "dispose", env)
}

func applyReturn(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "a return (回退)"); err != nil {
		return err
	}
	c.Returns++
	c.Pending = nil
	c.Status = StatusReturned
	ev.Data = map[string]any{"department": c.Department}
	return startStage(c, "dispatch", env)
}

func applyRedispatch(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Department == "" {
		return errs.Invalid("re-dispatch needs \"department\"").WithField("department", "required")
	}
	if cmd.Department == c.Department {
		return errs.Invalid("the case came back from %s; re-dispatch to another department, or use reject_return to send it back", c.Department).
			WithField("department", "same as before")
	}
	if _, ok := env.Dict.Department(cmd.Department); !ok {
		return errs.Invalid("department %q does not exist", cmd.Department).WithField("department", "unknown")
	}
	return dispatchTo(c, cmd.Department, env, ev)
}

func applyRejectReturn(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "rejecting a return"); err != nil {
		return err
	}
	// An unfounded return counts as 推诿 against the department.
	c.Shirks++
	c.Status = StatusInDisposal
	return startStage(c, "dispose", env)
}

func applyExtend(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Extra == nil || cmd.Extra.Amount <= 0 || !cmd.Extra.Unit.Valid() {
		return errs.Invalid("an extension needs \"extra\": {\"amount\": > 0, \"unit\": working_hours | working_days | natural_hours}").
			WithField("extra", "required")
	}
	if err := needNote(cmd, "an extension request"); err != nil {
		return err
	}
	if c.StageDue != nil && env.Now.After(*c.StageDue) {
		return errs.Conflict("an extension must be requested before the deadline (%s); the case is already overdue",
			c.StageDue.In(env.Cal.Location()).Format("2006-01-02 15:04"))
	}
	x := *cmd.Extra
	c.Pending = &Request{Kind: "extension", By: cmd.Actor.ID, At: env.Now, Reason: cmd.Note, Extra: &x}
	ev.Data = map[string]any{"extra": x}
	return nil
}

func applyApproveExtension(c *Case, cmd Command, env Env, ev *Event) error {
	x := *c.Pending.Extra
	extra := x.Duration(env.Cal)
	// The standard allowance (a first extension no longer than the original
	// limit) is the shift lead's or dispatcher's to grant; anything beyond it
	// needs a leader (DOMAIN.md §2.4).
	if ev.Post != "leader" && (c.Extensions >= 1 || (c.StageClock != nil && extra > c.StageClock.Limit.Duration(env.Cal))) {
		return errs.Forbidden("a second extension or one longer than the original limit needs a leader's approval")
	}
	if c.StageClock != nil {
		c.StageClock.Extra += extra
	}
	if c.CaseClock != nil {
		c.CaseClock.Extra += extra
	}
	c.Extensions++
	c.Pending = nil
	ev.Data = map[string]any{"extra": x}
	recompute(c, env)
	return nil
}

func applyDenyRequest(kind string) func(c *Case, cmd Command, env Env, ev *Event) error {
	return func(c *Case, cmd Command, env Env, ev *Event) error {
		if err := needNote(cmd, "denying a request"); err != nil {
			return err
		}
		c.Pending = nil
		ev.Data = map[string]any{"request": kind}
		return nil
	}
}

func applySuspend(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "a suspension (挂账) request"); err != nil {
		return err
	}
	c.Pending = &Request{Kind: "suspension", By: cmd.Actor.ID, At: env.Now, Reason: cmd.Note}
	return nil
}

func applyApproveSuspension(c *Case, cmd Command, env Env, ev *Event) error {
	now := env.Now
	c.Pending = nil
	c.Status = StatusSuspended
	for _, k := range []*worktime.Clock{c.StageClock, c.CaseClock} {
		if k != nil && k.PausedSince == nil {
			k.PausedSince = &now
		}
	}
	c.StageDue, c.StageWarn = nil, nil
	return nil
}

func applyResume(c *Case, cmd Command, env Env, ev *Event) error {
	for _, k := range []*worktime.Clock{c.StageClock, c.CaseClock} {
		if k != nil && k.PausedSince != nil {
			k.Paused = append(k.Paused, worktime.Interval{Start: *k.PausedSince, End: env.Now})
			k.PausedSince = nil
		}
	}
	c.Status = StatusInDisposal
	recompute(c, env)
	return nil
}

func applySelfHandle(c *Case, cmd Command, env Env, ev *Event) error {
	if len(cmd.Photos) == 0 {
		return errs.Invalid("self-handling needs at least one photo after the fix").WithField("photos", "required")
	}
	if c.Category == nil && cmd.Category == nil {
		return errs.Invalid("self-handling needs a category").WithField("category", "required")
	}
	cond := cmd.Condition
	if cmd.Category == nil && cond == 0 {
		cond = max(c.Condition, 1) // keep the condition the report was made under
	}
	if err := reclassify(c, Command{Category: orRef(cmd.Category, c.Category), Condition: cond}, env, ev); err != nil {
		return err
	}
	now := env.Now
	c.SelfHandled = true
	c.AfterPhotos = append(c.AfterPhotos, cmd.Photos...)
	c.FiledAt, c.DisposedAt = &now, &now
	// It files itself at once: the filing stage is done, on time.
	c.StagesSeen |= StageBitFile
	c.StagesDone |= StageBitFile
	c.Status = StatusPendingClose
	return startStage(c, "close", env)
}

func orRef(a, b *catalog.Ref) *catalog.Ref {
	if a != nil {
		return a
	}
	return b
}

func applyDispose(c *Case, cmd Command, env Env, ev *Event) error {
	if len(cmd.Photos) == 0 {
		return errs.Invalid("disposal feedback needs at least one photo after the fix").WithField("photos", "required")
	}
	if err := needNote(cmd, "disposal feedback"); err != nil {
		return err
	}
	now := env.Now
	if c.Stage == "dispose" && c.StageDue != nil && now.After(*c.StageDue) {
		c.DisposedLate = true // any late feedback, a rework's included, counts
	}
	c.DisposedAt = &now
	c.AfterPhotos = append(c.AfterPhotos, cmd.Photos...)
	c.Status = StatusPendingCheck
	return startStage(c, "check", env)
}

func applyCheck(c *Case, cmd Command, env Env, ev *Event) error {
	if cmd.Passed == nil {
		return errs.Invalid("check needs \"passed\": true or false").WithField("passed", "required")
	}
	ev.Data = map[string]any{"passed": *cmd.Passed}
	if *cmd.Passed {
		if len(cmd.Photos) == 0 {
			return errs.Invalid("a passed check needs a photo from the same spot as the report").WithField("photos", "required")
		}
		c.Status = StatusPendingClose
		return startStage(c, "close", env)
	}
	if err := needNote(cmd, "a failed check"); err != nil {
		return err
	}
	// 返工: back to the same department, which must dispose again.
	c.Reworks++
	c.Status = StatusInDisposal
	ev.Data["department"] = c.Department
	return startStage(c, "dispose", env)
}

func applyClose(c *Case, cmd Command, env Env, ev *Event) error {
	now := env.Now
	c.ClosedAt = &now
	late := c.Overdue || (c.CaseDue != nil && now.After(*c.CaseDue))
	c.ClosedLate = late
	c.ClosureKind = "normal"
	if late {
		c.ClosureKind = "late"
	}
	if cmd.Recurrence != "" {
		c.Recurrence = cmd.Recurrence
	}
	c.Status = StatusClosed
	ev.Data = map[string]any{"closure_kind": c.ClosureKind}
	if c.Recurrence != "" {
		ev.Data["recurrence_of"] = c.Recurrence
	}
	stopClocks(c, env.Now)
	return nil
}

func applyUrge(c *Case, cmd Command, env Env, ev *Event) error {
	if err := needNote(cmd, "urging (督办)"); err != nil {
		return err
	}
	c.Urges++
	ev.Data = map[string]any{"department": c.Department}
	return nil
}

var satisfactions = map[string]bool{"satisfied": true, "basic": true, "unsatisfied": true}

func applyCallback(c *Case, cmd Command, env Env, ev *Event) error {
	if !satisfactions[cmd.Satisfaction] {
		return errs.Invalid("callback needs \"satisfaction\": satisfied (满意), basic (基本满意) or unsatisfied (不满意)").
			WithField("satisfaction", "required")
	}
	c.Satisfaction = cmd.Satisfaction
	ev.Data = map[string]any{"satisfaction": cmd.Satisfaction}
	return nil
}

// applyRate records the reporter's own rating (the caller checks that the
// citizen is the reporter, e.g. by a tracking key). One rating per case.
func applyRate(c *Case, cmd Command, env Env, ev *Event) error {
	if c.Satisfaction != "" {
		return errs.Conflict("case %s has already been rated (%s)", c.Code, c.Satisfaction)
	}
	return applyCallback(c, cmd, env, ev)
}

// applyComment records a note and changes nothing else: it needs a text.
func applyComment(c *Case, cmd Command, env Env, ev *Event) error {
	if strings.TrimSpace(cmd.Note) == "" {
		return errs.Invalid("留言不能为空 / a comment needs a text").WithField("note", "required")
	}
	return nil
}

func applyOverdue(c *Case, cmd Command, env Env, ev *Event) error {
	if c.StageDue == nil || !env.Now.After(*c.StageDue) {
		return errs.Conflict("case %s is not overdue", c.Code)
	}
	c.Overdue = true
	c.StagesLate |= stageBits[c.Stage]
	ev.Data = map[string]any{"stage": c.Stage, "due": *c.StageDue}
	return nil
}

// startStage starts the clock of a stage. "dispose" runs on the filing
// condition's limit; the other stages on the dictionary's stage limits for the
// case's urgency.
func startStage(c *Case, stage string, env Env) error {
	lim, err := stageLimit(c, stage, env)
	if err != nil {
		return err
	}
	extra := time.Duration(0)
	if stage == "dispose" && c.StageClock != nil && c.Stage == "dispose" {
		extra = c.StageClock.Extra // a rework keeps granted extensions
	}
	leaveStage(c, env.Now)
	c.StagesSeen |= stageBits[stage]
	c.Stage = stage
	c.StageClock = &worktime.Clock{Start: env.Now, Limit: lim, Extra: extra}
	recompute(c, env)
	return nil
}

func stageLimit(c *Case, stage string, env Env) (worktime.Limit, error) {
	u := c.Urgency
	if u == "" {
		u = catalog.Urgency("normal")
	}
	if stage == "dispose" {
		if c.Category == nil {
			return worktime.Limit{}, errs.Invalid("the case has no category, so it has no disposal limit")
		}
		sub, ok := env.Dict.Lookup(*c.Category, env.Now)
		if !ok {
			return worktime.Limit{}, errs.Invalid("category %s is not in the dictionary in force", c.Category)
		}
		cond, ok := sub.Condition(max(c.Condition, 1))
		if !ok {
			return worktime.Limit{}, errs.Invalid("%s has no filing condition %d", c.Category, c.Condition)
		}
		return cond.Limit, nil
	}
	limits := env.Dict.StageLimits(u)
	if l, ok := limits[stage]; ok && l.Amount > 0 {
		return l, nil
	}
	if l, ok := limits["file"]; ok && l.Amount > 0 {
		return l, nil
	}
	return worktime.Limit{Amount: 1, Unit: worktime.WorkingHours}, nil
}

// startWholeClock starts the whole-case limit (整体时限) at filing: the sum
// of the remaining stage limits and the disposal limit, counted in natural
// hours for urgent cases and in working hours otherwise.
func startWholeClock(c *Case, env Env) error {
	var total time.Duration
	for _, st := range []string{"dispatch", "sign", "dispose", "check", "close"} {
		l, err := stageLimit(c, st, env)
		if err != nil {
			return err
		}
		total += l.Duration(env.Cal)
	}
	unit := worktime.WorkingHours
	if c.Urgency == "urgent" {
		unit = worktime.NaturalHours
	}
	c.CaseClock = &worktime.Clock{Start: env.Now, Limit: worktime.Limit{Amount: total.Hours(), Unit: unit}}
	return nil
}

func stopClocks(c *Case, now time.Time) {
	leaveStage(c, now)
	c.Stage, c.StageClock, c.StageDue, c.StageWarn, c.CaseClock = "", nil, nil, nil, nil
}

// recompute refreshes the stored due and warning times that lists filter by.
func recompute(c *Case, env Env) {
	c.StageDue, c.StageWarn = nil, nil
	if k := c.StageClock; k != nil && k.PausedSince == nil {
		due := env.Cal.Due(*k, env.Now)
		warnClock := *k
		warnClock.Limit.Amount *= warnShare
		warnClock.Extra = time.Duration(float64(k.Extra) * warnShare)
		warn := env.Cal.Due(warnClock, env.Now)
		c.StageDue, c.StageWarn = &due, &warn
	}
	if k := c.CaseClock; k != nil && k.PausedSince == nil {
		due := env.Cal.Due(*k, env.Now)
		c.CaseDue = &due
	}
}
