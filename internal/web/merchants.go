package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
)

// The merchant pages (门前五包): the console's registry with each shop's
// credit and, for anyone, the page a shop's QR plate opens. Both show
// what GET /api/v1/merchants… answers, read in process (the console's as
// the signed-in person), so a grade on a page is the API's grade.

func (s *Server) merchantRoutes(mux *http.ServeMux) {
	if s.API == nil {
		return
	}
	p := s.page
	mux.Handle("GET /console/merchants", p(s.handleMerchantsPage))
	mux.Handle("GET /console/merchants/{id}", p(s.handleMerchantPage))
	mux.Handle("GET /console/merchants/{id}/notice", p(s.handleMerchantPage))
	mux.Handle("GET /citizen/shops/{id}", p(s.handleShopPlatePage))
	mux.Handle("GET /citizen/shops/{id}/qr.png", httpkit.Handle(s.handleShopQR))
}

// merchantText holds the pages' words, {Chinese, English}.
var merchantText = map[string][2]string{
	"title":       {"门前五包商户", "Frontage merchants (门前五包)"},
	"hint":        {"每户每年信用分1000分，责任区内发生的店外经营、乱堆物料、暴露垃圾等案件按规则扣分；A级及950分以上列入文明商户。", "Each shop starts the year with 1,000 points; loop cases in its zone (out-of-store trading, stacking, exposed litter …) deduct points by the rules; 950 or more is on the civilized-merchant list."},
	"q":           {"名称、地址或信用代码", "Name, address or credit code"},
	"region":      {"区域代码", "Region code"},
	"grade":       {"信用等级", "Grade"},
	"any":         {"全部", "Any"},
	"civilized":   {"仅文明商户", "Civilized merchants only"},
	"search":      {"查询", "Search"},
	"total":       {"共 %d 户", "%d merchants"},
	"name":        {"商户", "Merchant"},
	"address":     {"地址", "Address"},
	"score":       {"信用分", "Score"},
	"violations":  {"扣分案件", "Cases deducted"},
	"plate":       {"二维码牌", "QR plate"},
	"uscc":        {"统一社会信用代码", "Unified social credit code"},
	"trade":       {"业态", "Trade"},
	"contact":     {"责任人", "Responsible person"},
	"contact_out": {"不在您的辖区，联系方式不显示", "Outside your jurisdiction: contact not shown"},
	"signed":      {"责任书签订", "Letter signed"},
	"duties":      {"门前五包责任", "The five frontage duties"},
	"zone":        {"责任区", "Responsibility zone"},
	"zone_text":   {"店门至路缘石，左右至相邻门店分界", "From the shop front to the kerb, sideways to the neighbours"},
	"none":        {"今年无扣分案件", "No deductions this year"},
	"case":        {"案件", "Case"},
	"category":    {"类别", "Category"},
	"duty":        {"责任", "Duty"},
	"points":      {"扣分", "Points"},
	"at":          {"上报时间", "Reported"},
	"complain":    {"投诉此店门前问题", "Report a problem in front of this shop"},
	"plate_hint":  {"本店承诺履行门前五包责任。发现门前脏乱、占道经营等问题，请扫码投诉。", "This shop keeps its frontage. Seen litter or trading on the pavement in front? Report it."},
	"civil_badge": {"文明商户", "Civilized merchant"},
	"prev":        {"上一页", "Previous"},
	"next":        {"下一页", "Next"},
	"notice":      {"信用积分通知书", "Credit score notice"},
	"notice_body": {"根据门前五包责任制和商户信用积分管理规定，贵店本年度信用积分情况如下。请对照门前五包责任及时整改；对扣分有异议的，可自收到本通知之日起向辖区城市管理部门提出。", "Under the frontage-duty scheme and the merchant credit rules, your shop's credit this year stands as below. Please put right what the deductions name; if you disagree with a deduction, tell the district's urban management office after receiving this notice."},
	"notice_to":   {"致", "To"},
	"issued":      {"城市管理部门", "Urban management office"},
	"print":       {"打印", "Print"},
}

type merchantRow struct {
	ID, Name, USCC, Trade, Address, District, Street, Grid string
	Lng, Lat                                               float64
	Credit                                                 struct {
		Year, Score, Deducted, Violations int
		Grade                             string
		GradeName                         string `json:"grade_name"`
		Civilized                         bool
	}
	PlateURL string `json:"plate_url"`
}

type merchantsPage struct {
	T                map[string]string
	Items            []merchantRow
	Total            int
	TotalText        string
	Q, Region, Grade string
	Civilized        bool
	Prev, Next       string
	Grades           []string
}

// words picks a page's words in the view's language.
func words(v *view, text map[string][2]string) map[string]string {
	t := make(map[string]string, len(text))
	for k, m := range text {
		t[k] = v.L.pick(m)
	}
	return t
}

