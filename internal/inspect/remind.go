package inspect

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityloop/internal/jobs"
	"cityloop/internal/worktime"
)

// Results of a draw are public the moment an inspector records them (see
// [PublicOf]); what can go wrong is that nobody records them. An object
// drawn but not reported ResultDays working days after the draw is
// overdue: the console marks it and [Service.RemindJob] reminds.

// Overdue lists the drawn objects of p without an outcome whose deadline
// (the draw plus the plan's working days to publish) has passed at now,
// with that deadline.
func Overdue(p *Plan, now time.Time, cal *worktime.Calendar) (objects []ObjectRef, by time.Time) {
	if p.Status != StatusDrawn || p.Draw == nil {
		return nil, time.Time{}
	}
	days := p.ResultDays
	if days <= 0 {
		days = DefaultResultDays
	}
	by = cal.Deadline(p.Draw.DrawnAt, worktime.Limit{Amount: float64(days), Unit: worktime.WorkingDays})
	if !now.After(by) {
		return nil, by
	}
	for _, a := range p.Draw.Assignments {
		if a.Outcome == nil {
			objects = append(objects, a.Object)
		}
	}
	return objects, by
}

// Reminder is one plan whose results are overdue.
type Reminder struct {
	PlanID, Name, Period string
	CreatedBy            string
	Due                  time.Time
	Objects              []ObjectRef
}

// Reminders lists, over every drawn plan, those with overdue results.
func (s *Service) Reminders(ctx context.Context) ([]Reminder, error) {
	var out []Reminder
	now := s.Now()
	for off := 0; ; off += 200 {
		list, total, err := s.Store.FindPlans(ctx, Filter{Statuses: []Status{StatusDrawn}, Limit: 200, Offset: off})
		if err != nil {
			return nil, fmt.Errorf("overdue inspection results: %w", err)
		}
		for _, p := range list {
			if objs, by := Overdue(p, now, s.Cal); len(objs) > 0 {
				out = append(out, Reminder{PlanID: p.ID, Name: p.Name, Period: p.Period, CreatedBy: p.CreatedBy, Due: by, Objects: objs})
			}
		}
		if off+len(list) >= total || len(list) == 0 {
			return out, nil
		}
	}
}

// RemindJob runs every working morning at 09:00 city time: each plan with
// overdue results goes to Remind (nil: the node's log, as a warning the
// operators watch), so the bureau publishes them within the time it set.
func (s *Service) RemindJob(remind func(ctx context.Context, r Reminder) error, log *slog.Logger) jobs.Job {
	return jobs.Job{Name: "inspection-results-overdue", Schedule: jobs.Daily(9, 0, s.Cal.Location()), Timeout: 5 * time.Minute,
		Run: func(ctx context.Context) error {
			if !s.Cal.Day(s.Now()).Working {
				return nil
			}
			rs, err := s.Reminders(ctx)
			if err != nil {
				return err
			}
			for _, r := range rs {
				if remind != nil {
					if err := remind(ctx, r); err != nil {
						return fmt.Errorf("remind of plan %s: %w", r.PlanID, err)
					}
				} else if log != nil {
					log.Warn("random inspection results overdue (双随机抽查结果逾期未公开)", "plan", r.PlanID, "name", r.Name,
						"due", r.Due, "objects", len(r.Objects))
				}
			}
			return nil
		}}
}
