package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
)

// The pages of 双随机一公开: the console's plans (leaders and
// administrators write, commit and draw; officers record what they found)
// and the citizens' page of published plans, where anyone can have a draw
// re-run (the verify button calls /api/v1/inspections/public/{id}/verify).

// Inspections answers the random-inspection pages; inspect.Service is one.
// Nil leaves the pages out.
type Inspections interface {
	CreatePlan(ctx context.Context, actor org.Actor, in inspect.PlanInput) (*inspect.Plan, error)
	FindPlan(ctx context.Context, id string) (*inspect.Plan, error)
	FindPlans(ctx context.Context, f inspect.Filter) ([]*inspect.Plan, int, error)
	Commit(ctx context.Context, actor org.Actor, id string) (*inspect.Plan, error)
	Draw(ctx context.Context, actor org.Actor, id string) (*inspect.Plan, error)
	RecordOutcome(ctx context.Context, actor org.Actor, id string, in inspect.OutcomeInput) (inspect.Outcome, error)
	Public(ctx context.Context, limit, offset int) ([]inspect.PublicPlan, int, error)
}

// Who does what, as in the API: leaders and administrators run draws,
// officers record outcomes too.
var (
	inspDrawPosts    = []org.Post{org.PostLeader, org.PostAdmin}
	inspOutcomePosts = []org.Post{org.PostEnforcer, org.PostLeader, org.PostAdmin}
)

// InspectNav reports whether the console links the random inspections.
func (v *view) InspectNav() bool {
	return v.inspect && v.Actor != nil && holds(*v.Actor, inspOutcomePosts)
}

// InspectPublicNav reports whether the citizen portal links the published draws.
func (v *view) InspectPublicNav() bool { return v.inspect }

func (s *Server) inspectionRoutes(mux *http.ServeMux) {
	if s.Inspections == nil {
		return
	}
	p := s.page
	mux.Handle("GET /console/inspections", p(s.handleInspections))
	mux.Handle("POST /console/inspections", p(s.handleInspectionCreate))
	mux.Handle("GET /console/inspections/{id}", p(s.handleInspection))
	mux.Handle("POST /console/inspections/{id}/commit", p(s.handleInspectionStep))
	mux.Handle("POST /console/inspections/{id}/draw", p(s.handleInspectionStep))
	mux.Handle("POST /console/inspections/{id}/outcomes", p(s.handleInspectionOutcome))
	mux.Handle("GET /citizen/inspections", p(s.handleCitizenInspections))
}

func requirePosts(r *http.Request, posts []org.Post) (*session, error) {
	sess, err := requireActor(r)
	if err != nil {
		return nil, err
	}
	for _, p := range posts {
		if _, ok := sess.actor.Grant(p); ok {
			return sess, nil
		}
	}
	return nil, errs.Forbidden("双随机抽查需要领导、管理员或执法队员岗位 / random inspections need a leader, administrator or enforcement officer post")
}

func holds(a org.Actor, posts []org.Post) bool {
	for _, p := range posts {
		if _, ok := a.Grant(p); ok {
			return true
		}
	}
	return false
}

// inspRow is one plan in the console's list.
type inspRow struct {
	P       *inspect.Plan
	Status  string
	Pending int // drawn objects without an outcome
	Overdue int // of those, past the plan's working days
}

type inspListPage struct {
	P       *inspect.Plan // always nil: the template tells the list from one plan by it
	Rows    []inspRow
	Total   int
	CanDraw bool
	Form    url.Values
}

// Field returns a value the form posted, to fill the form again after a refusal.
func (p *inspListPage) Field(k string) string { return p.Form.Get(k) }

func (s *Server) inspStatus(l lang, st inspect.Status) string {
	switch st {
	case inspect.StatusDraft:
		return l.pick([2]string{"草拟", "Draft"})
	case inspect.StatusCommitted:
		return l.pick([2]string{"已公布承诺", "Committed"})
	case inspect.StatusDrawn:
		return l.pick([2]string{"已抽取", "Drawn"})
	}
	return string(st)
}

