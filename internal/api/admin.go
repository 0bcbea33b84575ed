package api

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/audit"
	"cityloop/internal/auth"
	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
	"cityloop/internal/photo"
)

type tokenRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if err := httpkit.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	req.Username = org.NormalizeUsername(req.Username)
	if req.Username == "" || req.Password == "" {
		return errs.Invalid("username and password are required").WithField("username", "required")
	}
	// One throttle for the API and the web sign-in, keyed by account and
	// address (see auth.Throttle): guessing from one place locks only that
	// place, guessing from many places locks the account.
	addr := httpkit.ClientAddr(r)
	if ok, wait := s.Throttle.Allow(req.Username, addr); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "登录失败次数过多，请 %d 秒后再试 / too many failed sign-ins; try again in %d seconds", int(wait.Seconds())+1, int(wait.Seconds())+1)
	}
	fail := func() error {
		s.Throttle.Fail(req.Username, addr)
		_ = s.audit(r, "", "auth.sign_in_failed", "account/"+req.Username, map[string]any{"via": "api"})
		return errs.Unauthenticated("wrong username or password")
	}
	acc, err := s.Accounts.FindAccountByUsername(r.Context(), req.Username)
	if errs.Is(err, errs.KindNotFound) {
		auth.DummyVerify(req.Password) // same time as a real check: no username probing
		return fail()
	}
	if err != nil {
		return err
	}
	ok, _, err := auth.VerifyPassword(req.Password, acc.PasswordHash)
	if err != nil || !ok || acc.Disabled {
		return fail()
	}
	s.Throttle.Succeed(req.Username, addr)
	tok, hash, err := auth.NewToken("clt_")
	if err != nil {
		return err
	}
	now := s.Now()
	ttl := s.TokenTTL
	if ttl == 0 {
		ttl = 12 * time.Hour
	}
	if err := s.Accounts.CreateToken(r.Context(), org.Token{Hash: hash, AccountID: acc.ID, CreatedAt: now, ExpiresAt: now.Add(ttl)}); err != nil {
		return err
	}
	_ = s.Accounts.TouchLogin(r.Context(), acc.ID, now)
	if err := s.audit(r, acc.ID, "auth.sign_in", "account/"+acc.ID, map[string]any{"username": acc.Username, "via": "api"}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"token": tok, "token_type": "Bearer",
		"expires_at": now.Add(ttl), "account": acc})
}

func (s *Server) handleRevoke(w http.ResponseWriter, r *http.Request) error {
	tok, err := auth.ParseBearer(r.Header.Get("Authorization"))
	if err != nil {
		return errs.Unauthenticated("send the token to revoke as Authorization: Bearer <token>")
	}
	s.tokens.forget(auth.HashToken(tok))
	if err := s.Accounts.DeleteToken(r.Context(), auth.HashToken(tok)); err != nil && !errs.Is(err, errs.KindNotFound) {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) handleMe(w http.ResponseWriter, r *http.Request) error {
	_, acc, ok, err := s.actor(r)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Unauthenticated("sign in first: POST /api/v1/auth/token")
	}
	return httpkit.WriteJSON(w, http.StatusOK, acc)
}

// --- regions ---

type regionView struct {
	org.Region
	LevelName string `json:"level_name"`
}

func (s *Server) handleRegionList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	a := s.World.Atlas()
	var level org.Level
	if v := q.Get("level"); v != "" {
		l, ok := org.ParseLevel(v)
		if !ok {
			return errs.Invalid("level must be city, district, street, community or grid").WithField("level", "unknown")
		}
		level = l
	}
	geometry := q.Get("geometry") == "true"
	var regs []*org.Region
	if p := q.Get("parent"); p != "" {
		if _, ok := a.Region(p); !ok {
			return errs.NotFound("region %s does not exist", p)
		}
		for _, c := range a.Children(p) {
			reg, _ := a.Region(c)
			regs = append(regs, reg)
		}
	} else {
		regs = a.Regions(level)
	}
	limit, offset := 1000, 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 5000 {
			return errs.Invalid("limit must be 1–5000").WithField("limit", "out of range")
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errs.Invalid("offset must be 0 or more").WithField("offset", "out of range")
		}
		offset = n
	}
	total := len(regs)
	if offset > len(regs) {
		offset = len(regs)
	}
	regs = regs[offset:min(offset+limit, len(regs))]
	items := make([]regionView, len(regs))
	for i, reg := range regs {
		v := regionView{Region: *reg, LevelName: reg.Level.Zh()}
		if !geometry {
			v.Shape = nil
		}
		items[i] = v
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

func (s *Server) handleRegionView(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	hist, err := s.Regions.RegionHistory(r.Context(), code)
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return errs.NotFound("region %s does not exist", code)
	}
	a := s.World.Atlas()
	cur := hist[len(hist)-1]
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"region": regionView{Region: cur, LevelName: cur.Level.Zh()},
		"path": a.Path(code), "children": a.Children(code), "versions": hist})
}

