package open311

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/georeport"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// Request is a case as Open311 shows it, assembled by the views (views.go).
type Request struct {
	CaseID      string
	Code        string
	Status      casework.Status
	Source      casework.Source
	Category    string // dictionary ref, "" when unclassified
	Description string
	Address     string
	Lng, Lat    float64
	Department  string
	Suggested   string
	Photos      []string // the reporter's: those of the report event
	ReportedAt  time.Time
	UpdatedAt   time.Time
	CaseDue     *time.Time
	MediaURL    string // from an Open311 POST
}

// Query selects requests for GET requests. Codes, when set, win over every
// other field (the specification says the other parameters are ignored).
type Query struct {
	Codes      []string // case numbers or case ids
	Categories []string
	From, To   time.Time // reported_at in [From, To)
	Open       *bool
	Limit      int
}

// Update is one line of a case's timeline as the updates extension shows it.
type Update struct {
	ID          string // the event id
	RequestCode string
	Action      casework.Action
	Status      casework.Status // after the update
	At          time.Time
	Note        string
	Photos      []string
	Source      casework.Source // the case's
	CaseStatus  casework.Status // the case's status now
}

// Store keeps what Open311 adds beside the cases: the extras of its POSTs
// and the api keys. hubstore implements it.
type Store interface {
	// MediaURLs returns the media URLs Open311 POSTs gave these cases, by
	// case id; cases without one are left out.
	MediaURLs(ctx context.Context, caseIDs []string) (map[string]string, error)
	SaveExtra(ctx context.Context, e georeport.Extra) error
	// FindCaseIDByToken returns the id of the case a token stands for, or
	// NotFound.
	FindCaseIDByToken(ctx context.Context, token string) (string, error)
	CreateKey(ctx context.Context, k georeport.Key) error
	// FindKey returns an unrevoked key by hash, or NotFound.
	FindKey(ctx context.Context, hash []byte) (*georeport.Key, error)
	// RevokeKeys revokes every key of an account and says how many.
	RevokeKeys(ctx context.Context, accountID string, at time.Time) (int, error)
	// ClaimUpdate records that an account's update_id is being applied to
	// a case, or answers claimed=false with the row of an earlier post of
	// the same update_id. FinishUpdate records the event it became;
	// ReleaseUpdate forgets a claim whose update was refused.
	ClaimUpdate(ctx context.Context, u georeport.Update) (prev *georeport.Update, claimed bool, err error)
	FinishUpdate(ctx context.Context, accountID, updateID, eventID string, action casework.Action) error
	ReleaseUpdate(ctx context.Context, accountID, updateID string) error
}

// CaseReader is what the views read of the cases (see views.go). A case
// here is a head (id, number, status, source, category, description,
// address, point, departments, report, update and deadline times); its
// other fields may be zero. sqlstore implements it.
type CaseReader interface {
	// FindCaseHeads returns the cases whose number or id is in codes,
	// newest report first, at most limit.
	FindCaseHeads(ctx context.Context, codes []string, limit int) ([]*casework.Case, error)
	// FindCaseHeadsReported returns the cases reported in [from, to),
	// newest first, at most limit, of these categories when any are given,
	// only open or only ended ones when open is set.
	FindCaseHeadsReported(ctx context.Context, from, to time.Time, categories []string, open *bool, limit int) ([]*casework.Case, error)
	// ReportPhotos returns the photos of each case's report event by case
	// id, leaving out cases whose report has none.
	ReportPhotos(ctx context.Context, caseIDs []string) (map[string][]string, error)
	// FindEventsBetween returns up to limit events of [from, to), in id
	// order, and their cases by id.
	FindEventsBetween(ctx context.Context, from, to time.Time, limit int) ([]casework.Event, map[string]*casework.Case, error)
	// CaseCode returns the number of the case with id, or NotFound.
	CaseCode(ctx context.Context, id string) (string, error)
}

// Accounts resolves the account behind an api_key.
type Accounts interface {
	FindAccountByID(ctx context.Context, id string) (*org.Account, error)
	FindAccountByUsername(ctx context.Context, username string) (*org.Account, error)
}

// maxBody bounds a POST body.
const maxBody = 1 << 20

// Server holds what the handlers need.
type Server struct {
	Cases *casework.Service
	Dict  func() *catalog.Dictionary
	Atlas func() *org.Atlas
	Store Store
	// CaseReader reads the cases the views show.
	CaseReader CaseReader
	Accounts   Accounts
	// Bearer resolves an Authorization: Bearer header (ok=false without one),
	// so signed-in API clients may post without an api_key.
	Bearer func(r *http.Request) (org.Actor, bool, error)
	Now    func() time.Time
	Loc    *time.Location
	// Jurisdiction is the jurisdiction_id this server answers to; the city's
	// region code is accepted too. Empty jurisdiction_id is always fine
	// (the server serves one jurisdiction).
	Jurisdiction string
	Contact      string
	KeyService   string
	// PublicURL is the configured base URL of the platform (scheme, host,
	// optional path), from which media_url and discovery links are built;
	// the request's Host header is never reflected.
	PublicURL string
	Log       *slog.Logger
}

