package web

import (
	"context"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/auth"
	"cityloop/internal/blob"
	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/inspect"
	"cityloop/internal/org"
	"cityloop/internal/suggest"
	"cityloop/internal/worktime"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/dist static/icon.svg
var staticFS embed.FS

// World is the city's reference data, as the API sees it.
type World interface {
	Atlas() *org.Atlas
	Dict() *catalog.Dictionary
	ImportRegions(ctx context.Context, actor org.Actor, data []byte) (org.ImportPlan, error)
	PutDepartment(ctx context.Context, actor org.Actor, d catalog.Department) error
	PutRule(ctx context.Context, actor org.Actor, r catalog.Rule) (catalog.Rule, error)
	DeleteRule(ctx context.Context, actor org.Actor, id string) error
	PutSubClass(ctx context.Context, actor org.Actor, sc catalog.SubClass) (catalog.SubClass, error)
	PreviewRegions(ctx context.Context, data []byte) (org.ImportPlan, error)
}

// Photos records uploaded photos (the same store the API uses).
type Photos interface {
	RecordPhoto(ctx context.Context, id, mime string, size int, by string, at time.Time) error
}

// Server holds what the pages need. Fill the exported fields, then call Init.
type Server struct {
	// Cases is the only way the pages read and change cases: its read
	// methods apply the signed-in person's jurisdiction.
	Cases    *casework.Service
	Accounts org.AccountStore
	Photos   Photos
	Blobs    blob.Store
	World    World
	Cal      *worktime.Calendar
	Now      func() time.Time
	Log      *slog.Logger
	Throttle *auth.Throttle
	// Auditor records, on the API's audit trail, administrators' changes,
	// case actions taken on the pages and every page view that shows a
	// reporter's contact details in clear.
	Auditor Auditor
	// ForgetTokens, when set, drops the API's cached token checks after a
	// password change here has revoked the account's tokens.
	ForgetTokens func()
	// Jobs lists the background jobs on the admin page; nil shows none.
	Jobs JobList
	// Secret keys the CSRF tokens and the citizens' tracking keys; keep it
	// stable across restarts (app keeps it in the data directory).
	Secret []byte
	// SessionTTL is how long a browser session lasts.
	SessionTTL time.Duration
	// TileURL is a Leaflet tile template such as
	// https://tiles.example.org/{z}/{x}/{y}.png; empty draws on a blank background.
	TileURL string
	// BaseMap is the city's base map and roads (package basemap), resolved,
	// checked and loaded by Init; the zero value draws the city's own
	// vector layer without roads.
	BaseMap BaseMap
	// MaxPhoto bounds one uploaded photo.
	MaxPhoto int64
	// SuggestTerms is a city's file of category suggestion terms (package
	// suggest); empty uses the shipped ones.
	SuggestTerms string
	// PublicMapRate is how many public map requests one address may make a
	// minute (default 30).
	PublicMapRate int
	// Demo shows citizens' one-time codes on the page (no SMS gateway yet);
	// without it /citizen/mine refuses to send codes.
	Demo bool
	// Facilities answers the nearest public toilets page; nil disables it.
	Facilities Facilities
	// Sensing answers the monitoring page (/console/sensing) and the
	// citizens' parking page (/citizen/parking); nil leaves both out.
	Sensing Sensing
	// BigScreen answers the command centre's big screen (/console/bigscreen);
	// nil leaves it out.
	BigScreen BigScreen
	// SensingGate wraps those pages so that they run on the node holding
	// the live sensing state (nil: they run here).
	SensingGate func(http.Handler) http.Handler
	// Enforcement answers the enforcement pages (执法案件, the field app's
	// on-the-spot procedure, /citizen/enforcement); nil leaves them out.
	Enforcement Enforcement
	// Inspections answers the random-inspection pages (双随机一公开,
	// /console/inspections and /citizen/inspections); nil leaves them out.
	Inspections Inspections
	// API answers the assessment pages (指标, 考核排名, 通报, 分析, the case
	// list and its exports) in process, as the signed-in person: the
	// node's own handler, so the pages show what the API answers him. Nil
	// leaves them out.
	API http.Handler
	// Evidence keeps the photos the enforcement forms take (nil: the forms
	// cannot take photos); NewID names them (UUIDv7).
	Evidence EvidenceVault
	NewID    func() string
	// WithholdAfterPhotos keeps the disposal photos off the citizen's
	// tracking page (config citizen-after-photo=withhold).
	WithholdAfterPhotos bool

	pages   map[string]*template.Template
	assets  map[string]asset // built bundle files by name
	broker  *broker
	mapc    mapCache
	refs    refLocks
	pubmap  publicMap
	toilets toiletLimiter
	mine    mineState
	discl   disclLimiter

	// suggester proposes a report's category; pages show it, never apply it.
	suggester *suggest.Suggester
	base      baseMap
}

type asset struct {
	data []byte
	hash string
	mime string
	// gz and br are the file compressed at build time (frontend/build.mjs),
	// nil when the build made none.
	gz, br []byte
}

// Init parses the templates and indexes the built assets. It fails only
// on a broken template; a missing bundle is reported on every page.
func (s *Server) Init() error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
	if s.SessionTTL <= 0 {
		s.SessionTTL = 12 * time.Hour
	}
	if s.MaxPhoto <= 0 {
		s.MaxPhoto = 10 << 20
	}
	if len(s.Secret) < 16 {
		return fmt.Errorf("web: the secret must be at least 16 bytes")
	}
	if s.Throttle == nil {
		s.Throttle = auth.NewThrottle(10, 15*time.Minute, 15*time.Minute, time.Now)
	}
	s.broker = newBroker()
	if err := s.base.init(s.BaseMap); err != nil {
		return fmt.Errorf("web: base map: %w", err)
	}
	var err error
	if s.suggester, err = suggest.Load(s.SuggestTerms); err != nil {
		return fmt.Errorf("web: %w", err)
	}
	if err := s.parseTemplates(); err != nil {
		return err
	}
	s.assets = loadAssets() // static.go
	return nil
}

