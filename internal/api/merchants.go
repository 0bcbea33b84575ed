package api

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/httpkit"
	"cityloop/internal/merchant"
	"cityloop/internal/org"
)

// Merchants serves /api/v1/merchants (门前五包: the registry, credit and
// QR plates); merchant.Service is one.
type Merchants interface {
	List(ctx context.Context, q merchant.ListQuery) ([]*merchant.Merchant, int, error)
	Get(ctx context.Context, id string) (*merchant.Merchant, []merchant.Violation, error)
	Plate(ctx context.Context, id string) (*merchant.Merchant, error)
	GradeName(g merchant.Grade) [2]string
	KeptIn(ctx context.Context, year int) (merchant.Kept, error)
}

func (s *Server) merchantDesk() (Merchants, error) {
	if s.Merchants == nil {
		return nil, errs.NotFound("此节点未提供商户（门前五包）接口 / the merchant registry is not served on this node")
	}
	return s.Merchants, nil
}

// PlatePath is the public page a shop's QR plate opens.
func PlatePath(id string) string { return "/citizen/shops/" + url.PathEscape(id) }

// creditView is a merchant's credit with its grade's name.
type creditView struct {
	merchant.Credit
	GradeName string `json:"grade_name"`
}

// merchantItem is one row of the list: never the contact.
type merchantItem struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	USCC     string     `json:"uscc"`
	Trade    string     `json:"trade,omitempty"`
	Address  string     `json:"address"`
	Lng      float64    `json:"lng"`
	Lat      float64    `json:"lat"`
	District string     `json:"district"`
	Street   string     `json:"street"`
	Grid     string     `json:"grid"`
	Credit   creditView `json:"credit"`
	PlateURL string     `json:"plate_url"`
}

type dutyView struct {
	Duty merchant.Duty `json:"duty"`
	Name string        `json:"name"`
	Text string        `json:"text"`
}

// merchantDetail is one merchant for staff: the zone, duties, the year's
// violations and, inside the caller's jurisdiction, the contact.
type merchantDetail struct {
	merchantItem
	Contact    *merchant.Contact    `json:"contact,omitempty"`
	Zone       geo.MultiPolygon     `json:"zone"`
	SignedAt   time.Time            `json:"signed_at"`
	Duties     []dutyView           `json:"duties"`
	Violations []merchant.Violation `json:"violations"`
}

// plateView is what anyone sees through the QR plate.
type plateView struct {
	ID           string           `json:"id"`
	Name         string           `json:"name"`
	USCC         string           `json:"uscc"`
	Trade        string           `json:"trade,omitempty"`
	Address      string           `json:"address"`
	Zone         geo.MultiPolygon `json:"zone"`
	Duties       []dutyView       `json:"duties"`
	Grade        merchant.Grade   `json:"grade"`
	GradeName    string           `json:"grade_name"`
	Civilized    bool             `json:"civilized"`
	ComplaintURL string           `json:"complaint_url"`
}

func duties(en bool) []dutyView {
	out := make([]dutyView, len(merchant.Duties))
	i := 0
	if en {
		i = 1
	}
	for k, d := range merchant.Duties {
		out[k] = dutyView{Duty: d.Duty, Name: d.Name[i], Text: d.Text[i]}
	}
	return out
}

func wantsEnglish(r *http.Request) bool {
	return r.URL.Query().Get("lang") == "en"
}

func (s *Server) merchantItem(d Merchants, m *merchant.Merchant, en bool) merchantItem {
	i := 0
	if en {
		i = 1
	}
	return merchantItem{ID: m.ID, Name: m.Name, USCC: m.USCC, Trade: m.Trade, Address: m.Address, Lng: round6(m.Point.Lng), Lat: round6(m.Point.Lat),
		District: m.District, Street: m.Street, Grid: m.Grid, Credit: creditView{Credit: m.Credit, GradeName: d.GradeName(m.Credit.Grade)[i]}, PlateURL: PlatePath(m.ID)}
}

// ComplaintURL opens the citizens' report form at the shop's frontage,
// with out-of-store trading chosen and the shop named, for the plate.
func ComplaintURL(m *merchant.Merchant) string {
	at := m.Point
	if len(m.Zone) > 0 {
		at = m.Zone.Centroid() // the frontage, not the shop's door
	}
	q := url.Values{}
	q.Set("lng", strconv.FormatFloat(at.Lng, 'f', 6, 64))
	q.Set("lat", strconv.FormatFloat(at.Lat, 'f', 6, 64))
	q.Set("category", "event:0504")
	q.Set("about", m.Name+"（"+m.Address+"）门前：")
	return "/citizen?" + q.Encode()
}

var merchantListParams = map[string]bool{"q": true, "region": true, "grade": true, "year": true, "civilized": true, "limit": true, "offset": true, "lang": true}