// handleMerchantsPage: GET /console/merchants — the registry with grades.
func (s *Server) handleMerchantsPage(w http.ResponseWriter, r *http.Request) error {
	v := s.view(w, r, "console")
	q := r.URL.Query()
	p := &merchantsPage{T: words(v, merchantText), Q: q.Get("q"), Region: q.Get("region"), Grade: q.Get("grade"), Civilized: q.Get("civilized") == "true",
		Grades: []string{"A", "B", "C", "D"}}
	offset, _ := strconv.Atoi(q.Get("offset"))
	api := url.Values{"limit": {"50"}, "offset": {strconv.Itoa(max(offset, 0))}}
	for _, k := range []string{"q", "region", "grade", "civilized"} {
		if x := q.Get(k); x != "" {
			api.Set(k, x)
		}
	}
	if v.L.en {
		api.Set("lang", "en")
	}
	var out struct {
		Items []merchantRow
		Total int
	}
	if err := s.apiCall(r, "GET", "/api/v1/merchants?"+api.Encode(), nil, &out); err != nil {
		if !errs.Is(err, errs.KindInvalid) {
			return err
		}
		v.Error = err.Error()
	}
	p.Items, p.Total = out.Items, out.Total
	p.TotalText = fmt.Sprintf(p.T["total"], out.Total)
	page := func(off int) string {
		u := url.Values{}
		for k, x := range api {
			if k != "limit" && k != "lang" {
				u[k] = x
			}
		}
		u.Set("offset", strconv.Itoa(off))
		return "/console/merchants?" + u.Encode()
	}
	if offset > 0 {
		p.Prev = page(max(offset-50, 0))
	}
	if offset+len(out.Items) < out.Total {
		p.Next = page(offset + 50)
	}
	v.Title, v.Data = p.T["title"], p
	s.render(w, r, http.StatusOK, "merchants", v)
	return nil
}

type merchantDetailPage struct {
	T          map[string]string
	M          merchantRow
	Contact    *struct{ Person, Phone string }
	SignedAt   time.Time `json:"signed_at"`
	Duties     []struct{ Duty, Name, Text string }
	Violations []struct {
		CaseID   string `json:"case_id"`
		CaseCode string `json:"case_code"`
		Category string
		Duty     string
		Points   int
		At       time.Time
	}
	ZoneJSON string
	Now      time.Time // when the notice is printed
}

// handleMerchantPage: GET /console/merchants/{id} — one shop.
func (s *Server) handleMerchantPage(w http.ResponseWriter, r *http.Request) error {
	v := s.view(w, r, "console")
	id := r.PathValue("id")
	var raw json.RawMessage
	path := "/api/v1/merchants/" + url.PathEscape(id)
	if v.L.en {
		path += "?lang=en"
	}
	if err := s.apiCall(r, "GET", path, nil, &raw); err != nil {
		return err
	}
	p := &merchantDetailPage{T: words(v, merchantText), Now: s.Now()}
	if err := json.Unmarshal(raw, &p.M); err != nil {
		return fmt.Errorf("merchant %s: %w", id, err)
	}
	var rest struct {
		Contact    *struct{ Person, Phone string }
		SignedAt   time.Time `json:"signed_at"`
		Duties     []struct{ Duty, Name, Text string }
		Violations json.RawMessage
		Zone       json.RawMessage
	}
	if err := json.Unmarshal(raw, &rest); err != nil {
		return fmt.Errorf("merchant %s: %w", id, err)
	}
	p.Contact, p.SignedAt, p.Duties, p.ZoneJSON = rest.Contact, rest.SignedAt, rest.Duties, string(rest.Zone)
	if err := json.Unmarshal(rest.Violations, &p.Violations); err != nil {
		return fmt.Errorf("merchant %s: %w", id, err)
	}
	v.Title, v.Data = p.M.Name, p
	if strings.HasSuffix(r.URL.Path, "/notice") {
		// The 信用积分通知书: the same figures as a printable notice.
		v.Title = p.T["notice"] + " · " + p.M.Name
		s.render(w, r, http.StatusOK, "merchantnotice", v)
		return nil
	}
	s.render(w, r, http.StatusOK, "merchant", v)
	return nil
}

type platePage struct {
	T                              map[string]string
	ID, Name, USCC, Trade, Address string
	Grade, GradeName               string
	Civilized                      bool
	Duties                         []struct{ Duty, Name, Text string }
	ComplaintURL                   string `json:"complaint_url"`
}

// handleShopPlatePage: GET /citizen/shops/{id} — what the shop's QR plate
// opens, for anyone: its duties, grade and the complaint link.
func (s *Server) handleShopPlatePage(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	p := &platePage{T: words(v, merchantText)}
	path := "/api/v1/merchants/" + url.PathEscape(r.PathValue("id")) + "/plate"
	if v.L.en {
		path += "?lang=en"
	}
	if err := s.publicCall(r, "GET", path, nil, p); err != nil {
		return err
	}
	v.Title, v.Data = p.Name, p
	s.render(w, r, http.StatusOK, "citizenshop", v)
	return nil
}

// handleShopQR: GET /citizen/shops/{id}/qr.png — the QR code printed on
// the plate, encoding the plate page's full address on this host.
func (s *Server) handleShopQR(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	var p platePage
	if err := s.publicCall(r, "GET", "/api/v1/merchants/"+url.PathEscape(id)+"/plate", nil, &p); err != nil {
		return err
	}
	scheme := "https"
	if r.TLS == nil && r.Header.Get("X-Forwarded-Proto") != "https" {
		scheme = "http"
	}
	png, err := qrcode.Encode(scheme+"://"+r.Host+"/citizen/shops/"+url.PathEscape(id), qrcode.Medium, 320)
	if err != nil {
		return fmt.Errorf("qr of shop %s: %w", id, err)
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "public, max-age=86400")
	_, err = w.Write(png)
	return err
}