func (s *Server) handleRegionImport(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
	if err != nil {
		return errs.E(errs.KindTooLarge, "the regions file is larger than 64 MiB; split it")
	}
	plan, err := s.World.ImportRegions(r.Context(), actor, data)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "regions.import", "regions", map[string]any{"added": plan.Added, "changed": plan.Changed})
	return httpkit.WriteJSON(w, http.StatusOK, plan)
}

// --- dictionary ---

func (s *Server) atParam(r *http.Request) (time.Time, error) {
	if v := r.URL.Query().Get("at"); v != "" {
		t, err := parseTime(v, s.Cal.Location())
		if err != nil {
			return t, errs.Invalid("at must be RFC 3339 or a date").WithField("at", "invalid")
		}
		return t, nil
	}
	return s.Now(), nil
}

func (s *Server) handleCategoryList(w http.ResponseWriter, r *http.Request) error {
	at, err := s.atParam(r)
	if err != nil {
		return err
	}
	d := s.World.Dict()
	subs := d.SubClasses(at)
	if k := r.URL.Query().Get("kind"); k != "" {
		kept := subs[:0]
		for _, sc := range subs {
			if string(sc.Ref.Kind) == k {
				kept = append(kept, sc)
			}
		}
		subs = kept
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": subs, "total": len(subs),
		"majors":       map[string]any{"component": d.Majors(catalog.Component), "event": d.Majors(catalog.Event)},
		"stage_limits": map[string]any{"urgent": d.StageLimits(catalog.Urgent), "normal": d.StageLimits(catalog.Normal), "complex": d.StageLimits(catalog.Complex)}})
}

func (s *Server) handleCategoryView(w http.ResponseWriter, r *http.Request) error {
	ref, err := catalog.ParseRef(r.PathValue("ref"))
	if err != nil {
		return err
	}
	d := s.World.Dict()
	vers := d.Versions(ref)
	if len(vers) == 0 {
		return errs.NotFound("category %s is not in the dictionary", ref)
	}
	at, err := s.atParam(r)
	if err != nil {
		return err
	}
	var current any // null when no version is in force at `at`
	if cur, ok := d.Lookup(ref, at); ok {
		current = cur
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"current": current, "versions": vers})
}

func (s *Server) handleCategoryPut(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	ref, err := catalog.ParseRef(r.PathValue("ref"))
	if err != nil {
		return err
	}
	var sc catalog.SubClass
	if err := httpkit.DecodeJSON(w, r, &sc, s.maxBody()); err != nil {
		return err
	}
	if sc.Ref.Code == "" {
		sc.Ref = ref
	}
	if sc.Ref != ref {
		return errs.Invalid("the body's ref %s does not match the path's %s", sc.Ref, ref).WithField("ref", "mismatch")
	}
	if sc.EffectiveFrom.IsZero() {
		sc.EffectiveFrom = s.Now()
	}
	saved, err := s.World.PutSubClass(r.Context(), actor, sc)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "dictionary.subclass", "category/"+ref.String(), map[string]any{"version": saved.Version})
	return httpkit.WriteJSON(w, http.StatusOK, saved)
}

func (s *Server) handleDepartmentList(w http.ResponseWriter, r *http.Request) error {
	deps := s.World.Dict().Departments()
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": deps, "total": len(deps)})
}

func (s *Server) handleDepartmentPut(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var d catalog.Department
	if err := httpkit.DecodeJSON(w, r, &d, s.maxBody()); err != nil {
		return err
	}
	if d.Code == "" {
		d.Code = r.PathValue("code")
	}
	if d.Code != r.PathValue("code") {
		return errs.Invalid("the body's code %s does not match the path", d.Code).WithField("code", "mismatch")
	}
	if err := s.World.PutDepartment(r.Context(), actor, d); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "dictionary.department", "department/"+d.Code, nil)
	return httpkit.WriteJSON(w, http.StatusOK, d)
}

