package web

import (
	"context"
	"io"
	"net/http"
	"sort"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/jobs"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

type adminPage struct {
	Levels []struct {
		Name  string
		Count int
	}
	SubClasses  []catalog.SubClass
	Departments []catalog.Department
	Rules       []catalog.Rule
	Days        []worktime.Day
	Accounts    []*org.Account
	Problems    []org.ImportProblem
	Plan        *org.ImportPlan
	Month       string
	// Posts are the posts an administrator may give, for the account form.
	Posts []org.Post
	Me    string
	// SubForm is the dictionary form; SubErrors its field errors by name.
	SubForm   *subClassForm
	SubErrors map[string]string
	// Jobs is the background work, as GET /api/v1/jobs lists it; JobsErr
	// says why it could not be read (the rest of the page still shows).
	Jobs    []jobRow
	JobsErr string
}

// JobList lists the background jobs and leased workers; *jobs.Runner
// implements it (the same list as GET /api/v1/jobs).
type JobList interface {
	Status(ctx context.Context) ([]jobs.Status, error)
}

// jobRow is one job or lease on the admin page, its times in the city's
// time zone.
type jobRow struct {
	Name, Schedule, Holder, Since    string
	LastRun, LastDuration, LastError string
	LastNode, NextRun                string
	Lease                            bool
}

// jobRows formats the job list for the page.
func jobRows(st []jobs.Status, loc *time.Location) []jobRow {
	at := func(t *time.Time) string {
		if t == nil || t.IsZero() {
			return ""
		}
		return t.In(loc).Format("2006-01-02 15:04:05")
	}
	out := make([]jobRow, 0, len(st))
	for _, j := range st {
		r := jobRow{Name: j.Name, Schedule: j.Description, Holder: j.Holder, LastError: j.LastError, Lease: j.Kind == jobs.KindLease}
		if r.Schedule == "" {
			r.Schedule = j.Schedule
		}
		r.LastNode = j.LastNode
		r.Since = at(j.HeldSince)
		next := j.NextRunAt
		r.NextRun = at(&next)
		if j.LastStartedAt != nil {
			r.LastRun = at(j.LastStartedAt)
			r.LastDuration = j.LastDuration.Round(time.Millisecond).String()
		}
		out = append(out, r)
	}
	return out
}

func (s *Server) requireAdmin(r *http.Request) (*session, error) {
	sess, err := requireActor(r)
	if err != nil {
		return nil, err
	}
	if _, ok := sess.actor.Grant(org.PostAdmin); !ok {
		return nil, errs.Forbidden("系统管理需要系统管理员岗位 / administration needs the admin post")
	}
	return sess, nil
}

func (s *Server) loadAdmin(r *http.Request) (*adminPage, error) {
	at := s.World.Atlas()
	p := &adminPage{}
	for _, l := range []org.Level{org.LevelCity, org.LevelDistrict, org.LevelStreet, org.LevelCommunity, org.LevelGrid} {
		p.Levels = append(p.Levels, struct {
			Name  string
			Count int
		}{l.Zh() + " " + l.String(), len(at.Regions(l))})
	}
	d := s.World.Dict()
	now := s.Now()
	p.SubClasses = d.SubClasses(now)
	p.Departments = d.Departments()
	p.Rules = d.Rules()
	loc := s.Cal.Location()
	n := now.In(loc)
	from := time.Date(n.Year(), n.Month(), 1, 0, 0, 0, 0, loc)
	p.Month = from.Format("2006-01")
	p.Days = s.Cal.Days(from, from.AddDate(0, 1, -1))
	accs, err := s.Accounts.FindAccounts(r.Context())
	if err != nil {
		return nil, err
	}
	sort.Slice(accs, func(i, j int) bool { return accs[i].Username < accs[j].Username })
	p.Accounts = accs
	for _, post := range []org.Post{org.PostSupervisor, org.PostGridMember, org.PostOperator, org.PostShiftLead,
		org.PostDispatcher, org.PostHandler, org.PostEnforcer, org.PostStreetHead, org.PostLeader, org.PostAdmin,
		org.PostAuditor} {
		p.Posts = append(p.Posts, post)
	}
	if sess, ok := sessionFrom(r.Context()); ok {
		p.Me = sess.actor.ID
	}
	p.SubForm = s.subClassEditForm(r)
	if s.Jobs != nil {
		st, err := s.Jobs.Status(r.Context())
		if err != nil {
			s.Log.Warn("admin page: list jobs", "err", err)
			p.JobsErr = "后台任务列表暂时无法读取 / the job list could not be read"
		}
		p.Jobs = jobRows(st, loc)
	}
	return p, nil
}

func (s *Server) handleAdmin(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.requireAdmin(r); err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("admin")
	p, err := s.loadAdmin(r)
	if err != nil {
		return err
	}
	v.Data = p
	if r.URL.Query().Get("done") != "" {
		v.Flash = v.L.T("saved")
	}
	s.render(w, r, http.StatusOK, "admin", v)
	return nil
}

// handleAdminRegionImport imports a GeoJSON file of regions and shows the
// plan, or every problem found (nothing is imported then).
func (s *Server) handleAdminRegionImport(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.requireAdmin(r)
	if err != nil {
		return err
	}
	data, dry, err := s.readImportFile(w, r)
	if err != nil {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("admin")
	var plan org.ImportPlan
	var ierr error
	if dry {
		plan, ierr = s.World.PreviewRegions(r.Context(), data)
	} else {
		plan, ierr = s.World.ImportRegions(r.Context(), sess.actor, data)
	}
	p, err := s.loadAdmin(r)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if ierr != nil {
		e, ok := errs.As(ierr)
		if !ok || e.Kind == errs.KindInternal {
			return ierr
		}
		v.Error = e.Message
		if probs, ok := e.Details["problems"].([]org.ImportProblem); ok {
			p.Problems = probs
		}
		status = statusOf(ierr)
	} else {
		p.Plan = &plan
		v.Flash = v.L.T("import_preview")
		if !dry {
			_ = s.audit(r, sess.actor.ID, "regions.import", "regions", map[string]any{"added": plan.Added, "changed": plan.Changed, "repaired": len(plan.Repairs)})
			v.Flash = v.L.T("import_ok")
		}
	}
	v.Data = p
	s.render(w, r, status, "admin", v)
	return nil
}

// maxImport bounds the region file, as the API does.
const maxImport = 64 << 20

// readImportFile checks the import form's CSRF token and then reads its
// "file" part straight into memory: nothing of it is spooled to disk. dry
// is the "dry_run" checkbox, which the form puts before the file.
func (s *Server) readImportFile(w http.ResponseWriter, r *http.Request) (data []byte, dry bool, err error) {
	limit := int64(maxImport + 1<<20)
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	chooseFile := errs.Invalid("请选择要导入的区划文件（GeoJSON、Shapefile 压缩包或 GeoPackage） / choose a regions file to import (GeoJSON, zipped Shapefile or GeoPackage)").WithField("file", "required")
	if !isMultipart(r) {
		if err := r.ParseForm(); err != nil {
			return nil, false, formError(err, limit)
		}
		if err := s.checkCSRF(r); err != nil {
			return nil, false, err
		}
		return nil, false, chooseFile
	}
	mr, _, err := s.multipartAfterCSRF(r)
	if err != nil {
		return nil, false, err
	}
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			return nil, false, chooseFile
		}
		if err != nil {
			return nil, false, formError(err, limit)
		}
		if p.FormName() == "dry_run" {
			dry = true
			continue
		}
		if p.FormName() != "file" {
			continue // NextPart skips the rest of this part
		}
		data, err = io.ReadAll(io.LimitReader(p, maxImport+1))
		if err != nil {
			return nil, false, formError(err, limit)
		}
		if len(data) > maxImport {
			return nil, false, errs.E(errs.KindTooLarge, "区划文件超过 %d MiB，请拆分后分批导入 / the regions file is larger than %d MiB; split it", maxImport>>20, maxImport>>20)
		}
		if len(data) == 0 {
			return nil, false, chooseFile
		}
		return data, dry, nil
	}
}
