package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
	"cityloop/internal/photo"
	"cityloop/internal/worktime"
)

// queueDef is one queue on a workbench.
type queueDef struct {
	Key      string
	Title    [2]string
	Statuses []casework.Status
	Dept     string // only this department's cases
	Region   string // only cases in this region subtree
	Dups     bool   // look up duplicate suggestions (intake)
}

// queuesFor lists the queues of every post the actor holds, in loop order.
func queuesFor(a org.Actor) []queueDef {
	var qs []queueDef
	if _, ok := a.Grant(org.PostOperator); ok {
		qs = append(qs, queueDef{Key: "intake", Title: [2]string{"受理队列（待受理）", "Intake (awaiting acceptance)"}, Statuses: []casework.Status{casework.StatusPendingAccept}, Dups: true},
			queueDef{Key: "verify-wait", Title: [2]string{"待核实", "Awaiting verification"}, Statuses: []casework.Status{casework.StatusPendingVerify}})
	}
	for _, p := range []org.Post{org.PostSupervisor, org.PostGridMember} {
		if g, ok := a.Grant(p); ok {
			qs = append(qs, queueDef{Key: "verify", Title: [2]string{"核实任务", "To verify"}, Statuses: []casework.Status{casework.StatusPendingVerify}, Region: g.Region},
				queueDef{Key: "check", Title: [2]string{"核查任务", "To check"}, Statuses: []casework.Status{casework.StatusPendingCheck}, Region: g.Region})
			break
		}
	}
	if _, ok := a.Grant(org.PostShiftLead); ok {
		qs = append(qs, queueDef{Key: "filing", Title: [2]string{"立案队列", "Filing queue"}, Statuses: []casework.Status{casework.StatusPendingFile}},
			queueDef{Key: "closing", Title: [2]string{"结案队列", "Closing queue"}, Statuses: []casework.Status{casework.StatusPendingClose}})
	}
	if _, ok := a.Grant(org.PostDispatcher); ok {
		qs = append(qs, queueDef{Key: "dispatch", Title: [2]string{"派遣队列", "Dispatch queue"}, Statuses: []casework.Status{casework.StatusPendingDispatch, casework.StatusReturned}})
	}
	if g, ok := a.Grant(org.PostHandler); ok {
		// New dispatches first, in a section of their own, so a handler
		// signs for them before working down the tasks in hand.
		qs = append(qs, queueDef{Key: "sign", Title: [2]string{"待签收", "To sign for"}, Statuses: []casework.Status{casework.StatusDispatched}, Dept: g.Department},
			queueDef{Key: "tasks", Title: [2]string{"处置中", "In disposal"}, Statuses: []casework.Status{casework.StatusInDisposal}, Dept: g.Department})
	}
	for _, p := range []org.Post{org.PostLeader, org.PostStreetHead} {
		if g, ok := a.Grant(p); ok {
			qs = append(qs, queueDef{Key: "red", Title: [2]string{"超时案件（红灯）", "Overdue (red)"}, Statuses: casework.OpenStatuses, Region: g.Region})
			break
		}
	}
	return qs
}

// row is one case in a queue.
type row struct {
	ID, Code, Status, Category, Place, Suggested, Department string
	Reported                                                 time.Time
	Due                                                      *time.Time
	Light                                                    worktime.Light
	LightName                                                string
	Dups                                                     []casework.Duplicate
	Lat, Lng                                                 float64 // the workbench's map panel
}

type queue struct {
	Key, Title string
	Total      int
	Rows       []row
	// Export is the queue's filter as the console's export query
	// (/console/cases/export?…), "" when the exports are not mounted.
	Export string
}

type overview struct {
	Statuses []struct {
		Name  string
		Count int
	}
	Lights map[string]int
}

// queueLimit is how many cases a queue shows, earliest stage deadline first.
const queueLimit = 150