func (s *Server) handleRuleList(w http.ResponseWriter, r *http.Request) error {
	rules := s.World.Dict().Rules()
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": rules, "total": len(rules)})
}

func (s *Server) handleRulePost(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	var rule catalog.Rule
	if err := httpkit.DecodeJSON(w, r, &rule, s.maxBody()); err != nil {
		return err
	}
	if rule.RegionCode != "" {
		if _, ok := s.World.Atlas().Region(rule.RegionCode); !ok {
			return errs.Invalid("region %s does not exist", rule.RegionCode).WithField("region_code", "unknown")
		}
	}
	saved, err := s.World.PutRule(r.Context(), actor, rule)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "dictionary.rule", "rule/"+saved.ID, map[string]any{"category": saved.Category.String(), "department": saved.Department})
	return httpkit.WriteJSON(w, http.StatusCreated, saved)
}

func (s *Server) handleRuleDelete(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	if err := s.World.DeleteRule(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "dictionary.rule_delete", "rule/"+r.PathValue("id"), nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// --- calendar ---

func (s *Server) handleCalendar(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	loc := s.Cal.Location()
	now := s.Now().In(loc)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, -1)
	var err error
	if v := q.Get("from"); v != "" {
		if from, err = time.ParseInLocation("2006-01-02", v, loc); err != nil {
			return errs.Invalid("from must be a date like 2025-10-01").WithField("from", "invalid")
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.ParseInLocation("2006-01-02", v, loc); err != nil {
			return errs.Invalid("to must be a date like 2025-10-31").WithField("to", "invalid")
		}
	}
	if to.Before(from) {
		return errs.Invalid("to is before from").WithField("to", "before from")
	}
	if to.Sub(from) > 366*24*time.Hour {
		return errs.Invalid("ask for at most one year at a time").WithField("to", "range too long")
	}
	days := s.Cal.Days(from, to)
	working, hours := 0, 0.0
	for _, d := range days {
		if d.Working {
			working++
			hours += d.WorkingHours
		}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": days, "total": len(days),
		"working_days": working, "working_hours": hours, "years_covered": s.Cal.Years()})
}

// --- photos ---

func (s *Server) handlePhotoUpload(w http.ResponseWriter, r *http.Request) error {
	actor, _, _, err := s.actor(r)
	if err != nil {
		return err
	}
	max := s.MaxPhoto
	if max == 0 {
		max = 10 << 20
	}
	var data []byte
	claimed := r.Header.Get("Content-Type")
	if strings.HasPrefix(claimed, "multipart/form-data") {
		r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
		f, fh, err := r.FormFile("file")
		if err != nil {
			if strings.Contains(err.Error(), "too large") {
				return errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", max>>20, max>>20)
			}
			return errs.Invalid("请用表单字段 \"file\" 上传照片 / send the photo as the form field \"file\" (multipart/form-data) or as the raw body").WithField("file", "required")
		}
		defer f.Close()
		claimed = fh.Header.Get("Content-Type")
		data, err = io.ReadAll(io.LimitReader(f, max+1))
		if err != nil {
			return errs.Invalid("cannot read the upload: %s", err.Error())
		}
	} else {
		data, err = io.ReadAll(http.MaxBytesReader(w, r.Body, max+1))
		if err != nil {
			return errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", max>>20, max>>20)
		}
	}
	if int64(len(data)) > max {
		return errs.E(errs.KindTooLarge, "一张照片最大 %d MiB / a photo may be at most %d MiB", max>>20, max>>20)
	}
	// Only the re-encoded pixels are kept: no EXIF (GPS, phone numbers),
	// no data appended behind the image (see package photo).
	clean, mt, err := photo.Sanitize(data, claimed)
	if err != nil {
		return err
	}
	id, err := s.Blobs.Put(r.Context(), clean)
	if err != nil {
		return err
	}
	if err := s.Photos.RecordPhoto(r.Context(), id, mt, len(clean), actor.ID, s.Now()); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, map[string]any{"id": id, "mime": mt, "size": len(clean), "url": "/api/v1/photos/" + id})
}

