package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/facility"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// FacilityStore keeps the public facility registry.
type FacilityStore interface {
	PutFacility(ctx context.Context, f *facility.Facility) (bool, error)
	DeleteFacility(ctx context.Context, id string) error
	FindFacilities(ctx context.Context, kind facility.Kind, box *geo.Bounds, limit int) ([]*facility.Facility, error)
}

func (s *Server) facilityStore() (FacilityStore, error) {
	if s.Facilities == nil {
		return nil, errs.NotFound("the facility registry is not enabled on this node")
	}
	return s.Facilities, nil
}

// handleFacilityList: GET /api/v1/facilities?kind=&lng=&lat=&crs=&limit= (public).
func (s *Server) handleFacilityList(w http.ResponseWriter, r *http.Request) error {
	st, err := s.facilityStore()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	kind, err := facility.ParseKind(q.Get("kind"))
	if err != nil {
		return err
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return errs.Invalid("limit must be 1–1000").WithField("limit", "1–1000")
		}
		limit = n
	}
	if q.Get("lng") == "" && q.Get("lat") == "" {
		list, err := st.FindFacilities(r.Context(), kind, nil, limit)
		if err != nil {
			return err
		}
		return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": list, "total": len(list)})
	}
	lng, err1 := strconv.ParseFloat(q.Get("lng"), 64)
	lat, err2 := strconv.ParseFloat(q.Get("lat"), 64)
	if err1 != nil || err2 != nil {
		return errs.Invalid("lng and lat must both be numbers, e.g. ?lng=118.78&lat=32.04").WithField("lng", "number")
	}
	crs, err := geo.ParseCRS(q.Get("crs"))
	if err != nil {
		return err
	}
	p := geo.ToWGS84(geo.Point{Lng: lng, Lat: lat}, crs)
	if !p.Valid() {
		return errs.Invalid("coordinates (%g, %g) are not valid longitude/latitude", lng, lat).WithField("lng", "out of range")
	}
	if q.Get("limit") == "" {
		limit = 5
	}
	near, err := facility.FindNearest(r.Context(), st, kind, p, limit)
	if err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": near, "total": len(near),
		"from": map[string]float64{"lng": round6(p.Lng), "lat": round6(p.Lat)}, "max_distance_m": facility.MaxRadiusM})
}

type facilityRequest struct {
	Kind       string   `json:"kind"`
	Name       string   `json:"name"`
	Address    string   `json:"address"`
	Lng        *float64 `json:"lng"`
	Lat        *float64 `json:"lat"`
	CRS        string   `json:"crs"`
	Hours      string   `json:"hours"`
	Accessible bool     `json:"accessible"`
	Open24h    bool     `json:"open_24h"`
}

// handleFacilityPut: PUT /api/v1/facilities/{id} (admin, audited).
func (s *Server) handleFacilityPut(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	st, err := s.facilityStore()
	if err != nil {
		return err
	}
	var req facilityRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	if req.Lng == nil || req.Lat == nil {
		return errs.Invalid("lng and lat are required").WithField("lng", "required")
	}
	kind, err := facility.ParseKind(req.Kind)
	if err != nil {
		return err
	}
	crs, err := geo.ParseCRS(req.CRS)
	if err != nil {
		return err
	}
	f := &facility.Facility{ID: r.PathValue("id"), Kind: kind, Name: strings.TrimSpace(req.Name), Address: strings.TrimSpace(req.Address),
		Point: geo.ToWGS84(geo.Point{Lng: *req.Lng, Lat: *req.Lat}, crs), Hours: strings.TrimSpace(req.Hours),
		Accessible: req.Accessible, Open24h: req.Open24h, UpdatedAt: s.Now()}
	if f.Open24h && f.Hours == "" {
		f.Hours = "24h"
	}
	if err := f.Validate(); err != nil {
		return err
	}
	loc, err := s.World.Atlas().Locate(f.Point)
	if err != nil {
		return err
	}
	f.Grid, f.District = loc.Grid, loc.District
	created, err := st.PutFacility(r.Context(), f)
	if err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "facility.put", "facility/"+f.ID, map[string]any{"kind": f.Kind, "name": f.Name, "grid": f.Grid, "created": created})
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return httpkit.WriteJSON(w, status, f)
}

// handleFacilityDelete: DELETE /api/v1/facilities/{id} (admin, audited).
func (s *Server) handleFacilityDelete(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin)
	if err != nil {
		return err
	}
	st, err := s.facilityStore()
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if err := st.DeleteFacility(r.Context(), id); err != nil {
		return err
	}
	_ = s.audit(r, actor.ID, "facility.delete", "facility/"+id, nil)
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"id": id, "deleted": true})
}

// handleFacilityCoverage: GET /api/v1/facilities/coverage?kind=toilet
// (public) → per district: count, area, km² per facility, target met.
func (s *Server) handleFacilityCoverage(w http.ResponseWriter, r *http.Request) error {
	st, err := s.facilityStore()
	if err != nil {
		return err
	}
	kind, err := facility.ParseKind(r.URL.Query().Get("kind"))
	if err != nil {
		return err
	}
	list, err := st.FindFacilities(r.Context(), kind, nil, 0)
	if err != nil {
		return err
	}
	var ds []facility.District
	for _, d := range s.World.Atlas().Regions(org.LevelDistrict) {
		ds = append(ds, facility.District{Code: d.Code, Name: d.Name, AreaM2: d.AreaM2})
	}
	cov := facility.CoverageOf(ds, list)
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"kind": kind, "standard_km2_per_facility": facility.StandardKm2,
		"baseline_km2_per_facility": facility.BaselineKm2, "accessible_goal": facility.AccessibleGoal, "districts": cov})
}
