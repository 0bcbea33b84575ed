// Package closenotice tells a citizen that the problem they reported is
// closed (结案通知): one SMS through the outbox, in Chinese, with the link
// to the tracking page where the after-photo and the reply are shown and
// the case can be rated. Only cases whose reporter left a phone number
// are told.
//
// It follows the hub's change feed (every node's case changes, in order)
// for "case.close" and queues the message under an idempotency key per
// case, so a change read twice (after a restart, or by a second node that
// took the job over) still sends one message. The position in the feed
// is kept in memory: a fresh notifier starts Lookback changes before the
// feed's end, which covers a restart of a few minutes without a table of
// its own.
package closenotice

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/jobs"
	"cityloop/internal/outbox"
	"cityloop/internal/share"
)

// Template is the outbox template code of the notices.
const Template = "case_closed"

// closeKind is the feed's kind of the change that closes a case.
const closeKind = "case.close"

// Changes is the part of the hub's store the notifier reads.
type Changes interface {
	LastPos(ctx context.Context) (int64, error)
	ChangesAfter(ctx context.Context, pos int64, limit int) ([]share.Change, error)
}

// Cases finds a case with its reporter's phone in clear (the store's read,
// outside any jurisdiction: the platform itself sends the notice).
type Cases interface {
	FindCaseByID(ctx context.Context, id string) (*casework.Case, error)
}

// Outbox queues a message (outbox.Service).
type Outbox interface {
	Enqueue(ctx context.Context, d outbox.Draft) (outbox.Message, bool, error)
}

// Draft is the SMS for closed case c, whose tracking page is at link; ok
// is false when the reporter left no phone.
func Draft(c *casework.Case, link string, loc *time.Location) (d outbox.Draft, ok bool) {
	if c.Phone == "" {
		return outbox.Draft{}, false
	}
	if loc == nil {
		loc = time.UTC
	}
	day := c.ReportedAt.In(loc)
	body := fmt.Sprintf("【智慧城管】您于%d月%d日反映的问题（编号 %s）已办结。查看处理结果、处置后照片并评价：%s", int(day.Month()), day.Day(), c.Code, link)
	return outbox.Draft{Channel: outbox.ChannelSMS, To: c.Phone, Body: body, Template: Template,
		Related: "case/" + c.ID, IdempotencyKey: "case-closed/" + c.ID}, true
}

// Notifier queues the notices of the cases closed since it last looked.
type Notifier struct {
	Changes Changes
	Cases   Cases
	Outbox  Outbox
	// Link is the tracking page of a case, with its tracking key.
	Link func(c *casework.Case) string
	Loc  *time.Location
	Log  *slog.Logger
	// Lookback is how many changes before the feed's end a fresh notifier
	// reads again (default 5000).
	Lookback int64

	started bool
	pos     int64
}

const batch = 500

// RunOnce reads the feed from where it stopped to its end and queues a
// notice for each case closed in it; it returns how many it queued anew.
// A failure leaves the position at the change that failed, to be read
// again next time.
func (n *Notifier) RunOnce(ctx context.Context) (int, error) {
	if !n.started {
		last, err := n.Changes.LastPos(ctx)
		if err != nil {
			return 0, fmt.Errorf("close notices: read the feed's end: %w", err)
		}
		back := n.Lookback
		if back <= 0 {
			back = 5000
		}
		n.pos, n.started = max(0, last-back), true
	}
	sent := 0
	for {
		changes, err := n.Changes.ChangesAfter(ctx, n.pos, batch)
		if err != nil {
			return sent, fmt.Errorf("close notices: read the feed after %d: %w", n.pos, err)
		}
		for _, ch := range changes {
			if ch.Kind == closeKind && ch.Dataset == "cases" {
				created, err := n.notify(ctx, ch.CaseID)
				if err != nil {
					return sent, err
				}
				if created {
					sent++
				}
			}
			n.pos = ch.Pos
		}
		if len(changes) < batch {
			return sent, nil
		}
	}
}

func (n *Notifier) notify(ctx context.Context, caseID string) (bool, error) {
	c, err := n.Cases.FindCaseByID(ctx, caseID)
	if err != nil {
		return false, fmt.Errorf("close notice of case %s: %w", caseID, err)
	}
	if c.Status != casework.StatusClosed {
		return false, nil // not closed any more: nothing to tell
	}
	d, ok := Draft(c, n.Link(c), n.Loc)
	if !ok {
		return false, nil
	}
	_, created, err := n.Outbox.Enqueue(ctx, d)
	if err != nil {
		return false, fmt.Errorf("close notice of case %s: %w", c.Code, err)
	}
	if created && n.Log != nil {
		n.Log.Info("close notice queued", "case", c.Code)
	}
	return created, nil
}

// Job runs the notifier every interval on whichever node claims it.
func (n *Notifier) Job(every time.Duration) jobs.Job {
	return jobs.Job{Name: "close-notices", Schedule: jobs.Every(every), Timeout: 5 * time.Minute,
		Run: func(ctx context.Context) error { _, err := n.RunOnce(ctx); return err }}
}

// Parts are what the node already opened, as app holds them. Changes and
// Outbox are taken by what they can do, so app passes its handles as
// they are: without a change feed or an outbox no notice is sent.
type Parts struct {
	Changes  any
	Outbox   any
	Cases    Cases
	Link     func(c *casework.Case) string
	Loc      *time.Location
	Log      *slog.Logger
	Every    time.Duration
	Schedule func(part string, list ...jobs.Job) error
}

// Wire registers the notifier's job ("close-notices", every Every).
func Wire(p Parts) error {
	ch, ok1 := p.Changes.(Changes)
	ob, ok2 := p.Outbox.(Outbox)
	if !ok1 || !ok2 || p.Cases == nil || p.Link == nil {
		if p.Log != nil {
			p.Log.Warn("close notices: no change feed or outbox; citizens are not told when their case closes")
		}
		return nil
	}
	n := &Notifier{Changes: ch, Cases: p.Cases, Outbox: ob, Link: p.Link, Loc: p.Loc, Log: p.Log}
	return p.Schedule("close notices", n.Job(p.Every))
}