func (s *Server) regionFilter(f *casework.Filter, code string) {
	if code == "" {
		return
	}
	if reg, ok := s.World.Atlas().Region(code); ok {
		f.Region, f.RegionLevel = reg.Code, reg.Level
	}
}

func (s *Server) loadQueue(ctx context.Context, l lang, a org.Actor, d queueDef) (queue, error) {
	now := s.Now()
	q := queue{Key: d.Key, Title: l.pick(d.Title)}
	f := casework.Filter{Statuses: d.Statuses, Department: d.Dept, Now: now, Limit: queueLimit, SortByDue: true}
	s.regionFilter(&f, d.Region)
	if d.Key == "red" {
		f.Light = worktime.Red
	}
	cases, total, err := s.Cases.FindCases(ctx, a, f)
	if err != nil {
		return q, err
	}
	q.Total = total
	if s.API != nil {
		ex := url.Values{}
		var sts []string
		for _, st := range d.Statuses {
			sts = append(sts, string(st))
		}
		ex.Set("status", strings.Join(sts, ","))
		if d.Dept != "" {
			ex.Set("department", d.Dept)
		}
		if d.Region != "" {
			ex.Set("region", d.Region)
		}
		if d.Key == "red" {
			ex.Set("light", string(worktime.Red))
		}
		q.Export = "/console/cases/export?" + ex.Encode()
	}
	for i, c := range cases {
		r := s.rowOf(l, c, now)
		if d.Dups && i < 30 && c.Category != nil {
			r.Dups, _ = s.Cases.Duplicates(ctx, a, c)
		}
		q.Rows = append(q.Rows, r)
	}
	return q, nil
}

func due(c *casework.Case) time.Time {
	if c.StageDue == nil {
		return time.Unix(1<<40, 0)
	}
	return *c.StageDue
}

func (s *Server) rowOf(l lang, c *casework.Case, now time.Time) row {
	lt := c.Light(now)
	r := row{ID: c.ID, Code: c.Code, Status: l.pick(casework.StatusNames[c.Status]), Reported: c.ReportedAt, Due: c.StageDue,
		Light: lt, LightName: lightName(l, lt), Place: s.placeName(c), Category: s.categoryName(l, c), Lat: c.Point.Lat, Lng: c.Point.Lng}
	r.Suggested = s.deptName(l, c.Suggested)
	r.Department = s.deptName(l, c.Department)
	return r
}

func lightName(l lang, lt worktime.Light) string {
	switch lt {
	case worktime.Green, worktime.Yellow, worktime.Red:
		return l.T(string(lt))
	}
	return "—"
}

func (s *Server) categoryName(l lang, c *casework.Case) string {
	if c.Category == nil {
		return "—"
	}
	if sub, ok := s.World.Dict().Lookup(*c.Category, c.ReportedAt); ok {
		return l.pick([2]string{sub.Name.Zh, sub.Name.En})
	}
	return c.Category.String()
}

func (s *Server) deptName(l lang, code string) string {
	if code == "" {
		return ""
	}
	if d, ok := s.World.Dict().Department(code); ok {
		return l.pick([2]string{d.Name.Zh, d.Name.En})
	}
	return code
}

func (s *Server) placeName(c *casework.Case) string {
	if c.Address != "" {
		return c.Address
	}
	at := s.World.Atlas()
	var parts []string
	for _, code := range []string{c.Street, c.Community, c.Grid} {
		if reg, ok := at.Region(code); ok {
			parts = append(parts, reg.Name)
		}
	}
	return strings.Join(parts, " · ")
}

type workbench struct {
	Queues   []queue
	Overview *overview
	Admin    bool
	// Charts is the overview charts' data as JSON (leaders, full page only).
	Charts string
	// Center is the city's centre ("lat,lng") for the map panel.
	Center string
}

