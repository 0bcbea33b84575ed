package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/assess"
	"cityloop/internal/bulletin"
	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// Bulletins (考核通报) and assessments by scheme. Jurisdiction: each
// bulletin covers the city or one district; a caller lists and downloads
// only those whose whole scope he sees (a district head gets his
// district's bulletins, not the city's), and a refusal is audited.

// BulletinDesk is the archive and production of bulletins (bulletin.Service).
type BulletinDesk interface {
	FindBulletins(ctx context.Context, kind bulletin.Kind, limit int) ([]*bulletin.Bulletin, error)
	FindBulletinByID(ctx context.Context, id string) (*bulletin.Bulletin, error)
	BulletinFile(ctx context.Context, id string, f bulletin.Format) ([]byte, error)
	Produce(ctx context.Context, kind bulletin.Kind, day time.Time, scope, by string) (*bulletin.Bulletin, error)
}

// bulletinView is one bulletin as listed, with its files' URLs.
type bulletinView struct {
	*bulletin.Bulletin
	KindName string            `json:"kind_name"`
	FromDay  string            `json:"from_day"`
	ToDay    string            `json:"to_day"` // the last day, included
	Files    map[string]string `json:"files"`
}

// bulletinRequest is the body of POST /api/v1/bulletins.
type bulletinRequest struct {
	Kind bulletin.Kind `json:"kind"` // month, quarter or year
	// Day is any day of the period, YYYY-MM-DD (2026-01-01 with kind
	// quarter is the first quarter of 2026).
	Day string `json:"day"`
	// Scope is the city's or a district's code; empty is the city.
	Scope string `json:"scope,omitempty"`
}

var bulletinParams = map[string]bool{"kind": true, "limit": true}

func (s *Server) bulletinView(b *bulletin.Bulletin) bulletinView {
	loc := s.Cal.Location()
	v := bulletinView{Bulletin: b, KindName: bulletin.KindNames[b.Kind][0], FromDay: b.From.In(loc).Format("2006-01-02"),
		ToDay: b.To.In(loc).AddDate(0, 0, -1).Format("2006-01-02"), Files: map[string]string{}}
	for f := range bulletin.Formats {
		v.Files[string(f)] = "/api/v1/bulletins/" + b.ID + "." + string(f)
	}
	return v
}

// seesBulletin reports whether actor sees the whole of b's scope.
func (s *Server) seesBulletin(actor org.Actor, b *bulletin.Bulletin) bool {
	return s.Cases.ScopeOf(actor).Sees(b.ScopeLevel, b.Scope, s.World.Atlas().Within)
}

// refuseBulletin is a 403 recorded on the audit trail.
func (s *Server) refuseBulletin(r *http.Request, actor org.Actor, what string) error {
	if err := s.audit(r, actor.ID, "bulletin.denied", r.URL.Path, map[string]any{"scope": what}); err != nil {
		slog.Error("audit of a refused bulletin request", "err", err)
	}
	return errs.Forbidden("无权查看%s的通报，只能查看本辖区的通报 / you may not see the bulletins of %s; ask for your own jurisdiction's", what, what)
}

func (s *Server) bulletinDesk() (BulletinDesk, error) {
	if s.Bulletins == nil {
		return nil, errs.NotFound("本节点未提供考核通报 / bulletins are not served on this node")
	}
	return s.Bulletins, nil
}

func (s *Server) handleBulletinList(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	desk, err := s.bulletinDesk()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := unknownParams(q, bulletinParams); err != nil {
		return err
	}
	kind := bulletin.Kind(q.Get("kind"))
	if kind != "" && !kind.Valid() {
		return errs.Invalid("通报类型须为 month、quarter 或 year / kind must be month, quarter or year").WithField("kind", "month, quarter or year")
	}
	limit := 100
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 500 {
			return errs.Invalid("limit 须为 1–500 / limit must be 1–500").WithField("limit", "1–500")
		}
	}
	// The archive is small (a few bulletins a month per district), so the
	// jurisdiction is applied here, over a generous page of the newest.
	all, err := desk.FindBulletins(r.Context(), kind, 1000)
	if err != nil {
		return err
	}
	items := []bulletinView{}
	for _, b := range all {
		if len(items) < limit && s.seesBulletin(actor, b) {
			items = append(items, s.bulletinView(b))
		}
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": len(items)})
}