// BundleEmbedded reports whether this binary was built with the front-end bundle.
func BundleEmbedded() bool {
	_, err := fs.Stat(staticFS, "static/dist/console.js")
	return err == nil
}

// BundleBuilt reports whether the front-end bundle was embedded.
func (s *Server) BundleBuilt() bool { _, ok := s.assets["console.js"]; return ok }

var pageFiles = []string{"home", "signin", "console", "case", "map", "admin", "citizen", "track", "field", "error", "citizenmap", "citizentoilets", "citizenmine", "sensing", "citizenparking", "password",
	"enforcement", "enfcase", "enffield", "enfdecision", "citizenenf", "bigscreen", "enfconsistency",
	"kpis", "rankings", "bulletins", "caselist", "analysis", "enfevidence", "inspections", "citizeninsp", "fieldcase",
	"merchants", "merchant", "citizenshop", "permits", "citizenpermits", "merchantnotice", "council"}

func (s *Server) parseTemplates() error {
	s.pages = map[string]*template.Template{}
	funcs := template.FuncMap{
		"deref":       func(b *bool) bool { return b != nil && *b },
		"outcomeName": func(k inspect.OutcomeKind) string { return inspect.OutcomeName(k) },
		"lightClass": func(l worktime.Light) string {
			if l == "" {
				return "light-none"
			}
			return "light-" + string(l)
		},
		// list3 and splitBar feed the assessment pages' shared table:
		// its language, "|"-separated headers and rows.
		"list3":    func(a, b, c any) []any { return []any{a, b, c} },
		"splitBar": func(s string) []string { return strings.Split(s, "|") },
	}
	for _, name := range pageFiles {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/an_parts.html", "templates/part_*.html", "templates/"+name+".html")
		if err != nil {
			return fmt.Errorf("web: parse template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	// The queue fragment is re-rendered for live updates.
	return nil
}

// Routes registers the pages on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	p := s.page
	mux.Handle("GET /{$}", p(s.handleHome))
	mux.Handle("GET /assets/{name...}", http.HandlerFunc(s.handleAsset))
	mux.Handle("GET /signin", p(s.handleSignInForm))
	mux.Handle("POST /signin", p(s.handleSignIn))
	mux.Handle("POST /signout", p(s.handleSignOut))
	s.passwordRoutes(mux)

	mux.Handle("GET /console", p(s.handleWorkbench))
	mux.Handle("GET /console/events", http.HandlerFunc(s.handleEvents))
	mux.Handle("GET /console/cases/{id}", p(s.handleCasePage))
	mux.Handle("GET /console/code/{code}", p(s.handleCaseByCode))
	mux.Handle("POST /console/cases/{id}/act", p(s.handleCaseAct))
	mux.Handle("GET /console/map", p(s.handleMapPage))
	mux.Handle("GET /web/map/cases", s.json(s.handleMapCases))
	mux.Handle("GET /web/map/grids", s.json(s.handleMapGrids))
	mux.Handle("GET /web/map/base", s.json(s.handleBaseLayer))
	mux.Handle("GET /console/admin", p(s.handleAdmin))
	mux.Handle("POST /console/admin/regions", p(s.handleAdminRegionImport))
	mux.Handle("POST /console/admin/departments", p(s.handleAdminDepartment))
	mux.Handle("POST /console/admin/rules", p(s.handleAdminRule))
	mux.Handle("POST /console/admin/subclasses", p(s.handleAdminSubClass))
	mux.Handle("GET /web/overview/stats", s.json(s.handleOverviewStats))
	mux.Handle("POST /console/admin/rules/{id}/delete", p(s.handleAdminRuleDelete))
	mux.Handle("POST /console/admin/accounts", p(s.handleAdminAccount))
	mux.Handle("POST /console/admin/accounts/{id}/disable", p(s.handleAdminAccountDisable))
	mux.Handle("POST /console/admin/accounts/{id}/enable", p(s.handleAdminAccountEnable))

	mux.Handle("GET /citizen", p(s.handleCitizenForm))
	mux.Handle("POST /citizen/report", p(s.handleCitizenReport))
	mux.Handle("GET /citizen/suggest", s.json(s.handleSuggest))
	mux.Handle("GET /citizen/track", p(s.handleTrack))
	mux.Handle("GET /citizen/mine", p(s.handleMine))
	mux.Handle("POST /citizen/mine/code", p(s.handleMineCode))
	mux.Handle("POST /citizen/mine/list", p(s.handleMineList))
	mux.Handle("POST /citizen/rate", p(s.handleRate))
	mux.Handle("GET /citizen/map", p(s.handlePublicMapPage))
	mux.Handle("GET /citizen/map/cases", httpkit.Handle(s.handlePublicMapCases))
	mux.Handle("GET /citizen/toilets", p(s.handleToiletsPage))
	mux.Handle("GET /citizen/toilets.js", http.HandlerFunc(s.handleToiletsJS))
	mux.Handle("GET /citizen/track/photo", httpkit.Handle(s.handleTrackPhoto))

	mux.Handle("GET /field", p(s.handleField))
	mux.Handle("GET /field/tasks", s.json(s.handleFieldTasks))
	mux.Handle("POST /field/report", s.json(s.handleFieldReport))
	mux.Handle("GET /field/manifest.webmanifest", http.HandlerFunc(s.handleManifest))
	mux.Handle("GET /field/sw.js", http.HandlerFunc(s.handleServiceWorker))
	mux.Handle("GET /field/cases/{id}", p(s.handleFieldCase))
	mux.Handle("POST /field/cases/{id}/act", p(s.handleFieldAct))
	s.sensingRoutes(mux)
	s.enforcementRoutes(mux)
	s.inspectionRoutes(mux)
	s.bigscreenRoutes(mux)
	s.analysisRoutes(mux)
	mux.Handle("GET /favicon.ico", http.HandlerFunc(s.handleFavicon))
	mux.Handle("POST /console/queue/sign", p(s.handleBatchSign))
	s.merchantRoutes(mux)
	s.permitRoutes(mux)
	s.councilRoutes(mux)
}

// page adapts an error-returning page handler: errors become an HTML page
// with the status httpkit would give them.
func (s *Server) page(fn httpkit.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r, err := s.withSession(w, r)
		if err == nil {
			err = fn(w, r)
		}
		if err != nil && !s.redirectMustChange(w, r, err) {
			s.renderError(w, r, err)
		}
	})
}