func parseMerchantQuery(q url.Values, thisYear int) (merchant.ListQuery, error) {
	bad := errs.Invalid("查询参数有误 / the query is not valid")
	for k := range q {
		if !merchantListParams[k] {
			bad.WithField(k, "unknown parameter; use q, region, grade, year, civilized, limit, offset")
		}
	}
	lq := merchant.ListQuery{Filter: merchant.Filter{Limit: 50, District: strings.TrimSpace(q.Get("region"))}, Grade: merchant.Grade(strings.ToUpper(q.Get("grade")))}
	var err error
	if lq.Query, err = merchant.NormQuery(q.Get("q")); err != nil {
		bad.WithField("q", "at most 50 characters")
	}
	if v := q.Get("year"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > thisYear {
			bad.WithField("year", "a year from 2000 to this year")
		}
		lq.Year = n
	}
	switch q.Get("civilized") {
	case "", "0", "false":
	case "1", "true":
		lq.Civilized = true
	default:
		bad.WithField("civilized", "true or false")
	}
	lq.Limit, lq.Offset = parsePage(q, bad, lq.Limit)
	if len(bad.Fields) > 0 {
		return lq, bad
	}
	return lq, nil
}

// handleMerchantList: GET /api/v1/merchants (staff) — the registry with
// each shop's credit grade this year, filtered by region, grade, name.
func (s *Server) handleMerchantList(w http.ResponseWriter, r *http.Request) error {
	if _, err := s.mustPost(r); err != nil {
		return err
	}
	return s.merchantList(w, r)
}

// handleCivilizedList: GET /api/v1/merchants/civilized (public) — the
// 文明商户 list: shops whose score this year is at the list's mark.
func (s *Server) handleCivilizedList(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	q.Set("civilized", "true")
	r.URL.RawQuery = q.Encode()
	return s.merchantList(w, r)
}

func (s *Server) merchantList(w http.ResponseWriter, r *http.Request) error {
	d, err := s.merchantDesk()
	if err != nil {
		return err
	}
	lq, err := parseMerchantQuery(r.URL.Query(), s.Now().In(s.Cal.Location()).Year())
	if err != nil {
		return err
	}
	ms, total, err := d.List(r.Context(), lq)
	if err != nil {
		return err
	}
	en := wantsEnglish(r)
	items := make([]merchantItem, len(ms))
	for i, m := range ms {
		items[i] = s.merchantItem(d, m, en)
	}
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"items": items, "total": total, "limit": lq.Limit, "offset": lq.Offset})
}

// handleMerchantGet: GET /api/v1/merchants/{id} (staff) — one shop with
// its zone, duties and violations; the contact, sealed at rest, only for
// a caller whose jurisdiction holds the shop's grid, and that view audited.
func (s *Server) handleMerchantGet(w http.ResponseWriter, r *http.Request) error {
	actor, err := s.mustPost(r)
	if err != nil {
		return err
	}
	d, err := s.merchantDesk()
	if err != nil {
		return err
	}
	m, vs, err := d.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	out := merchantDetail{merchantItem: s.merchantItem(d, m, wantsEnglish(r)), Zone: m.Zone, SignedAt: m.SignedAt, Duties: duties(wantsEnglish(r)), Violations: vs}
	if m.Contact != nil && s.Cases.ScopeOf(actor).Sees(org.LevelGrid, m.Grid, s.World.Atlas().Within) {
		out.Contact = m.Contact
		_ = s.audit(r, actor.ID, "merchant.contact_view", "merchant/"+m.ID, map[string]any{"grid": m.Grid})
	}
	return httpkit.WriteJSON(w, http.StatusOK, out)
}

// handleMerchantPlate: GET /api/v1/merchants/{id}/plate (public) — what
// the shop's QR plate opens: duties, zone, grade and a complaint link.
func (s *Server) handleMerchantPlate(w http.ResponseWriter, r *http.Request) error {
	d, err := s.merchantDesk()
	if err != nil {
		return err
	}
	m, err := d.Plate(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	i := 0
	if wantsEnglish(r) {
		i = 1
	}
	return httpkit.WriteJSON(w, http.StatusOK, plateView{ID: m.ID, Name: m.Name, USCC: m.USCC, Trade: m.Trade, Address: m.Address, Zone: m.Zone,
		Duties: duties(i == 1), Grade: m.Credit.Grade, GradeName: d.GradeName(m.Credit.Grade)[i], Civilized: m.Credit.Civilized, ComplaintURL: ComplaintURL(m)})
}

// parsePage reads limit (1–500, def when absent) and offset (≥ 0) of a
// list query, adding a field error to bad for each that is wrong.
func parsePage(q url.Values, bad *errs.Error, def int) (limit, offset int) {
	limit = def
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			bad.WithField("limit", "must be 1–500")
		}
		limit = n
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1_000_000 {
			bad.WithField("offset", "must be 0 or more")
		}
		offset = n
	}
	return limit, offset
}