// MaxRequests is the most requests one GET returns; DefaultWindow is the
// window when no dates are given, and the longest window allowed.
const (
	MaxRequests   = 1000
	DefaultWindow = 90 * 24 * time.Hour
)

// Routes mounts the endpoints on mux.
func (s *Server) Routes(mux *http.ServeMux) {
	mux.Handle("GET /open311/v2/{file}", s.handle(s.routeTop))
	mux.Handle("POST /open311/v2/{file}", s.handle(s.routePost))
	mux.Handle("GET /open311/v2/services/{file}", s.handle(s.handleServiceDefinition))
	mux.Handle("GET /open311/v2/requests/{file}", s.handle(s.handleRequest))
	mux.Handle("GET /open311/v2/tokens/{file}", s.handle(s.handleToken))
	mux.Handle("/open311/", s.handle(func(w http.ResponseWriter, r *http.Request, f format) error {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			return apiError{http.StatusMethodNotAllowed, "method " + r.Method + " is not supported; Open311 uses GET and POST"}
		}
		return apiError{http.StatusNotFound, "no Open311 resource at " + r.URL.Path + "; see /open311/v2/discovery.xml"}
	}))
}

func (s *Server) routeTop(w http.ResponseWriter, r *http.Request, f format) error {
	switch base(r.PathValue("file")) {
	case "discovery":
		return s.handleDiscovery(w, r, f)
	case "services":
		return s.handleServices(w, r, f)
	case "requests":
		return s.handleRequests(w, r, f)
	case "servicerequestupdates":
		return s.handleUpdates(w, r, f)
	}
	return apiError{http.StatusNotFound, "no Open311 resource " + r.URL.Path + "; see /open311/v2/discovery.xml"}
}

func (s *Server) routePost(w http.ResponseWriter, r *http.Request, f format) error {
	switch base(r.PathValue("file")) {
	case "requests":
		return s.handlePost(w, r, f)
	case "servicerequestupdates":
		return s.handlePostUpdate(w, r, f)
	case "services", "discovery":
		return apiError{http.StatusMethodNotAllowed, "POST is not supported on " + r.URL.Path}
	}
	return apiError{http.StatusNotFound, "no Open311 resource " + r.URL.Path}
}

// format is the response format chosen by the path's suffix.
type format int

const (
	formatXML format = iota
	formatJSON
)

// splitFormat splits "x.json" into ("x", json). No suffix means XML, the
// format the specification requires; an unknown suffix is an error.
func splitFormat(file string) (string, format, error) {
	i := strings.LastIndexByte(file, '.')
	if i < 0 {
		return file, formatXML, nil
	}
	switch strings.ToLower(file[i+1:]) {
	case "json":
		return file[:i], formatJSON, nil
	case "xml":
		return file[:i], formatXML, nil
	}
	// A dot inside an id (not a format) is not ours to guess at.
	return file, formatXML, apiError{http.StatusBadRequest, "unsupported format ." + file[i+1:] + "; use .xml or .json"}
}

func base(file string) string { b, _, _ := splitFormat(file); return b }

// apiError is an Open311 error: the HTTP status is the code.
type apiError struct {
	Code        int
	Description string
}

func (e apiError) Error() string { return e.Description }

type errorItem struct {
	Code        int    `json:"code" xml:"code"`
	Description string `json:"description" xml:"description"`
}

type errorsXML struct {
	XMLName xml.Name    `xml:"errors"`
	Errors  []errorItem `xml:"error"`
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, f format) error

// handle adapts a handler: it picks the format, checks jurisdiction_id, and
// writes any error in the specification's format.
func (s *Server) handle(fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := formatXML
		if file := r.PathValue("file"); file != "" {
			var err error
			_, f, err = splitFormat(file)
			if err != nil {
				s.writeError(w, r, f, err)
				return
			}
		} else if strings.HasSuffix(r.URL.Path, ".json") {
			f = formatJSON
		}
		if r.Method == http.MethodPost {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		if err := s.checkJurisdiction(r); err != nil {
			s.writeError(w, r, f, err)
			return
		}
		if err := fn(w, r, f); err != nil {
			s.writeError(w, r, f, err)
		}
	})
}

func (s *Server) checkJurisdiction(r *http.Request) error {
	j := r.URL.Query().Get("jurisdiction_id")
	if j == "" && r.Method == http.MethodPost {
		if err := r.ParseForm(); err == nil {
			j = r.PostForm.Get("jurisdiction_id")
		}
	}
	if j == "" || j == s.jurisdiction() {
		return nil
	}
	if a := s.Atlas(); a != nil && a.City() != nil && j == a.City().Code {
		return nil
	}
	return apiError{http.StatusNotFound, "jurisdiction_id " + j + " was not found; this server serves " + s.jurisdiction()}
}