// PhotoAccess tells who may see a photo: the cases that cite it, and who
// uploaded it. The store behind [Server.Photos] implements it; without it
// only posts that see every case may view photos.
type PhotoAccess interface {
	// FindPhotoUses: the cases whose photo lists cite it (a scan of cases).
	FindPhotoUses(ctx context.Context, id string) ([]disclose.PhotoUse, error)
	// FindPhotoEventUses: the cases whose events cite it (a scan of events).
	FindPhotoEventUses(ctx context.Context, id string) ([]disclose.PhotoUse, error)
	PhotoUploader(ctx context.Context, id string) (string, error)
}

// handlePhotoView serves a photo to whoever the disclosure policy lets see
// it: anyone for a reporter's photo of a public case (package disclose);
// otherwise a signed-in caller (bearer token or console session) whose
// posts see a case citing it, or, for a photo no case cites yet, its
// uploader or a post that sees every case.
func (s *Server) handlePhotoView(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if !blob.ValidID(id) {
		return errs.NotFound("没有这张照片 / no photo %s", id)
	}
	public, err := s.mayViewPhoto(r, id)
	if err != nil {
		return err
	}
	f, err := s.Blobs.Open(r.Context(), id)
	if err != nil {
		return err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", http.DetectContentType(head[:n]))
	h.Set("X-Content-Type-Options", "nosniff")
	// A case can stop being public (rejected, voided): caches keep a
	// public photo briefly, a restricted one only in the viewer's browser.
	if public {
		h.Set("Cache-Control", "public, max-age=300")
	} else {
		h.Set("Cache-Control", "private, max-age=300")
		h.Set("Vary", "Authorization, Cookie")
	}
	http.ServeContent(w, r, id, time.Time{}, f)
	return nil
}

// mayViewPhoto applies the photo rules of handlePhotoView; public is true
// when anyone may see the photo. A post that sees every case is let
// through before the lookup of the citing cases (a scan), which keeps the
// console's case pages cheap.
func (s *Server) mayViewPhoto(r *http.Request, id string) (public bool, err error) {
	actor, signed, err := s.photoViewer(r)
	if err != nil {
		return false, err
	}
	var scope *casework.Scope
	if signed {
		if scope = s.Cases.ScopeOf(actor); scope.All {
			return false, nil
		}
	}
	pa, _ := s.Photos.(PhotoAccess)
	var uses []disclose.PhotoUse
	if pa != nil {
		if uses, err = pa.FindPhotoUses(r.Context(), id); err != nil {
			return false, err
		}
		if disclose.PhotoPublic(uses) {
			return true, nil
		}
	}
	if !signed {
		return false, errs.Unauthenticated("这张照片不公开，请登录有权查看该案件的岗位 / this photo is not public; sign in with a post that can see its case")
	}
	if len(uses) == 0 && pa != nil {
		// A check photo is kept only in its event.
		if uses, err = pa.FindPhotoEventUses(r.Context(), id); err != nil {
			return false, err
		}
	}
	for _, u := range uses {
		if _, err := s.Cases.FindCase(r.Context(), actor, u.CaseID); err == nil {
			return false, nil
		} else if !errs.Is(err, errs.KindNotFound) {
			return false, err
		}
	}
	if len(uses) == 0 && pa != nil {
		by, err := pa.PhotoUploader(r.Context(), id)
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return false, err
		}
		if err == nil && by != "" && by == actor.ID {
			return false, nil
		}
	}
	return false, errs.Forbidden("你的岗位看不到这张照片所属的案件 / your posts cannot see the case this photo belongs to")
}

// photoViewer is the signed-in caller of a photo request: a bearer token
// (API, apps) or the console's session cookie, since the console's pages
// show photos as plain <img> links.
func (s *Server) photoViewer(r *http.Request) (org.Actor, bool, error) {
	a, _, ok, err := s.actor(r)
	if err != nil || ok {
		return a, ok, err
	}
	tok := ""
	if s.SessionToken != nil {
		tok = s.SessionToken(r)
	}
	if tok == "" {
		return org.Actor{}, false, nil
	}
	_, acc, err := s.Accounts.FindToken(r.Context(), auth.HashToken(tok), s.Now())
	if errs.Is(err, errs.KindNotFound) {
		return org.Actor{}, false, nil
	}
	if err != nil {
		return org.Actor{}, false, err
	}
	if acc.Disabled || acc.MustChange {
		// A session that must change its password sees nothing else (as in the API).
		return org.Actor{}, false, nil
	}
	return org.Actor{ID: acc.ID, Name: acc.Name, Grants: acc.Grants}, true, nil
}

