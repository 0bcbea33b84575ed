package loop

import (
	"context"
	"fmt"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// Actions of the events this package writes on loop cases; they move
// nothing, so they are not rows of casework's transition table.
const (
	ActOpened  casework.Action = "enforce_open"    // 转执法立案
	ActOutcome casework.Action = "enforce_outcome" // 执法结果
)

// Adapter implements enforce.Loop over the loop's service.
type Adapter struct {
	Cases *casework.Service
	Now   func() time.Time
}

// FindLoopCase reads a loop case the actor may see.
func (a Adapter) FindLoopCase(ctx context.Context, actor org.Actor, id string) (enforce.LoopCase, error) {
	c, err := a.Cases.FindCase(ctx, actor, id)
	if err != nil {
		if errs.Is(err, errs.KindNotFound) {
			return enforce.LoopCase{}, errs.NotFound("没有案件 %s（或不在你的辖区内）/ no loop case %s in your jurisdiction", id, id).WithField("loop_case", "unknown")
		}
		return enforce.LoopCase{}, err
	}
	lc := enforce.LoopCase{ID: c.ID, Code: c.Code, District: c.District, Summary: c.Description, ReportedAt: c.ReportedAt}
	if c.Category != nil {
		lc.Category = c.Category.String()
	}
	if c.Status.Terminal() {
		return lc, errs.Conflict("案件 %s 已%s，不能再转执法 / loop case %s is %s", c.Code, c.Status.Zh(), c.Code, c.Status).WithField("loop_case", "terminal")
	}
	return lc, nil
}

// Opened records on the loop case that a penalty case now holds it.
func (a Adapter) Opened(ctx context.Context, actor org.Actor, loopID string, p enforce.Case) error {
	note := fmt.Sprintf("转执法立案：执法案件 %s / penalty case %s opened", p.Code, p.Code)
	return a.note(ctx, loopID, ActOpened, actor, org.PostEnforcer, note, map[string]any{"penalty_case": p.ID, "penalty_code": p.Code})
}

// Outcome moves the loop case on the penalty case's final outcome, or
// records it when the loop has no fitting action (see the package doc).
func (a Adapter) Outcome(ctx context.Context, p enforce.Case) (string, error) {
	c, err := a.Cases.Store.FindCaseByID(ctx, p.Source)
	if err != nil {
		return "", fmt.Errorf("find loop case %s: %w", p.Source, err)
	}
	unit := org.Actor{ID: "system:enforce", Name: "移动执法（代" + c.Department + "）",
		Grants: []org.Grant{{Post: org.PostHandler, Department: c.Department}}}
	data := map[string]any{"penalty_case": p.ID, "penalty_code": p.Code, "penalty_status": string(p.Status)}
	switch p.Status {
	case enforce.StatusNotFiled:
		why := fmt.Sprintf("执法案件 %s 不予立案，退回重新派遣 / penalty case %s was not filed; returned for re-dispatch", p.Code, p.Code)
		if c.Status == casework.StatusDispatched || c.Status == casework.StatusInDisposal {
			if _, _, err := a.Cases.Act(ctx, c.ID, casework.Command{Action: casework.ActReturn, Actor: unit, Note: why}); err == nil {
				return fmt.Sprintf("案件 %s 已回退 / loop case %s returned", c.Code, c.Code), nil
			}
		}
	case enforce.StatusClosed:
		what := outcomeText(p)
		photos := scenePhotos(p)
		if c.Status == casework.StatusInDisposal && len(photos) > 0 {
			note := fmt.Sprintf("执法案件 %s 结案：%s / penalty case %s closed", p.Code, what, p.Code)
			if _, _, err := a.Cases.Act(ctx, c.ID, casework.Command{Action: casework.ActDispose, Actor: unit, Note: note, Photos: photos}); err == nil {
				return fmt.Sprintf("案件 %s 已处置反馈，待核查 / loop case %s disposed, awaiting check", c.Code, c.Code), nil
			}
		}
	default:
		return "", nil
	}
	note := fmt.Sprintf("执法案件 %s %s（案件处于%s，闭环中没有相应操作，仅记录）/ penalty case %s is %s; recorded only",
		p.Code, p.Status.Zh(), c.Status.Zh(), p.Code, p.Status)
	if err := a.note(ctx, c.ID, ActOutcome, org.SystemActor, org.PostSystem, note, data); err != nil {
		return "", err
	}
	return fmt.Sprintf("案件 %s 已记录执法结果 / outcome recorded on loop case %s", c.Code, c.Code), nil
}

// note appends an event to a loop case without moving it, under the
// loop store's version check.
func (a Adapter) note(ctx context.Context, id string, act casework.Action, actor org.Actor, post org.Post, text string, data map[string]any) error {
	for attempt := 0; ; attempt++ {
		c, err := a.Cases.Store.FindCaseByID(ctx, id)
		if err != nil {
			return fmt.Errorf("find loop case %s: %w", id, err)
		}
		now := a.Now().UTC()
		next := *c
		next.UpdatedAt = now
		ev := casework.Event{CaseID: c.ID, Action: act, From: c.Status, To: c.Status, Actor: actor.ID, Name: actor.Name,
			Post: post, At: now, Note: text, Data: data}
		err = a.Cases.Store.UpdateCase(ctx, &next, c.Version, []casework.Event{ev})
		if err == nil || !errs.Is(err, errs.KindConflict) || attempt == 2 {
			if err != nil {
				return fmt.Errorf("record on loop case %s: %w", c.Code, err)
			}
			return nil
		}
	}
}

func outcomeText(p enforce.Case) string {
	d := p.Decision
	switch {
	case d == nil:
		return "结案"
	case d.Exemption != nil:
		return enforce.ExemptionNames[d.Exemption.Kind][0]
	case d.Penalty.Fine > 0:
		return fmt.Sprintf("罚款 %.2f 元", d.Penalty.Fine)
	}
	var ks []string
	for _, k := range d.Penalty.Kinds {
		ks = append(ks, enforce.KindNames[k].Zh)
	}
	return strings.Join(ks, "、")
}

// scenePhotos are the files of the penalty case's photo and audio-visual
// records, the evidence of the scene the loop's check looks at.
func scenePhotos(p enforce.Case) []string {
	var out []string
	for _, r := range p.Records {
		if r.Kind == enforce.RecPhoto {
			out = append(out, r.Files...)
		}
	}
	if len(out) > 9 {
		out = out[len(out)-9:]
	}
	return out
}
