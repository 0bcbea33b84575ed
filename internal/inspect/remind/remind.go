// Package remind sends the reminders of random inspections (双随机一公开)
// whose results are overdue to the inspectors drawn for them, through the
// notification outbox: one text per inspector, plan and day, naming the
// objects still without a result.
package remind

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/inspect"
	"cityloop/internal/outbox"
)

// Plans reads a plan with its lists (the inspectors' phones are only
// there, never in a listing); inspect.Store is one.
type Plans interface {
	FindPlanByID(ctx context.Context, id string) (*inspect.Plan, error)
}

// Outbox queues a notification; *outbox.Service is one.
type Outbox interface {
	Enqueue(ctx context.Context, d outbox.Draft) (outbox.Message, bool, error)
}

// Template names these messages in the outbox listing and its figures.
const Template = "inspection_overdue"

// maxNamed bounds the objects a text names; the rest are counted.
const maxNamed = 5

// Unreachable is an inspector drawn for overdue objects whom no text can
// reach (no phone on the inspector list, or one the outbox refuses).
type Unreachable struct {
	Inspector inspect.Officer
	Reason    string
}

// Text is the reminder of one inspector.
type Text struct {
	Inspector inspect.Officer
	Draft     outbox.Draft
}

// Drafts are the texts of reminder r: one per inspector drawn for at
// least one of its overdue objects, in the inspector list's order, keyed
// by plan, inspector and the city day of now so that a second run of the
// daily job (another node, a retry) queues nothing new and the next
// working day reminds again. Inspectors without a phone are unreachable.
func Drafts(r inspect.Reminder, p *inspect.Plan, now time.Time, loc *time.Location) ([]Text, []Unreachable) {
	overdue := map[string]bool{}
	for _, o := range r.Objects {
		overdue[o.ID] = true
	}
	objects := map[string][]string{} // inspector id → names of their overdue objects
	officers := map[string]inspect.Officer{}
	if p.Draw != nil {
		for _, a := range p.Draw.Assignments {
			if a.Outcome != nil || !overdue[a.Object.ID] {
				continue
			}
			for _, o := range a.Inspectors {
				objects[o.ID] = append(objects[o.ID], a.Object.Name)
				officers[o.ID] = o
			}
		}
	}
	phones := map[string]string{}
	var order []string
	for _, in := range p.Inspectors {
		phones[in.ID] = strings.TrimSpace(in.Phone)
		if _, ok := objects[in.ID]; ok {
			order = append(order, in.ID)
		}
	}
	var gone []string // drawn but since gone from the list: reported, never silently dropped
	for id := range objects {
		if _, ok := phones[id]; !ok {
			gone = append(gone, id)
		}
	}
	slices.Sort(gone)
	order = append(order, gone...)
	day := now.In(loc).Format(time.DateOnly)
	var drafts []Text
	var missing []Unreachable
	for _, id := range order {
		if phones[id] == "" {
			missing = append(missing, Unreachable{Inspector: officers[id], Reason: "执法人员名录中没有手机号 / no phone on the inspector list"})
			continue
		}
		names := objects[id]
		listed := strings.Join(names[:min(len(names), maxNamed)], "、")
		if len(names) > maxNamed {
			listed += "等"
		}
		drafts = append(drafts, Text{Inspector: officers[id], Draft: outbox.Draft{Channel: outbox.ChannelSMS, To: phones[id], Template: Template,
			Related: "inspection/plan/" + p.ID, IdempotencyKey: keyOf(p.ID, id, day),
			Body: fmt.Sprintf("【城管】%s：您好，双随机抽查计划「%s」（%s）的检查结果应于 %s 前录入公示，您负责的 %d 个检查对象尚未录入：%s。请尽快检查并录入结果。"+
				" / Random inspection plan %s: results were due by %s; %d of your objects have none yet.",
				officers[id].Name, p.Name, p.Period, r.Due.In(loc).Format("2006-01-02 15:04"), len(names), listed,
				p.Period, r.Due.In(loc).Format("2006-01-02 15:04"), len(names))}})
	}
	return drafts, missing
}

// keyOf is the idempotency key of one inspector's reminder of a plan on
// a day; ids too long for the outbox's key are hashed into it.
func keyOf(plan, inspector, day string) string {
	k := "inspection-overdue:" + plan + ":" + inspector + ":" + day
	if len(k) > outbox.MaxKey {
		sum := sha256.Sum256([]byte(k))
		k = "inspection-overdue:" + hex.EncodeToString(sum[:])
	}
	return k
}

// Sender queues the texts of overdue inspection results.
type Sender struct {
	Plans  Plans
	Outbox Outbox
	Now    func() time.Time
	Loc    *time.Location
	Log    *slog.Logger
}

// Remind queues the texts of r (inspect.Service.RemindJob's remind). An
// inspector the outbox refuses (a malformed phone) or who has no phone is
// logged for the operators and skipped, so one bad entry never keeps the
// others' reminders back; a store failure is the job's error, and the
// job's next run queues what this one did not (the keys make it safe).
func (s *Sender) Remind(ctx context.Context, r inspect.Reminder) error {
	p, err := s.Plans.FindPlanByID(ctx, r.PlanID)
	if err != nil {
		return fmt.Errorf("read inspection plan %s: %w", r.PlanID, err)
	}
	drafts, missing := Drafts(r, p, s.Now(), s.Loc)
	for _, t := range drafts {
		if _, _, err := s.Outbox.Enqueue(ctx, t.Draft); errs.Is(err, errs.KindInvalid) {
			missing = append(missing, Unreachable{Inspector: t.Inspector, Reason: err.Error()})
		} else if err != nil {
			return fmt.Errorf("queue the overdue-results reminder of plan %s: %w", r.PlanID, err)
		}
	}
	for _, u := range missing {
		if s.Log != nil {
			s.Log.Warn("random inspection reminder not sent (双随机抽查逾期提醒无法发送)", "plan", r.PlanID,
				"inspector", u.Inspector.ID, "reason", u.Reason)
		}
	}
	return nil
}

// Later is an outbox looked up when a reminder is sent: the node wires its
// outbox after the inspections, and the job runs long after both.
type Later func() any

// Enqueue queues d on the outbox Later finds.
func (l Later) Enqueue(ctx context.Context, d outbox.Draft) (outbox.Message, bool, error) {
	ob, ok := l().(Outbox)
	if !ok {
		return outbox.Message{}, false, fmt.Errorf("no notification outbox on this node")
	}
	return ob.Enqueue(ctx, d)
}
