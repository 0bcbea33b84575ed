package api

import (
	"io"
	"net/http"
	"strconv"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

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
	if dry := r.URL.Query().Get("dry_run"); dry == "true" || dry == "1" {
		plan, err := s.World.PreviewRegions(r.Context(), data)
		if err != nil {
			return err
		}
		return httpkit.WriteJSON(w, http.StatusOK, plan)
	}
	plan, err := s.World.ImportRegions(r.Context(), actor, data)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "regions.import", "regions", map[string]any{"added": plan.Added, "changed": plan.Changed, "repaired": len(plan.Repairs)})
	return httpkit.WriteJSON(w, http.StatusOK, plan)
}

// --- dictionary ---