// json adapts an error-returning JSON handler, with the session resolved.
func (s *Server) json(fn httpkit.HandlerFunc) http.Handler {
	return httpkit.Handle(func(w http.ResponseWriter, r *http.Request) error {
		r, err := s.withSession(w, r)
		if err != nil {
			return err
		}
		return fn(w, r)
	})
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, err error) {
	p := httpkit.ProblemFor(r, err)
	if p.Status >= 500 {
		s.Log.Error("page failed", "request_id", p.RequestID, "path", r.URL.Path, "err", err)
	}
	if p.Status == http.StatusUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/signin?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	v := s.view(w, r, "error")
	v.Title = p.Title
	v.Data = p
	s.render(w, r, http.StatusOK+p.Status-200, "error", v)
}

// view is what every page template gets.
type view struct {
	L        lang
	Title    string
	Actor    *org.Actor
	Account  *org.Account
	CSRF     string
	Built    bool
	Elderly  bool
	BaseMap  string // the base map spec as JSON, for the map script
	Shell    string // console | citizen | field
	Path     string
	Data     any
	Flash    string
	Error    string
	assets   map[string]asset
	sensing  bool // the sensing pages are mounted
	enforce  bool // the enforcement pages are mounted
	analysis bool // the assessment pages are mounted
	inspect  bool // the random-inspection pages are mounted
}