func (s *Server) handleBulletinFile(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	desk, err := s.bulletinDesk()
	if err != nil {
		return err
	}
	id, ext, ok := strings.Cut(r.PathValue("file"), ".")
	if !ok {
		return errs.Invalid("请以 {id}.pdf、{id}.xlsx 或 {id}.html 下载 / download as {id}.pdf, {id}.xlsx or {id}.html").WithField("file", "{id}.pdf|.xlsx|.html")
	}
	format, err := bulletin.ParseFormat(ext)
	if err != nil {
		return err
	}
	b, err := desk.FindBulletinByID(r.Context(), id)
	if err != nil {
		return err
	}
	if !s.seesBulletin(actor, b) {
		return s.refuseBulletin(r, actor, b.ScopeName+" "+b.Scope)
	}
	data, err := desk.BulletinFile(r.Context(), id, format)
	if err != nil {
		return err
	}
	// Every download is on the audit trail, not only the refusals: a
	// bulletin names units and people before it is published.
	if err := s.audit(r, actor.ID, "bulletin.download", "bulletin:"+b.ID, map[string]any{"format": format, "scope": b.Scope, "kind": b.Kind}); err != nil {
		return err
	}
	w.Header().Set("Content-Type", bulletin.Formats[format])
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	if format == bulletin.HTML {
		// The page is ours, but served from the API origin: no scripts.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	} else {
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="bulletin-%s.%s"; filename*=UTF-8''%s.%s`, b.ID, format, urlPathEscape(b.Title), format))
	}
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(data)
	return err
}

func (s *Server) handleBulletinProduce(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r, org.PostAdmin, org.PostLeader)
	if err != nil {
		return err
	}
	desk, err := s.bulletinDesk()
	if err != nil {
		return err
	}
	var req bulletinRequest
	if err := httpkit.DecodeJSON(w, r, &req, s.maxBody()); err != nil {
		return err
	}
	if !req.Kind.Valid() {
		return errs.Invalid("通报类型须为 month、quarter 或 year / kind must be month, quarter or year").WithField("kind", "month, quarter or year")
	}
	day, err := time.ParseInLocation("2006-01-02", req.Day, s.Cal.Location())
	if err != nil {
		return errs.Invalid("day 须为日期 YYYY-MM-DD / day must be a date YYYY-MM-DD").WithField("day", "any day of the period, e.g. 2026-01-01")
	}
	if p := req.Kind.Period(day); p.From.After(s.Now()) {
		return errs.Invalid("该期尚未开始 / the period has not begun").WithField("day", "a day of a period that has begun")
	}
	atlas := s.World.Atlas()
	if req.Scope == "" && atlas.City() != nil {
		req.Scope = atlas.City().Code
	}
	reg, ok := atlas.Region(req.Scope)
	if !ok {
		return errs.Invalid("没有代码为 %s 的区域 / no region with code %s", req.Scope, req.Scope).WithField("scope", "the city's or a district's code")
	}
	if !s.Cases.ScopeOf(actor).Sees(reg.Level, reg.Code, atlas.Within) {
		return s.refuseBulletin(r, actor, reg.Name+" "+reg.Code)
	}
	b, err := desk.Produce(r.Context(), req.Kind, day, reg.Code, actor.ID)
	if err != nil {
		return err
	}
	if err := s.audit(r, actor.ID, "bulletin.produce", "bulletin:"+b.ID, map[string]any{"kind": b.Kind, "scope": b.Scope, "from": b.From}); err != nil {
		return err
	}
	return httpkit.WriteJSON(w, http.StatusCreated, s.bulletinView(b))
}

// urlPathEscape escapes a file name for filename*= (RFC 5987).
func urlPathEscape(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// Assessment by scheme: GET /api/v1/assessments ranks districts, streets
// or departments by a scheme of the city (jn_table, jh_table …) with its
// 红黑榜, inside the caller's jurisdiction.

var assessmentParams = map[string]bool{"scheme": true, "level": true, "from": true, "to": true, "top": true}

// assessLevels are the objects GET /api/v1/assessments ranks, with the
// region level each is (0: not a region).
var assessLevels = map[string]org.Level{"district": org.LevelDistrict, "street": org.LevelStreet, "community": org.LevelCommunity,
	"department": 0, assess.GroupBySupervisor: 0}

// cityCode is the city's region code ("" before an atlas is loaded).
func (s *Server) cityCode() string {
	if c := s.World.Atlas().City(); c != nil {
		return c.Code
	}
	return ""
}

// assessUnits lists the objects of a level the caller sees wholly: the
// regions and departments inside his jurisdiction, or the supervisors
// whose beat is (every supervisor for the city-wide).
func (s *Server) assessUnits(ctx context.Context, actor org.Actor, levelName string, level org.Level) ([]assess.Unit, error) {
	scope := s.Cases.ScopeOf(actor)
	atlas := s.World.Atlas()
	var units []assess.Unit
	switch {
	case levelName == assess.GroupBySupervisor:
		accs, err := s.Accounts.FindAccounts(ctx)
		if err != nil {
			return nil, fmt.Errorf("list the supervisors: %w", err)
		}
		for _, acc := range accs {
			if acc.Disabled || !holds(acc.Grants, org.PostSupervisor) {
				continue
			}
			if s.seesSupervisor(actor, acc) {
				units = append(units, assess.Unit{Code: acc.ID, Name: acc.Name})
			}
		}
	case level == 0:
		for _, d := range s.World.Dict().Departments() {
			if scope.Sees(0, d.Code, atlas.Within) {
				units = append(units, assess.Unit{Code: d.Code, Name: d.Name.Zh})
			}
		}
	default:
		for _, reg := range atlas.Regions(level) {
			if scope.Sees(level, reg.Code, atlas.Within) {
				units = append(units, assess.Unit{Level: level, Code: reg.Code, Name: reg.Name})
			}
		}
	}
	return units, nil
}

// assessmentRow is one ranked unit.
type assessmentRow struct {
	Rank       int        `json:"rank"`
	Unit       string     `json:"unit"`
	UnitName   string     `json:"unit_name"`
	Score      *float64   `json:"score"`
	Grade      string     `json:"grade,omitempty"`
	Deductions []deducted `json:"deductions,omitempty"`
	Parts      []kpiItem  `json:"parts"`
}

type deducted struct {
	Name   kpi.Name `json:"name"`
	Is     string   `json:"is"` // the case conditions that mark a deduction
	Cases  int      `json:"cases"`
	Points float64  `json:"points"`
	// List is the case list of the deducted cases (without the double
	// count of Scheme.Double channels).
	List *string `json:"list"`
}

// assessmentView is the body of GET /api/v1/assessments.
type assessmentView struct {
	Scheme  string          `json:"scheme"`
	Name    kpi.Name        `json:"name"`
	Version int             `json:"version"`
	Level   string          `json:"level"`
	From    string          `json:"from"`
	To      string          `json:"to"`
	Items   []assessmentRow `json:"items"`
	Red     []string        `json:"red"`   // 红榜: unit codes, best first
	Black   []string        `json:"black"` // 黑榜: unit codes, worst first
}

func (s *Server) handleAssessments(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	if err := unknownParams(q, assessmentParams); err != nil {
		return err
	}
	levelName := q.Get("level")
	level, ok := assessLevels[levelName]
	if !ok {
		return errs.Invalid("考核对象无效 / level must be one of %s", strings.Join(assess.Levels, ", ")).WithField("level", strings.Join(assess.Levels, ", "))
	}
	p, err := kpi.ParseDays(q.Get("from"), q.Get("to"), s.Cal.Location())
	if err != nil {
		return err
	}
	top := 3
	if v := q.Get("top"); v != "" {
		if top, err = strconv.Atoi(v); err != nil || top < 1 || top > 50 {
			return errs.Invalid("top 须为 1–50 / top must be 1–50").WithField("top", "how many units the 红榜 and 黑榜 name, 1–50")
		}
	}
	book := s.Schemes
	if book == nil {
		book = assess.Default()
	}
	var sch *assess.Scheme
	if code := q.Get("scheme"); code != "" {
		if sch, err = book.Find(code, p.From); err != nil {
			return err
		}
		if !sch.Ranks(levelName) {
			return errs.Invalid("考核方案 %s 不适用于 %s / scheme %s does not rank %s", sch.Code, levelName, sch.Code, levelName).
				WithField("scheme", "leave out for the level's scheme, or pick one whose levels include "+levelName)
		}
	} else if sch, err = book.ForLevel(levelName, p.From); err != nil {
		return err
	}
	plan, err := assess.NewPlan(sch, s.kpiBook(), p.From)
	if err != nil {
		return err
	}
	units, err := s.assessUnits(r.Context(), actor, levelName, level)
	if err != nil {
		return err
	}
	ranked, err := assess.Assess(r.Context(), s.Cases, actor, assess.Query{Plan: plan, Period: p, GroupBy: levelName, Units: units})
	if err != nil {
		return err
	}
	out := assessmentView{Scheme: sch.Code, Name: sch.Name, Version: sch.Version, Level: levelName, From: p.From.Format("2006-01-02"),
		To: p.LastDay().Format("2006-01-02"), Items: []assessmentRow{}, Red: []string{}, Black: []string{}}
	for _, x := range ranked {
		u := kpiUnit{level: x.Level, code: x.Code}
		if levelName == assess.GroupBySupervisor {
			u = kpiUnit{level: org.LevelCity, code: s.cityCode(), reporter: x.Code, name: x.Name}
		}
		row := assessmentRow{Rank: x.Rank, Unit: x.Code, UnitName: x.Name, Score: x.Result.Score, Grade: x.Result.Grade, Parts: []kpiItem{}}
		for _, part := range x.Result.Parts {
			row.Parts = append(row.Parts, u.item(p, part.Figure))
		}
		for _, d := range x.Result.Deductions {
			row.Deductions = append(row.Deductions, deducted{Name: d.Deduction.Name, Is: d.Deduction.Is, Cases: d.Cases, Points: d.Points,
				List: u.casesURL(p, d.Deduction.Pred())})
		}
		out.Items = append(out.Items, row)
	}
	red, black := assess.RedBlack(ranked, top)
	for _, x := range red {
		out.Red = append(out.Red, x.Code)
	}
	for _, x := range black {
		out.Black = append(out.Black, x.Code)
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

// compile-time: the case service counts for the assessments.
var _ assess.Counter = (*casework.Service)(nil)