func (s *Server) loadWorkbench(ctx context.Context, l lang, a org.Actor) (*workbench, error) {
	defs := queuesFor(a)
	wb := &workbench{Queues: make([]queue, len(defs))}
	_, wb.Admin = a.Grant(org.PostAdmin)
	var wg sync.WaitGroup
	errc := make(chan error, len(defs)+1)
	for i, d := range defs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			q, err := s.loadQueue(ctx, l, a, d)
			if err != nil {
				errc <- err
			}
			wb.Queues[i] = q
		}()
	}
	_, leader := a.Grant(org.PostLeader)
	_, chief := a.Grant(org.PostStreetHead)
	if leader || chief {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ov, err := s.loadOverview(ctx, l, a)
			if err != nil {
				errc <- err
			}
			wb.Overview = ov
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	return wb, nil
}

func (s *Server) loadOverview(ctx context.Context, l lang, a org.Actor) (*overview, error) {
	now := s.Now()
	ov := &overview{Lights: map[string]int{}}
	ov.Statuses = make([]struct {
		Name  string
		Count int
	}, len(casework.Statuses))
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	count := func(f casework.Filter, set func(n int)) {
		defer wg.Done()
		sem <- struct{}{}
		defer func() { <-sem }()
		f.Limit, f.Now = 1, now
		_, n, err := s.Cases.FindCases(ctx, a, f)
		mu.Lock()
		defer mu.Unlock()
		if err != nil && firstErr == nil {
			firstErr = err
		}
		set(n)
	}
	for i, st := range casework.Statuses {
		ov.Statuses[i].Name = l.pick(casework.StatusNames[st])
		wg.Add(1)
		go count(casework.Filter{Statuses: []casework.Status{st}}, func(n int) { ov.Statuses[i].Count = n })
	}
	for _, lt := range []worktime.Light{worktime.Green, worktime.Yellow, worktime.Red} {
		wg.Add(1)
		go count(casework.Filter{Statuses: casework.OpenStatuses, Light: lt}, func(n int) { ov.Lights[string(lt)] = n })
	}
	wg.Wait()
	return ov, firstErr
}

