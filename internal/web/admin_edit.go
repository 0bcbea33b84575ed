package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"

	"cityloop/internal/audit"
	"cityloop/internal/auth"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// Auditor appends records to the audit trail (the same one the API uses).
type Auditor interface {
	Audit(ctx context.Context, recs ...audit.Record) error
}

// audit records one event on the audit trail the API writes to (an
// administrator's change, a case action, a read of personal data); without
// an Auditor it does nothing.
func (s *Server) audit(r *http.Request, actorID, action, object string, detail map[string]any) error {
	if s.Auditor == nil {
		return nil
	}
	d := "{}"
	if detail != nil {
		b, err := json.Marshal(detail)
		if err != nil {
			return err
		}
		d = string(b)
	}
	return s.Auditor.Audit(r.Context(), audit.Record{At: s.Now(), Actor: actorID, Action: action, Object: object,
		Detail: d, Addr: clientAddr(r)})
}

// adminForm checks the admin post, reads a small form and checks its CSRF token.
func (s *Server) adminForm(w http.ResponseWriter, r *http.Request) (*session, error) {
	sess, err := s.requireAdmin(r)
	if err != nil {
		return nil, err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return nil, errs.Invalid("cannot read the form: %s", err.Error())
	}
	if err := s.checkCSRF(r); err != nil {
		return nil, err
	}
	return sess, nil
}

// adminResult shows the admin page again: with the problem when err is an
// input error, or after a redirect with a flash when it is nil.
func (s *Server) adminResult(w http.ResponseWriter, r *http.Request, err error, anchor string) error {
	if err == nil {
		http.Redirect(w, r, "/console/admin?done=1#"+anchor, http.StatusSeeOther)
		return nil
	}
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindForbidden {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("admin")
	p, lerr := s.loadAdmin(r)
	if lerr != nil {
		return lerr
	}
	v.Data, v.Error = p, errorText(e)
	s.render(w, r, statusOf(err), "admin", v)
	return nil
}

func (s *Server) handleAdminDepartment(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.adminForm(w, r)
	if err != nil {
		return err
	}
	f := r.PostForm
	d := catalog.Department{Code: strings.TrimSpace(f.Get("code")), Kind: strings.TrimSpace(f.Get("kind")),
		Phone: strings.TrimSpace(f.Get("phone")),
		Name:  catalog.Text{Zh: strings.TrimSpace(f.Get("name_zh")), En: strings.TrimSpace(f.Get("name_en"))}}
	err = s.World.PutDepartment(r.Context(), sess.actor, d)
	if err == nil {
		_ = s.audit(r, sess.actor.ID, "dictionary.department", "department/"+d.Code, nil)
	}
	return s.adminResult(w, r, err, "deps")
}

func (s *Server) handleAdminRule(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.adminForm(w, r)
	if err != nil {
		return err
	}
	f := r.PostForm
	ref, err := catalog.ParseRef(strings.TrimSpace(f.Get("category")))
	if err != nil {
		return s.adminResult(w, r, err, "rules")
	}
	rule := catalog.Rule{Category: ref, RegionCode: strings.TrimSpace(f.Get("region_code")),
		Department: strings.TrimSpace(f.Get("department")), Auto: f.Get("auto") == "1"}
	if v := strings.TrimSpace(f.Get("priority")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return s.adminResult(w, r, errs.Invalid("priority must be a whole number").WithField("priority", "not a number"), "rules")
		}
		rule.Priority = n
	}
	if rule.RegionCode != "" {
		if _, ok := s.World.Atlas().Region(rule.RegionCode); !ok {
			return s.adminResult(w, r, errs.Invalid("region %s does not exist", rule.RegionCode).WithField("region_code", "unknown"), "rules")
		}
	}
	saved, err := s.World.PutRule(r.Context(), sess.actor, rule)
	if err == nil {
		_ = s.audit(r, sess.actor.ID, "dictionary.rule", "rule/"+saved.ID, map[string]any{"category": saved.Category.String(), "department": saved.Department})
	}
	return s.adminResult(w, r, err, "rules")
}