func (s *Server) jurisdiction() string {
	if s.Jurisdiction != "" {
		return s.Jurisdiction
	}
	return "cityloop"
}

// writeError maps errs kinds onto the three codes of the specification
// (400, 403, 404) and keeps internal errors out of the response.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, f format, err error) {
	if httpkit.ClientGone(r, err) {
		// The client went away: nobody reads an answer, and it is no error
		// of ours (the access log shows 499).
		w.WriteHeader(httpkit.StatusClientClosed)
		return
	}
	var ae apiError
	if !errors.As(err, &ae) {
		ae = apiError{http.StatusInternalServerError, "internal error; give the request id " + httpkit.RequestID(r.Context()) + " to an administrator"}
		if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
			ae.Description = e.Message
			for _, fe := range e.Fields {
				ae.Description += "; " + fe.Field + ": " + fe.Message
			}
			switch e.Kind {
			case errs.KindNotFound:
				ae.Code = http.StatusNotFound
			case errs.KindForbidden, errs.KindUnauthenticated:
				ae.Code = http.StatusForbidden
			case errs.KindUnavailable:
				ae.Code = http.StatusServiceUnavailable
			case errs.KindTooLarge:
				ae.Code = http.StatusRequestEntityTooLarge
			default:
				ae.Code = http.StatusBadRequest
			}
		} else if s.Log != nil {
			s.Log.Error("open311 request failed", "request_id", httpkit.RequestID(r.Context()), "path", r.URL.Path, "err", err)
		}
	}
	items := []errorItem{{Code: ae.Code, Description: ae.Description}}
	if f == formatJSON {
		writeJSON(w, ae.Code, items)
		return
	}
	writeXML(w, ae.Code, errorsXML{Errors: items})
}

func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

func writeXML(w http.ResponseWriter, status int, v any) error {
	b, err := xml.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	w.WriteHeader(status)
	buf := make([]byte, 0, len(xml.Header)+len(b)+1)
	buf = append(append(append(buf, xml.Header...), b...), '\n')
	_, err = w.Write(buf)
	return err
}

func write(w http.ResponseWriter, f format, status int, jsonV, xmlV any) error {
	if f == formatJSON {
		return writeJSON(w, status, jsonV)
	}
	return writeXML(w, status, xmlV)
}

// english reports whether the client asked for English names (locale=en,
// lang=en or Accept-Language: en…); Chinese is the default.
func english(r *http.Request) bool {
	if l := r.URL.Query().Get("locale"); l != "" {
		return strings.HasPrefix(strings.ToLower(l), "en")
	}
	return httpkit.English(r)
}

func pick(t catalog.Text, en bool) string {
	if en && t.En != "" {
		return t.En
	}
	return t.Zh
}

// w3c formats a time as the specification's ISO 8601 subset, in the city's zone.
func (s *Server) w3c(t time.Time) string {
	loc := s.Loc
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format(time.RFC3339)
}

// base is the configured public base URL, without a trailing slash. A
// request's Host header is attacker-controlled (and caches may keep what it
// produced), so links never come from it.
func (s *Server) base() string {
	return strings.TrimSuffix(s.PublicURL, "/")
}

// Discovery.

type discoveryEndpoint struct {
	Specification string   `json:"specification" xml:"specification"`
	URL           string   `json:"url" xml:"url"`
	Changeset     string   `json:"changeset" xml:"changeset"`
	Type          string   `json:"type" xml:"type"`
	Formats       []string `json:"formats" xml:"formats>format"`
}

type discovery struct {
	XMLName    xml.Name            `json:"-" xml:"discovery"`
	Changeset  string              `json:"changeset" xml:"changeset"`
	Contact    string              `json:"contact" xml:"contact"`
	KeyService string              `json:"key_service" xml:"key_service"`
	Endpoints  []discoveryEndpoint `json:"endpoints" xml:"endpoints>endpoint"`
}

// changeset is when the API last changed in a way clients should notice.
var changeset = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

func (s *Server) handleDiscovery(w http.ResponseWriter, r *http.Request, f format) error {
	d := discovery{Changeset: s.w3c(changeset), Contact: s.Contact, KeyService: s.KeyService,
		Endpoints: []discoveryEndpoint{{Specification: "http://wiki.open311.org/GeoReport_v2", URL: s.base() + "/open311/v2",
			Changeset: s.w3c(changeset), Type: "production", Formats: []string{"text/xml", "application/json"}}}}
	if d.Contact == "" {
		d.Contact = "12345 / 12319"
	}
	if d.KeyService == "" {
		d.KeyService = "An administrator issues api keys: POST /api/v1/open311/keys"
	}
	return write(w, f, http.StatusOK, d, d)
}

func parseRef(s string) (catalog.Ref, error) { return catalog.ParseRef(s) }
