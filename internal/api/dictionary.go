package api

import (
	"net/http"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

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