func (s *Server) handleAdminRuleDelete(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.adminForm(w, r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	err = s.World.DeleteRule(r.Context(), sess.actor, id)
	if err == nil {
		_ = s.audit(r, sess.actor.ID, "dictionary.rule_delete", "rule/"+id, nil)
	}
	return s.adminResult(w, r, err, "rules")
}

// accountAdmin is the store's account-changing side.
func (s *Server) accountAdmin() (org.AccountAdmin, error) {
	if a, ok := s.Accounts.(org.AccountAdmin); ok {
		return a, nil
	}
	return nil, errs.NotFound("changing accounts is not available on this node")
}

// handleAdminAccount creates an account with up to three posts (rows
// post_N, region_N, department_N). Without a password a one-time password
// is shown once on the page.
func (s *Server) handleAdminAccount(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.adminForm(w, r)
	if err != nil {
		return err
	}
	f := r.PostForm
	username, name, pw := strings.TrimSpace(f.Get("username")), strings.TrimSpace(f.Get("name")), f.Get("password")
	var grants []org.Grant
	for i := range 3 {
		n := strconv.Itoa(i)
		p := strings.TrimSpace(f.Get("post_" + n))
		if p == "" {
			continue
		}
		grants = append(grants, org.Grant{Post: org.Post(p), Region: strings.TrimSpace(f.Get("region_" + n)),
			Department: strings.TrimSpace(f.Get("department_" + n))})
	}
	bad := errs.Invalid("账号信息不完整或有误 / the account is not valid")
	if username, err = org.CheckUsername(username); err != nil {
		bad.WithField("username", org.UsernameRule)
	}
	if name == "" {
		bad.WithField("name", "required")
	}
	mustChange := pw == ""
	if mustChange {
		pw = auth.RandomPassword(12)
	} else if err := auth.CheckPasswordStrength(pw); err != nil {
		bad.WithField("password", s.langOf(w, r).T("weak_password"))
	}
	org.CheckGrants(bad, grants, s.World.Atlas(), s.World.Dict().HasDepartment)
	if len(bad.Fields) > 0 {
		return s.adminResult(w, r, bad, "accounts")
	}
	hash, err := auth.HashPassword(pw, auth.DefaultParams())
	if err != nil {
		return err
	}
	acc := &org.Account{ID: uuid.Must(uuid.NewV7()).String(), Username: username, Name: name, PasswordHash: hash,
		Grants: grants, MustChange: mustChange, CreatedAt: s.Now()}
	if err := s.Accounts.CreateAccount(r.Context(), acc); err != nil {
		return s.adminResult(w, r, err, "accounts")
	}
	_ = s.audit(r, sess.actor.ID, "account.create", "account/"+acc.ID, map[string]any{"username": acc.Username, "posts": acc.Grants})
	if !mustChange {
		return s.adminResult(w, r, nil, "accounts")
	}
	// Shown once, on this response only: never put it in a URL.
	v := s.view(w, r, "console")
	v.Title = v.L.T("admin")
	p, err := s.loadAdmin(r)
	if err != nil {
		return err
	}
	v.Data = p
	v.Flash = v.L.T("one_time_password") + " " + acc.Username + ": " + pw
	s.render(w, r, http.StatusCreated, "admin", v)
	return nil
}

func (s *Server) handleAdminAccountDisable(w http.ResponseWriter, r *http.Request) error {
	return s.adminSetDisabled(w, r, true)
}

func (s *Server) handleAdminAccountEnable(w http.ResponseWriter, r *http.Request) error {
	return s.adminSetDisabled(w, r, false)
}

func (s *Server) adminSetDisabled(w http.ResponseWriter, r *http.Request, disabled bool) error {
	sess, err := s.adminForm(w, r)
	if err != nil {
		return err
	}
	adm, err := s.accountAdmin()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if disabled && id == sess.actor.ID {
		return s.adminResult(w, r, errs.Invalid("不能停用自己的账号 / you cannot disable your own account"), "accounts")
	}
	err = adm.SetDisabled(r.Context(), id, disabled)
	if err == nil {
		action := "account.disable"
		if !disabled {
			action = "account.enable"
		}
		_ = s.audit(r, sess.actor.ID, action, "account/"+id, map[string]any{"disabled": disabled})
	}
	return s.adminResult(w, r, err, "accounts")
}