func (s *Server) handleWorkbench(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	if s.landsOnEnforcement(sess.actor) && r.URL.Query().Get("fragment") == "" {
		http.Redirect(w, r, "/console/enforcement", http.StatusSeeOther)
		return nil
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("workbench")
	wb, err := s.loadWorkbench(r.Context(), v.L, sess.actor)
	if err != nil {
		return err
	}
	v.Data = wb
	if c := s.World.Atlas().City(); c != nil {
		ctr := c.Shape.Centroid()
		wb.Center = strconv.FormatFloat(ctr.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(ctr.Lng, 'f', 5, 64)
	}
	if v.Flash == "" {
		v.Flash = batchFlash(v.L, r.URL.Query()) // console_queue.go
	}
	if r.URL.Query().Get("fragment") == "queues" {
		return s.renderFragment(w, "console", "queues", v)
	}
	if wb.Overview != nil {
		if cd, err := s.loadCharts(r.Context(), v.L, sess.actor); err == nil {
			wb.Charts = mustJSON(cd)
		} else if e, ok := errs.As(err); !ok || e.Kind != errs.KindNotFound {
			return err
		}
	}
	s.render(w, r, http.StatusOK, "console", v)
	return nil
}

// --- the case page ---

type eventRow struct {
	At                time.Time
	Action, Post, Who string
	From, To          string
	Note              string
	Photos            []string
	Extra             string
}

type option struct {
	Value, Label string
	Selected     bool
}

// actionForm is one action the actor may take, with the fields it needs.
type actionForm struct {
	Action       string
	Name         string
	Category     bool
	Condition    bool
	Department   bool
	Valid        bool
	Passed       bool
	Photos       bool
	PhotoNeed    bool
	Extra        bool
	Into         bool
	Satisfaction bool
	NoteNeed     bool
}

type casePage struct {
	C                                          *casework.Case
	Status, Category, Source, Dept, Suggested  string
	Grid                                       string
	Light                                      worktime.Light
	LightName                                  string
	Timeline                                   []eventRow
	Actions                                    []actionForm
	Dups                                       []casework.Duplicate
	Departments, Categories, Conditions, Intos []option
	Geo                                        string // JSON: point and grid polygon for the map island

	// CategoryHints are the categories the words suggest, offered as chips
	// beside the category select; the operator taps one or ignores them.
	CategoryHints []suggestion
}

var noteNeeded = map[casework.Action]bool{casework.ActReject: true, casework.ActVoid: true, casework.ActReturn: true,
	casework.ActRejectReturn: true, casework.ActExtend: true, casework.ActDenyExtension: true, casework.ActSuspend: true,
	casework.ActDenySuspension: true, casework.ActDispose: true, casework.ActUrge: true}

func formFor(l lang, a casework.Action) actionForm {
	f := actionForm{Action: string(a), Name: l.pick(casework.ActionNames[a]), NoteNeed: noteNeeded[a]}
	switch a {
	case casework.ActAccept:
		f.Category = true
	case casework.ActFile:
		f.Category, f.Condition = true, true
	case casework.ActDispatch, casework.ActRedispatch:
		f.Department = true
	case casework.ActVerify:
		f.Valid, f.Photos = true, true
	case casework.ActCheck:
		f.Passed, f.Photos = true, true
	case casework.ActDispose, casework.ActSelfHandle:
		f.Photos, f.PhotoNeed = true, true
	case casework.ActExtend:
		f.Extra = true
	case casework.ActMerge:
		f.Into = true
	case casework.ActCallback:
		f.Satisfaction = true
	}
	return f
}

func (s *Server) loadCasePage(r *http.Request, l lang, a org.Actor, id string) (*casePage, error) {
	ctx := r.Context()
	c, tl, err := s.Cases.FindCaseWithTimeline(ctx, a, id)
	if err != nil {
		return nil, err
	}
	if casework.MaskContact(a, c) {
		// The page shows them in clear: record the read first (fail closed).
		if err := s.auditRead(r, a, c.ID); err != nil {
			return nil, err
		}
	}
	now := s.Now()
	p := &casePage{C: c, Status: l.pick(casework.StatusNames[c.Status]), Category: s.categoryName(l, c),
		Source: l.pick(casework.SourceNames[c.Source]), Dept: s.deptName(l, c.Department), Suggested: s.deptName(l, c.Suggested),
		Light: c.Light(now)}
	p.LightName = lightName(l, p.Light)
	at := s.World.Atlas()
	geoDoc := map[string]any{"point": []float64{c.Point.Lat, c.Point.Lng}}
	if g, ok := at.Region(c.Grid); ok {
		p.Grid = g.Name
		geoDoc["grid"] = g.Shape
	}
	p.Geo = mustJSON(geoDoc)
	for _, e := range tl {
		er := eventRow{At: e.At, Action: l.pick(casework.ActionNames[e.Action]), Post: l.pick(org.PostNames[e.Post]), Who: e.Name,
			To: l.pick(casework.StatusNames[e.To]), Note: e.Note, Photos: e.Photos}
		if e.From != "" {
			er.From = l.pick(casework.StatusNames[e.From])
		}
		er.Extra = s.eventExtra(l, e)
		p.Timeline = append(p.Timeline, er)
	}
	for _, act := range casework.Allowed(c, a) {
		p.Actions = append(p.Actions, formFor(l, act))
	}
	if len(p.Actions) > 0 {
		p.Departments = s.deptOptions(l, c.Suggested)
		p.Categories = s.categoryOptions(l, "", true)
		for _, h := range s.suggestCategories(l, c.Description, s.Now()) {
			if c.Category == nil || h.Ref != c.Category.String() {
				p.CategoryHints = append(p.CategoryHints, h)
			}
		}
		p.Conditions = s.conditionOptions(l, c) // console_queue.go
	}
	if slicesContains(casework.Allowed(c, a), casework.ActMerge) || c.Status == casework.StatusPendingAccept {
		p.Dups, _ = s.Cases.Duplicates(ctx, a, c)
		for _, d := range p.Dups {
			p.Intos = append(p.Intos, option{Value: d.ID, Label: fmt.Sprintf("%s (%s, %.0f m)", d.Code, l.pick(casework.StatusNames[d.Status]), d.DistanceM)})
		}
	}
	return p, nil
}

func (s *Server) eventExtra(l lang, e casework.Event) string {
	var parts []string
	if d, ok := e.Data["department"].(string); ok && d != "" && (e.Action == casework.ActDispatch || e.Action == casework.ActRedispatch) {
		parts = append(parts, l.T("department")+": "+s.deptName(l, d))
	}
	if v, ok := e.Data["satisfaction"].(string); ok {
		parts = append(parts, l.T("satisfaction")+": "+l.T(v))
	}
	if v, ok := e.Data["passed"].(bool); ok {
		parts = append(parts, l.T("passed")+": "+yesNo(l, v))
	}
	if v, ok := e.Data["valid"].(bool); ok {
		parts = append(parts, l.T("valid")+": "+yesNo(l, v))
	}
	return strings.Join(parts, "；")
}

func yesNo(l lang, b bool) string {
	if b {
		return l.T("yes")
	}
	return l.T("no")
}

func slicesContains(as []casework.Action, a casework.Action) bool {
	for _, x := range as {
		if x == a {
			return true
		}
	}
	return false
}

func (s *Server) deptOptions(l lang, selected string) []option {
	var out []option
	for _, d := range s.World.Dict().Departments() {
		out = append(out, option{Value: d.Code, Label: l.pick([2]string{d.Name.Zh, d.Name.En}), Selected: d.Code == selected})
	}
	return out
}

func (s *Server) categoryOptions(l lang, selected string, blank bool) []option {
	var out []option
	if blank {
		out = append(out, option{Value: "", Label: l.T("keep_category")})
	}
	for _, sc := range s.World.Dict().SubClasses(s.Now()) {
		ref := sc.Ref.String()
		out = append(out, option{Value: ref, Label: sc.Ref.Kind.Zh() + " " + sc.Ref.Code + " " + l.pick([2]string{sc.Name.Zh, sc.Name.En}), Selected: ref == selected})
	}
	return out
}

// auditRead records that a saw the reporter's phone and name of a case in
// clear, as the API does ("pii.read"); the page must not show them unless
// this succeeds.
func (s *Server) auditRead(r *http.Request, a org.Actor, caseID string) error {
	if err := s.audit(r, a.ID, "pii.read", "cases", map[string]any{"cases": []string{caseID},
		"fields": []string{"reporter_name", "reporter_phone"}}); err != nil {
		return fmt.Errorf("audit personal data read: %w", err)
	}
	return nil
}

// auditActs records each step of an action taken on the pages, as the API
// records its own ("case.<action>" on case/<id>), so that one search of the
// audit trail finds both.
func (s *Server) auditActs(r *http.Request, c *casework.Case, events []casework.Event) {
	for _, ev := range events {
		_ = s.audit(r, ev.Actor, "case."+string(ev.Action), "case/"+c.ID,
			map[string]any{"code": c.Code, "from": ev.From, "to": ev.To, "post": ev.Post})
	}
}

func (s *Server) handleCasePage(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	p, err := s.loadCasePage(r, v.L, sess.actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	v.Title = p.C.Code
	v.Data = p
	if d := r.URL.Query().Get("done"); d != "" {
		v.Flash = v.L.T("done") + "：" + v.L.pick(casework.ActionNames[casework.Action(d)])
	}
	s.render(w, r, http.StatusOK, "case", v)
	return nil
}

// savePhotos stores the uploaded files of a multipart field and returns their ids.
func (s *Server) savePhotos(r *http.Request, field, by string) ([]string, error) {
	files, err := s.formPhotos(r, field)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, f := range files {
		// Only the re-encoded pixels are kept: no EXIF (GPS, phone
		// numbers), no data appended behind the image (package photo).
		clean, mt, err := photo.Sanitize(f.data, f.contentType)
		if err != nil {
			return nil, err
		}
		id, err := s.Blobs.Put(r.Context(), clean)
		if err != nil {
			return nil, err
		}
		if err := s.Photos.RecordPhoto(r.Context(), id, mt, len(clean), by, s.Now()); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// Forms are read only after the CSRF check, so that a refused post never
// reaches the disk. mime/multipart spools file parts beyond formMemory to
// temporary files, and net/http deletes them only for the request it made,
// not for the copies that middleware hands on (every request here is one):
// whoever reads a form must delete them, whatever happens next.
const (
	// formMemory is how many bytes of files a form keeps in memory; the
	// rest waits in temporary files until the handler returns.
	formMemory = 8 << 20
	// preTokenBytes bounds the plain fields a multipart form may send before
	// its CSRF token.
	preTokenBytes = 64 << 10
)

func isMultipart(r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// formError turns a failed form read into a message a person can act on.
func formError(err error, limit int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) || errors.Is(err, multipart.ErrMessageTooLarge) {
		return errs.E(errs.KindTooLarge, "上传内容过大（整个表单最多 %d MiB），请少选几张照片后重试 / the upload is too large (at most %d MiB for the whole form); send fewer photos and try again",
			limit>>20, limit>>20)
	}
	return errs.Invalid("无法读取表单，请重新提交 / cannot read the form; send it again (%s)", err.Error())
}

// readForm checks the request's CSRF token, and only then reads its form
// (urlencoded, or multipart with up to nine photos) into r.Form and
// r.MultipartForm. The caller must defer the returned cleanup, which is
// never nil: it deletes the files the form spooled to disk.
func (s *Server) readForm(w http.ResponseWriter, r *http.Request) (cleanup func(), err error) {
	limit := 9*s.MaxPhoto + 1<<20
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	if !isMultipart(r) {
		if err := r.ParseForm(); err != nil {
			return func() {}, formError(err, limit)
		}
		return func() {}, s.checkCSRF(r)
	}
	mr, early, err := s.multipartAfterCSRF(r)
	if err != nil {
		return func() {}, err
	}
	form, err := mr.ReadForm(formMemory) // deletes its own files when it fails
	if err != nil {
		return func() {}, formError(err, limit)
	}
	r.MultipartForm = form
	post := url.Values{}
	for k, vs := range early {
		post[k] = append(post[k], vs...)
	}
	for k, vs := range form.Value {
		post[k] = append(post[k], vs...)
	}
	form.Value = post
	r.PostForm = post
	r.Form = url.Values{}
	for k, vs := range post {
		r.Form[k] = append([]string(nil), vs...)
	}
	for k, vs := range r.URL.Query() {
		r.Form[k] = append(r.Form[k], vs...)
	}
	cleanup = func() { _ = form.RemoveAll() }
	if err := checkFormText(post); err != nil {
		cleanup()
		return func() {}, err
	}
	return cleanup, nil
}

// checkFormText refuses a form field that is not storable text (a NUL
// byte, invalid UTF-8, a control character other than tab and line
// breaks; see errs.TextProblem), naming the field, before any of it
// reaches a store: PostgreSQL would answer such text with a 500.
func checkFormText(form url.Values) error {
	bad := errs.Invalid("表单内容含有无法保存的字符 / the form holds characters that cannot be stored")
	for k, vs := range form {
		for _, v := range vs {
			bad.CheckText(true, k, v)
		}
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

// multipartAfterCSRF checks the CSRF token of a multipart post before any
// file in it is read. The token comes from the X-CSRF-Token header (the
// field app) or from a _csrf field sent before the first file (every form
// on our pages has it first). It returns the reader, positioned after the
// token, and the plain fields that came before it. A refused post is read
// to its end and discarded (bounded by r.Body's limit, in memory only), so
// that the browser sees the refusal rather than a reset connection.
func (s *Server) multipartAfterCSRF(r *http.Request) (*multipart.Reader, url.Values, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, nil, errs.Invalid("无法读取表单，请重新提交 / cannot read the form; send it again (%s)", err.Error())
	}
	early := url.Values{}
	tok, found := r.Header.Get("X-CSRF-Token"), r.Header.Get("X-CSRF-Token") != ""
	budget := int64(preTokenBytes)
	for !found {
		p, err := mr.NextPart()
		if err != nil {
			break // the end, or a broken body: either way there is no token
		}
		if p.FileName() != "" {
			break // a file before the token
		}
		b, err := io.ReadAll(io.LimitReader(p, budget+1))
		budget -= int64(len(b))
		if err != nil || budget < 0 {
			break
		}
		if p.FormName() == "_csrf" {
			tok, found = string(b), true
		} else {
			early.Add(p.FormName(), string(b))
		}
	}
	if !found {
		_, _ = io.Copy(io.Discard, r.Body)
		return nil, nil, errs.Forbidden("表单缺少校验码，请刷新页面后重试 / the form carries no CSRF token before its files; reload the page and try again (send the _csrf field before any file, or the X-CSRF-Token header)")
	}
	// checkCSRF reads the header before the form: give it a copy that holds
	// the token in both and has no body, so it can never parse (and spool)
	// the form itself.
	c := r.WithContext(r.Context())
	c.Header = r.Header.Clone()
	c.Header.Set("X-CSRF-Token", tok)
	c.Body = http.NoBody
	c.Form, c.PostForm = url.Values{"_csrf": {tok}}, url.Values{"_csrf": {tok}}
	if err := s.checkCSRF(c); err != nil {
		_, _ = io.Copy(io.Discard, r.Body)
		return nil, nil, err
	}
	return mr, early, nil
}

func (s *Server) commandFrom(r *http.Request, a org.Actor) (casework.Command, error) {
	f := r.Form
	cmd := casework.Command{Action: casework.Action(f.Get("action")), Actor: a, Note: strings.TrimSpace(f.Get("note")),
		Department: f.Get("department"), Into: f.Get("into"), Satisfaction: f.Get("satisfaction")}
	if len([]rune(cmd.Note)) > 2000 {
		return cmd, errs.Invalid("说明最多 2000 字 / the note is longer than 2000 characters").WithField("note", "too long")
	}
	if v := f.Get("category"); v != "" {
		ref, err := catalog.ParseRef(v)
		if err != nil {
			return cmd, err
		}
		cmd.Category = &ref
	}
	if v := f.Get("condition"); v != "" && cmd.Action == casework.ActFile {
		n, err := strconv.Atoi(v)
		if err != nil {
			return cmd, errs.Invalid("condition must be a number").WithField("condition", "invalid")
		}
		cmd.Condition = n
	}
	boolField := func(name string) *bool {
		switch f.Get(name) {
		case "true":
			b := true
			return &b
		case "false":
			b := false
			return &b
		}
		return nil
	}
	cmd.Valid, cmd.Passed = boolField("valid"), boolField("passed")
	if v := f.Get("extra_amount"); v != "" {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n <= 0 {
			return cmd, errs.Invalid("延长时限须为正数 / the extra time must be a positive number").WithField("extra", "invalid")
		}
		cmd.Extra = &worktime.Limit{Amount: n, Unit: worktime.Unit(f.Get("extra_unit"))}
	}
	return cmd, nil
}

func (s *Server) handleCaseAct(w http.ResponseWriter, r *http.Request) error {
	return s.postAction(w, r, actionPage{shell: "console", template: "case",
		load: func(r *http.Request, l lang, a org.Actor, id string) (string, any, error) {
			p, err := s.loadCasePage(r, l, a, id)
			if err != nil {
				return "", nil, err
			}
			return p.C.Code, p, nil
		},
		next: func(r *http.Request, c *casework.Case, cmd casework.Command) string {
			if r.Form.Get("back") == "field" {
				return "/field?done=" + string(cmd.Action)
			}
			return "/console/cases/" + c.ID + "?done=" + string(cmd.Action)
		}})
}

// actionPage is a page a case action is posted from (the console's case
// page, the field app's): how it shows the case again with a refusal, and
// where the person goes after the action.
type actionPage struct {
	shell, template string
	load            func(r *http.Request, l lang, a org.Actor, id string) (title string, data any, err error)
	next            func(r *http.Request, c *casework.Case, cmd casework.Command) string
}

// postAction reads the posted form of a case page and takes its action.
// A refusal the person can fix shows the page again with the message.
func (s *Server) postAction(w http.ResponseWriter, r *http.Request, pg actionPage) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	c, cmd, err := s.actFromForm(r, sess.actor, id)
	if err != nil {
		e, ok := asShowable(err)
		if !ok {
			return err
		}
		v := s.view(w, r, pg.shell)
		title, data, lerr := pg.load(r, v.L, sess.actor, id)
		if lerr != nil {
			return err
		}
		v.Title, v.Data, v.Error = title, data, errorText(e)
		s.render(w, r, statusOf(err), pg.template, v)
		return nil
	}
	http.Redirect(w, r, pg.next(r, c, cmd), http.StatusSeeOther)
	return nil
}

// actFromForm takes the action a case page's form (console or field app)
// asks for, with its photos, and records it on the audit trail and the
// live queues. The form must already be read (readForm).
func (s *Server) actFromForm(r *http.Request, a org.Actor, id string) (*casework.Case, casework.Command, error) {
	cmd, err := s.commandFrom(r, a)
	if err == nil {
		if cmd.Action == casework.ActOverdue || cmd.Action == casework.ActReport || cmd.Action == casework.ActRate {
			err = errs.Invalid("%q is not requested from the console", cmd.Action)
		}
	}
	if err == nil {
		cmd.Photos, err = s.savePhotos(r, "photos", a.ID)
	}
	if err == nil {
		if v := r.Form.Get("version"); v != "" {
			cur, ferr := s.Cases.FindCase(r.Context(), a, id)
			if ferr != nil {
				return nil, cmd, ferr
			}
			if strconv.Itoa(cur.Version) != v {
				err = errs.Conflict("案件 %s 已被他人更新，请查看最新状态 / case %s was changed by someone else; see its current state", cur.Code, cur.Code)
			}
		}
	}
	var c *casework.Case
	var events []casework.Event
	if err == nil {
		c, events, err = s.Cases.Act(r.Context(), id, cmd)
	}
	if err != nil {
		return nil, cmd, err
	}
	s.auditActs(r, c, events)
	s.broker.publishCase(c.Code, c)
	return c, cmd, nil
}

func errorText(e *errs.Error) string {
	msg := e.Message
	for _, f := range e.Fields {
		msg += "（" + f.Field + "：" + f.Message + "）"
	}
	return msg
}

func statusOf(err error) int {
	e, ok := errs.As(err)
	if !ok {
		return http.StatusInternalServerError
	}
	switch e.Kind {
	case errs.KindInvalid:
		return http.StatusBadRequest
	case errs.KindConflict:
		return http.StatusConflict
	case errs.KindForbidden:
		return http.StatusForbidden
	case errs.KindUnprocessable:
		return http.StatusUnprocessableEntity
	case errs.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case errs.KindUnsupported:
		return http.StatusUnsupportedMediaType
	}
	return http.StatusBadRequest
}

func (s *Server) handleCaseByCode(w http.ResponseWriter, r *http.Request) error {
	sess, err := requireActor(r)
	if err != nil {
		return err
	}
	c, err := s.Cases.FindCaseByCode(r.Context(), sess.actor, r.PathValue("code"))
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/console/cases/"+c.ID, http.StatusSeeOther)
	return nil
}