// AuditSearcher searches the audit trail.
type AuditSearcher interface {
	FindAudit(ctx context.Context, f AuditQuery) ([]audit.Record, int, error)
}

// AuditQuery mirrors the store's audit filter.
type AuditQuery struct {
	Actor, Action, Object string
	From, To              *time.Time
	Limit, Offset         int
}

func (s *Server) handleAuditList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAuditor)
	if err != nil {
		return err
	}
	if s.AuditSearch == nil {
		return errs.NotFound("the audit trail is not available on this node")
	}
	q := r.URL.Query()
	f := AuditQuery{Actor: q.Get("actor"), Action: q.Get("action"), Object: q.Get("object"), Limit: 50}
	for _, p := range []struct {
		key string
		dst **time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		if v := q.Get(p.key); v != "" {
			t, err := parseTime(v, s.Cal.Location())
			if err != nil {
				return errs.Invalid("%s must be RFC 3339 or a date", p.key).WithField(p.key, "invalid")
			}
			*p.dst = &t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return errs.Invalid("limit must be 1–500").WithField("limit", "out of range")
		}
		f.Limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errs.Invalid("offset must be 0 or more").WithField("offset", "out of range")
		}
		f.Offset = n
	}
	items, total, err := s.AuditSearch.FindAudit(r.Context(), f)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "audit.search", "audit", map[string]any{"actor": f.Actor, "action": f.Action, "object": f.Object})
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total})
}

var passwordRules = map[string]string{
	"auth.password_too_short": "the new password must have at least 10 characters",
	"auth.password_too_long":  "the new password must have at most 256 characters",
	"auth.password_one_class": "mix letters with digits or symbols in the new password",
	"auth.password_common":    "the new password is too common; choose another",
}

func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) error {
	_, acc, ok, err := s.actor(r)
	if err != nil {
		return err
	}
	if !ok {
		return errs.Unauthenticated("sign in first: POST /api/v1/auth/token")
	}
	if acc == nil {
		return errs.Forbidden("API client keys have no password; rotate the key instead: POST /api/v1/clients/{id}/rotate")
	}
	var req struct {
		Old string `json:"old_password"`
		New string `json:"new_password"`
	}
	if err := httpkit.DecodeJSON(w, r, &req, 4<<10); err != nil {
		return err
	}
	// A stolen token must not buy unthrottled guesses at the password.
	addr := httpkit.ClientAddr(r)
	if ok, wait := s.Throttle.Allow(acc.Username, addr); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "密码错误次数过多，请 %d 秒后再试 / too many wrong passwords; try again in %d seconds", int(wait.Seconds())+1, int(wait.Seconds())+1)
	}
	if ok, _, err := auth.VerifyPassword(req.Old, acc.PasswordHash); err != nil || !ok {
		s.Throttle.Fail(acc.Username, addr)
		return errs.Invalid("the old password is wrong").WithField("old_password", "wrong")
	}
	if req.New == req.Old {
		return errs.Invalid("the new password must differ from the old one").WithField("new_password", "unchanged")
	}
	if err := auth.CheckPasswordStrength(req.New); err != nil {
		msg := "the new password is too weak"
		if e, ok := errs.As(err); ok {
			if m, ok := passwordRules[e.Message]; ok {
				msg = m
			}
		}
		return errs.Invalid("%s", msg).WithField("new_password", msg)
	}
	hash, err := auth.HashPassword(req.New, auth.DefaultParams())
	if err != nil {
		return err
	}
	if err := s.Accounts.SetPassword(r.Context(), acc.ID, hash, false); err != nil {
		return err
	}
	// Every other token and web session of the account dies with the old
	// password; the token making the change stays.
	tok, _ := auth.ParseBearer(r.Header.Get("Authorization"))
	revoked, err := s.Accounts.DeleteTokensOf(r.Context(), acc.ID, auth.HashToken(tok))
	s.tokens.forget(nil) // the account changed: no cached copy of it may answer again
	if err != nil {
		return err
	}
	_ = s.audit(r, acc.ID, "auth.password_changed", "account/"+acc.ID, map[string]any{"via": "api"})
	_ = s.audit(r, acc.ID, "auth.sessions_revoked", "account/"+acc.ID, map[string]any{"count": revoked, "reason": "password_changed"})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