// Asset gives the hashed URL of a bundle file.
func (v *view) Asset(name string) string {
	a, ok := v.assets[name]
	if !ok {
		return "/assets/" + name
	}
	return hashedPath(name, a.hash) // static.go
}

// HasAsset reports whether the bundle file exists.
func (v *view) HasAsset(name string) bool { _, ok := v.assets[name]; return ok }

// Has reports whether the signed-in actor holds post p.
func (v *view) Has(p string) bool {
	if v.Actor == nil {
		return false
	}
	_, ok := v.Actor.Grant(org.Post(p))
	return ok
}

// PostName names a post in the page's language.
func (v *view) PostName(p org.Post) string { return v.L.pick(org.PostNames[p]) }

// Time formats t in the city's zone.
func (v *view) Time(t any) string {
	switch x := t.(type) {
	case time.Time:
		if x.IsZero() {
			return "—"
		}
		return x.In(v.L.loc).Format("2006-01-02 15:04")
	case *time.Time:
		if x == nil {
			return "—"
		}
		return x.In(v.L.loc).Format("2006-01-02 15:04")
	}
	return "—"
}

// LangURL is the current page in the other language.
func (v *view) LangURL() string {
	other := "en"
	if v.L.en {
		other = "zh"
	}
	return v.Path + sep(v.Path) + "lang=" + other
}

// QuerySep is "?" or "&": what joins one more parameter to Path.
func (v *view) QuerySep() string { return sep(v.Path) }

func sep(p string) string {
	if strings.Contains(p, "?") {
		return "&"
	}
	return "?"
}

func (s *Server) view(w http.ResponseWriter, r *http.Request, shell string) *view {
	l := s.langOf(w, r)
	v := &view{L: l, Built: s.BundleBuilt(), Shell: shell, Path: pathWithoutLang(r), assets: s.assets, sensing: s.Sensing != nil,
		enforce: s.Enforcement != nil, analysis: s.API != nil, inspect: s.Inspections != nil}
	if sess, ok := sessionFrom(r.Context()); ok {
		v.Actor, v.Account = &sess.actor, sess.account
		v.CSRF = s.csrfFor(sess)
	} else {
		v.CSRF = s.anonCSRF(w, r)
	}
	if c, err := r.Cookie("cl_elderly"); err == nil && c.Value == "1" {
		v.Elderly = true
	}
	v.BaseMap = s.base.spec
	if s.base.csp != "" {
		w.Header().Set("Content-Security-Policy", s.base.csp)
	}
	return v
}

func pathWithoutLang(r *http.Request) string {
	q := r.URL.Query()
	q.Del("lang")
	q.Del("elderly")
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, v *view) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		s.Log.Error("render", "page", name, "err", err, "request_id", httpkit.RequestID(r.Context()))
		http.Error(w, "内部错误 / internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(buf.String()))
}

// renderFragment renders one named template of a page (for live updates).
func (s *Server) renderFragment(w http.ResponseWriter, page, name string, v *view) error {
	var buf strings.Builder
	if err := s.pages[page].ExecuteTemplate(&buf, name, v); err != nil {
		return fmt.Errorf("render %s/%s: %w", page, name, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte(buf.String()))
	return err
}

func (s *Server) handleHome(w http.ResponseWriter, r *http.Request) error {
	v := s.view(w, r, "home")
	v.Title = v.L.T("app")
	at := s.World.Atlas()
	info := map[string]any{"City": "—", "Grids": at.Grids(), "Districts": len(at.Regions(org.LevelDistrict))}
	if c := at.City(); c != nil {
		info["City"] = c.Name
	}
	v.Data = info
	s.render(w, r, http.StatusOK, "home", v)
	return nil
}

// requirePost returns the session's actor or an error for pages that need
// one of posts (none = any signed-in post).
func requireActor(r *http.Request) (*session, error) {
	sess, ok := sessionFrom(r.Context())
	if !ok {
		return nil, errs.Unauthenticated("请先登录 / sign in first")
	}
	return sess, nil
}
