package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// The handler's workbench: new dispatches (待签收) in a section of their
// own above the tasks in hand, and signed for several at once.

func init() {
	for k, v := range consoleQueueMessages {
		messages[k] = v
	}
}

var consoleQueueMessages = map[string][2]string{
	// The case list's search box (/console/cases): its text goes to GET
	// /api/v1/cases as q=.
	"cs_search":       {"搜索", "Search"},
	"cs_search_label": {"案件编号、地址或上报人电话", "Case code, address or reporter's phone"},
	"cs_search_hint":  {"编号可只输前几位；电话仅受理员、值班长可查", "The start of a code is enough; phones only for operators and shift leads"},
	"cq_select":       {"选择", "Select"},
	"wbm_hint":        {"上方队列中的案件", "The cases of the queues above"},
	"cq_select_case":  {"选择案件", "Select case"},
	"cq_sign_many":    {"签收所选案件", "Sign for the selected cases"},
	"cq_signed":       {"已签收 %d 件", "Signed for %d cases"},
	"cq_sign_failed":  {"%d 件未能签收（已被他人处理或不属本单位）：%s", "%d could not be signed for (moved by someone else or not your department's): %s"},
	"cq_none_chosen":  {"请先勾选要签收的案件", "Tick the cases to sign for first"},
}

// maxBatch bounds one batch action: a queue page shows at most queueLimit.
const maxBatch = queueLimit

// handleBatchSign signs for each ticked case (POST /console/queue/sign,
// fields id…), one transition per case as if signed one by one: each is
// checked, audited and announced on its own, and one that cannot be signed
// for (someone moved it first) leaves the others signed.
func (s *Server) handleBatchSign(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	ids := r.Form["id"]
	l := s.langOf(w, r)
	if len(ids) == 0 {
		return errs.Invalid("%s", l.T("cq_none_chosen")).WithField("id", "tick at least one case")
	}
	if len(ids) > maxBatch {
		return errs.Invalid("一次最多签收 %d 件 / at most %d cases at once", maxBatch, maxBatch).WithField("id", "too many")
	}
	signed := 0
	var failed []string
	for _, id := range ids {
		c, events, err := s.Cases.Act(r.Context(), id, casework.Command{Action: casework.ActSign, Actor: sess.actor})
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Kind == errs.KindInternal {
				return fmt.Errorf("sign for case %s: %w", id, err)
			}
			failed = append(failed, s.codeOf(r, sess, id))
			continue
		}
		s.auditActs(r, c, events)
		s.broker.publishCase(c.Code, c)
		signed++
	}
	q := "signed=" + strconv.Itoa(signed)
	if len(failed) > 0 {
		q += "&failed=" + strings.Join(failed, ",")
	}
	http.Redirect(w, r, "/console?"+q, http.StatusSeeOther)
	return nil
}

// codeOf names a case the caller may see by its code, else by the id it sent.
func (s *Server) codeOf(r *http.Request, sess *session, id string) string {
	if c, err := s.Cases.FindCase(r.Context(), sess.actor, id); err == nil {
		return c.Code
	}
	return id
}

// batchFlash is the workbench's message after a batch action, "" without one.
func batchFlash(l lang, q map[string][]string) string {
	n, err := strconv.Atoi(first(q["signed"]))
	if err != nil {
		return ""
	}
	msg := fmt.Sprintf(l.T("cq_signed"), n)
	if f := first(q["failed"]); f != "" {
		codes := strings.Split(f, ",")
		msg += "；" + fmt.Sprintf(l.T("cq_sign_failed"), len(codes), strings.Join(codes, "、"))
	}
	return msg
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

// conditionOptions lists the filing conditions (立案条件) of the case's
// sub-class with their text and time limit, so the shift lead files under
// a condition they can read; numbers alone when the sub-class is unknown.
func (s *Server) conditionOptions(l lang, c *casework.Case) []option {
	var out []option
	if c.Category != nil {
		if sub, ok := s.World.Dict().Lookup(*c.Category, c.ReportedAt); ok {
			for _, cond := range sub.Conditions {
				text := l.pick([2]string{cond.Text.Zh, cond.Text.En})
				if !cond.Limit.IsZero() {
					text += "（" + limitText(l, cond.Limit) + "）"
				}
				out = append(out, option{Value: strconv.Itoa(cond.No), Label: strconv.Itoa(cond.No) + ". " + text, Selected: cond.No == max(c.Condition, 1)})
			}
		}
	}
	if len(out) == 0 {
		for i := 1; i <= 9; i++ {
			out = append(out, option{Value: strconv.Itoa(i), Label: strconv.Itoa(i), Selected: i == max(c.Condition, 1)})
		}
	}
	return out
}

// limitText is a time limit in words: "2 工作时", "3 working days".
func limitText(l lang, lim worktime.Limit) string {
	unit := map[worktime.Unit]string{worktime.WorkingHours: "unit_wh", worktime.WorkingDays: "unit_wd", worktime.NaturalHours: "unit_nh"}[lim.Unit]
	if unit == "" {
		return lim.String()
	}
	return strconv.FormatFloat(lim.Amount, 'f', -1, 64) + " " + l.T(unit)
}