func (s *Server) inspList(r *http.Request, l lang, a org.Actor) (*inspListPage, error) {
	list, total, err := s.Inspections.FindPlans(r.Context(), inspect.Filter{Limit: 50})
	if err != nil {
		return nil, err
	}
	p := &inspListPage{Total: total, CanDraw: holds(a, inspDrawPosts), Form: url.Values{}}
	for _, pl := range list {
		row := inspRow{P: pl, Status: s.inspStatus(l, pl.Status)}
		if pl.Draw != nil {
			for _, as := range pl.Draw.Assignments {
				if as.Outcome == nil {
					row.Pending++
				}
			}
			objs, _ := inspect.Overdue(pl, s.Now(), s.Cal)
			row.Overdue = len(objs)
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

func (s *Server) handleInspections(w http.ResponseWriter, r *http.Request) error {
	sess, err := requirePosts(r, inspOutcomePosts)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	p, err := s.inspList(r, v.L, sess.actor)
	if err != nil {
		return err
	}
	v.Title, v.Data = v.L.T("insp_title"), p
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.L.pick([2]string{"已保存", "Saved"})
	}
	s.render(w, r, http.StatusOK, "inspections", v)
	return nil
}

// planInputOf reads the new-plan form: the numbers and the three lists as
// pasted CSV lines (inspect.ParseObjects …).
func planInputOf(f url.Values) (inspect.PlanInput, error) {
	in := inspect.PlanInput{Name: f.Get("name"), Period: f.Get("period"), District: strings.TrimSpace(f.Get("district"))}
	bad := errs.Invalid("抽查计划有误 / the inspection plan is not valid")
	num := func(k string, dst *int) {
		v := strings.TrimSpace(f.Get(k))
		if v == "" {
			return
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			bad.WithField(k, "须为整数 / a whole number")
			return
		}
		*dst = n
	}
	num("count", &in.Count)
	num("per_object", &in.PerObject)
	num("result_days", &in.ResultDays)
	if len(bad.Fields) > 0 {
		return in, bad
	}
	var err error
	if in.Objects, err = inspect.ParseObjects(f.Get("objects")); err != nil {
		return in, err
	}
	if in.Inspectors, err = inspect.ParseInspectors(f.Get("inspectors")); err != nil {
		return in, err
	}
	if in.Conflicts, err = inspect.ParseConflicts(f.Get("conflicts")); err != nil {
		return in, err
	}
	return in, nil
}

func (s *Server) handleInspectionCreate(w http.ResponseWriter, r *http.Request) error {
	sess, err := requirePosts(r, inspDrawPosts)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	in, err := planInputOf(r.PostForm)
	var p *inspect.Plan
	if err == nil {
		p, err = s.Inspections.CreatePlan(r.Context(), sess.actor, in)
	}
	if err != nil {
		e, ok := errs.As(err)
		if !ok || e.Kind == errs.KindInternal {
			return err
		}
		v := s.view(w, r, "console")
		lp, lerr := s.inspList(r, v.L, sess.actor)
		if lerr != nil {
			return err
		}
		lp.Form = r.PostForm
		v.Title, v.Data, v.Error = v.L.T("insp_title"), lp, errorText(e)
		s.render(w, r, statusOf(err), "inspections", v)
		return nil
	}
	if err := s.audit(r, sess.actor.ID, "inspection.create", "inspection/"+p.ID, map[string]any{"name": p.Name, "period": p.Period,
		"count": p.Count, "objects": len(p.Objects), "inspectors": len(p.Inspectors), "conflicts": len(p.Conflicts), "plan_hash": p.Hash(), "via": "web"}); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/inspections/"+p.ID+"?done=create", http.StatusSeeOther)
	return nil
}

// inspPlanPage is one plan on the console: lists masked (Plan.Masked).
type inspPlanPage struct {
	P          *inspect.Plan
	Status     string
	Hash       string
	CanDraw    bool
	CanRecord  bool
	Outcomes   []option
	Now        string
	Overdue    map[string]bool
	DueBy      time.Time
	Conflicted int
}

func (s *Server) handleInspection(w http.ResponseWriter, r *http.Request) error {
	sess, err := requirePosts(r, inspOutcomePosts)
	if err != nil {
		return err
	}
	return s.renderInspection(w, r, sess, r.PathValue("id"), nil)
}

// renderInspection shows one plan; failed, when set, is a refused step or
// outcome, shown on the page with its status so the form can be fixed.
func (s *Server) renderInspection(w http.ResponseWriter, r *http.Request, sess *session, id string, failed error) error {
	pl, err := s.Inspections.FindPlan(r.Context(), id)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	// The form's time is rounded up to the minute: an inspection entered
	// right after the draw would otherwise read as before it.
	p := &inspPlanPage{P: pl.Masked(), Status: s.inspStatus(v.L, pl.Status), Hash: pl.Hash(), CanDraw: holds(sess.actor, inspDrawPosts),
		CanRecord: pl.Status == inspect.StatusDrawn, Now: s.Now().Add(59 * time.Second).In(s.Cal.Location()).Format("2006-01-02T15:04"), Overdue: map[string]bool{},
		Conflicted: len(pl.Conflicts)}
	for _, k := range inspect.Outcomes {
		p.Outcomes = append(p.Outcomes, option{Value: string(k), Label: inspect.OutcomeName(k)})
	}
	objs, by := inspect.Overdue(pl, s.Now(), s.Cal)
	for _, o := range objs {
		p.Overdue[o.ID] = true
	}
	p.DueBy = by
	v.Title, v.Data = pl.Name, p
	status := http.StatusOK
	if failed != nil {
		e, ok := errs.As(failed)
		if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindNotFound || e.Kind == errs.KindUnauthenticated {
			return failed
		}
		v.Error, status = errorText(e), statusOf(failed)
	}
	switch r.URL.Query().Get("done") {
	case "":
	case "commit":
		v.Flash = v.L.pick([2]string{"已公布承诺，计划已冻结", "Committed: the plan is frozen"})
	case "draw":
		v.Flash = v.L.pick([2]string{"已公开种子并抽取", "The seed is revealed and the draw made"})
	case "outcome":
		v.Flash = v.L.pick([2]string{"检查结果已登记并公开", "The outcome is recorded and public"})
	default:
		v.Flash = v.L.pick([2]string{"已保存", "Saved"})
	}
	s.render(w, r, status, "inspections", v)
	return nil
}

// handleInspectionStep commits or draws, as the path says.
func (s *Server) handleInspectionStep(w http.ResponseWriter, r *http.Request) error {
	sess, err := requirePosts(r, inspDrawPosts)
	if err != nil {
		return err
	}
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	id := r.PathValue("id")
	step := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	var p *inspect.Plan
	var detail map[string]any
	if step == "commit" {
		if p, err = s.Inspections.Commit(r.Context(), sess.actor, id); err == nil {
			detail = map[string]any{"plan_hash": p.Commitment.PlanHash, "commitment": p.Commitment.SeedHash, "via": "web"}
		}
	} else {
		if p, err = s.Inspections.Draw(r.Context(), sess.actor, id); err == nil {
			detail = map[string]any{"plan_hash": p.Draw.PlanHash, "seed": p.Draw.Seed, "objects": len(p.Draw.Assignments), "via": "web"}
		}
	}
	if err != nil {
		return s.renderInspection(w, r, sess, id, err)
	}
	if err := s.audit(r, sess.actor.ID, "inspection."+step, "inspection/"+p.ID, detail); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/inspections/"+p.ID+"?done="+step, http.StatusSeeOther)
	return nil
}

func (s *Server) handleInspectionOutcome(w http.ResponseWriter, r *http.Request) error {
	sess, err := requirePosts(r, inspOutcomePosts)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	f := r.PostForm
	in := inspect.OutcomeInput{Object: f.Get("object_id"), Kind: inspect.OutcomeKind(f.Get("outcome")), Note: f.Get("note")}
	if v := strings.TrimSpace(f.Get("inspected_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, s.Cal.Location())
		if err != nil {
			return s.renderInspection(w, r, sess, id,
				errs.Invalid("检查时间格式为 2026-01-02T09:30 / a date and time such as 2026-01-02T09:30").WithField("inspected_at", "invalid"))
		}
		in.InspectedAt = t.UTC()
	}
	o, err := s.Inspections.RecordOutcome(r.Context(), sess.actor, id, in)
	if err != nil {
		return s.renderInspection(w, r, sess, id, err)
	}
	if err := s.audit(r, sess.actor.ID, "inspection.outcome", "inspection/"+id+"/"+o.Object,
		map[string]any{"outcome": o.Kind, "inspected_at": o.InspectedAt, "publish_by": o.PublishBy, "via": "web"}); err != nil {
		return err
	}
	http.Redirect(w, r, "/console/inspections/"+id+"?done=outcome#obj-"+url.PathEscape(o.Object), http.StatusSeeOther)
	return nil
}

// --- the public page ---

type citizenInspPage struct {
	Plans      []inspect.PublicPlan
	Total      int
	Prev, Next string
}

func (s *Server) handleCitizenInspections(w http.ResponseWriter, r *http.Request) error {
	const per = 10
	page := 0
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10_000 {
			return errs.Invalid("page 须为非负整数 / page must be a whole number ≥ 0").WithField("page", "≥ 0")
		}
		page = n
	}
	list, total, err := s.Inspections.Public(r.Context(), per, page*per)
	if err != nil {
		return err
	}
	v := s.view(w, r, "citizen")
	p := &citizenInspPage{Plans: list, Total: total}
	if page > 0 {
		p.Prev = "/citizen/inspections?page=" + strconv.Itoa(page-1)
	}
	if (page+1)*per < total {
		p.Next = "/citizen/inspections?page=" + strconv.Itoa(page+1)
	}
	v.Title, v.Data = v.L.T("insp_public_title"), p
	s.render(w, r, http.StatusOK, "citizeninsp", v)
	return nil
}
