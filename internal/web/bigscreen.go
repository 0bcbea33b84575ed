package web

import (
	"context"
	"net/http"

	"cityloop/internal/bigscreen"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// BigScreen builds the command centre's big screen (*bigscreen.Service):
// the same figures as /api/v1/kpis and /api/v1/analysis/heat, inside the
// caller's jurisdiction, refused (Forbidden) to posts that may not see it.
type BigScreen interface {
	Screen(ctx context.Context, actor org.Actor, q bigscreen.Query) (*bigscreen.Screen, error)
}

func init() {
	for k, v := range bigscreenMessages {
		messages[k] = v
	}
}

var bigscreenMessages = map[string][2]string{
	"bigscreen":         {"指挥大屏", "Command centre screen"},
	"bs_reported_today": {"今日上报", "Reported today"},
	"bs_open":           {"在办案件", "Open cases"},
	"bs_overdue":        {"超时案件", "Overdue"},
	"bs_closed_today":   {"今日结案", "Closed today"},
	"bs_trend":          {"近30天上报与结案", "Reported and closed, last 30 days"},
	"bs_ranking":        {"各区排名", "Districts ranked"},
	"bs_map":            {"网格着色", "Grids coloured by"},
	"bs_rank_by":        {"排名指标", "Rank by"},
	"bs_updated":        {"更新于", "Updated"},
	"bs_nodata":         {"无数据", "No data"},
	"bs_live_off":       {"实时连接中断，每20秒刷新", "Live link down; refreshing every 20 s"},
	"bs_needs_js":       {"大屏需要 JavaScript 与前端资源（make web）。", "The big screen needs JavaScript and the front-end bundle (make web)."},
	"bs_units":          {"件", "cases"},
}

// bigscreenRoutes mounts the page and the JSON it reads.
func (s *Server) bigscreenRoutes(mux *http.ServeMux) {
	if s.BigScreen == nil {
		return
	}
	mux.Handle("GET /console/bigscreen", s.page(s.handleBigScreenPage))
	mux.Handle("GET /web/bigscreen/data", s.json(s.handleBigScreenData))
	mux.Handle("GET /web/bigscreen/grids", s.json(s.handleBigScreenGrids))
}

// handleBigScreenGrids answers every unit grid's shape, [{"c","n","g"}]:
// the wall shows the whole city at once, so unlike the map page's
// /web/map/grids (a view's box, at most 5,000) it is not cut. Shapes are
// public; the screen's posts only are served, as the rest of the screen.
func (s *Server) handleBigScreenGrids(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.bigscreenActor(r); err != nil {
		return err
	}
	type item struct {
		C string           `json:"c"`
		N string           `json:"n"`
		G geo.MultiPolygon `json:"g"`
	}
	regs := s.World.Atlas().Regions(org.LevelGrid)
	out := make([]item, len(regs))
	for i, reg := range regs {
		out[i] = item{C: reg.Code, N: reg.Name, G: reg.Shape}
	}
	w.Header().Set("Cache-Control", "private, max-age=300")
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

// BigScreenNav reports whether the console's navigation links the big
// screen: for the posts that may open it.
func (v *view) BigScreenNav() bool { return v.Actor != nil && bigscreen.Allowed(*v.Actor) }

// bigscreenActor is the signed-in actor if the screen is theirs; a refusal
// is written to the audit trail (someone asked for figures beyond their
// post), and the answer stays the refusal if the trail cannot be written.
func (s *Server) bigscreenActor(r *http.Request) (org.Actor, error) {
	sess, err := requireActor(r)
	if err != nil {
		return org.Actor{}, err
	}
	if !bigscreen.Allowed(sess.actor) {
		if aerr := s.audit(r, sess.actor.ID, "bigscreen.denied", r.URL.Path, nil); aerr != nil {
			s.Log.Error("audit of a refused big screen", "err", aerr, "request_id", httpkit.RequestID(r.Context()))
		}
		return sess.actor, errs.Forbidden("大屏仅对领导、值班长、街长和系统管理员开放 / the big screen is for leaders, shift leads, street chiefs and administrators")
	}
	return sess.actor, nil
}

// bigscreenPage is what the page template needs: the selectors' choices
// come from the first screen, the rest is drawn by bigscreen.js.
type bigscreenPage struct {
	Screen *bigscreen.Screen
	Figure string
	Rank   string
	Data   string // the first screen as JSON, drawn before the first poll
}

func (s *Server) handleBigScreenPage(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.bigscreenActor(r)
	if err != nil {
		return err
	}
	q := bigscreen.Query{Figure: r.URL.Query().Get("figure"), Rank: r.URL.Query().Get("rank")}
	sc, err := s.BigScreen.Screen(r.Context(), actor, q)
	if err != nil {
		return err
	}
	v := s.view(w, r, "bigscreen")
	v.Title = v.L.T("bigscreen")
	// A dark, tile-less map: the grids' colours are the picture, and a
	// command centre's wall should not depend on an outside tile server.
	v.Data = bigscreenPage{Screen: sc, Figure: sc.Map.Code, Rank: sc.Ranking.Code, Data: mustJSON(sc)}
	s.render(w, r, http.StatusOK, "bigscreen", v)
	return nil
}

// handleBigScreenData: GET /web/bigscreen/data?figure=&rank= answers the
// screen as JSON (bigscreen.Screen); the page polls it and reloads it on
// the live event stream's changes.
func (s *Server) handleBigScreenData(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.bigscreenActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	for k := range q {
		if k != "figure" && k != "rank" && k != "lang" {
			return errs.Invalid("大屏参数有误 / the big screen's query is not valid").WithField(k, "unknown parameter; use figure, rank")
		}
	}
	sc, err := s.BigScreen.Screen(r.Context(), actor, bigscreen.Query{Figure: q.Get("figure"), Rank: q.Get("rank")})
	if err != nil {
		return err // httpkit logs what is not the caller's mistake
	}
	w.Header().Set("Cache-Control", "no-store")
	return httpkit.WriteJSON(w, http.StatusOK, sc)
}
