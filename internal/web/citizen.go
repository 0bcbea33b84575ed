package web

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base32"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/casework"
	"cityloop/internal/catalog"
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// citizenActor is the anonymous reporter (随手拍 needs no registration).
var citizenActor = org.Actor{ID: "", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}

// trackingKey proves that whoever holds it got it when reporting the case:
// HMAC-SHA256(server secret, case id), first 80 bits in base32 (16 letters
// and digits, easy to copy from a phone).
func (s *Server) trackingKey(caseID string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("track\x00" + caseID))
	return base32.StdEncoding.EncodeToString(m.Sum(nil)[:10])
}

func (s *Server) keyMatches(caseID, key string) bool {
	key = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(key), " ", ""))
	return key != "" && hmac.Equal([]byte(key), []byte(s.trackingKey(caseID)))
}

// elderly reads ?elderly=1|0 into a cookie (适老化: large type, one action per screen).
func elderly(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Query().Get("elderly") {
	case "1":
		http.SetCookie(w, &http.Cookie{Name: "cl_elderly", Value: "1", Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		r.AddCookie(&http.Cookie{Name: "cl_elderly", Value: "1"})
	case "0":
		http.SetCookie(w, &http.Cookie{Name: "cl_elderly", Value: "", Path: "/", MaxAge: -1, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		r.Header.Del("Cookie")
	}
}

type citizenPage struct {
	Categories []option
	Center     string
	TileURL    string
}

func (s *Server) handleCitizenForm(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("citizen")
	p := &citizenPage{TileURL: s.TileURL}
	p.Categories = append([]option{{Value: "", Label: v.L.T("leave_to_operator")}}, s.categoryOptions(v.L, "", false)...)
	if c := s.World.Atlas().City(); c != nil {
		ctr := c.Shape.Centroid()
		p.Center = strconv.FormatFloat(ctr.Lat, 'f', 5, 64) + "," + strconv.FormatFloat(ctr.Lng, 'f', 5, 64)
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "citizen", v)
	return nil
}

func parseLngLat(lngS, latS string) (*float64, *float64, error) {
	if lngS == "" || latS == "" {
		return nil, nil, errs.Invalid("请选择位置：使用当前位置或在地图上点选 / choose a location: use GPS or tap the map").WithField("lng", "required")
	}
	lng, err1 := strconv.ParseFloat(lngS, 64)
	lat, err2 := strconv.ParseFloat(latS, 64)
	if err1 != nil || err2 != nil {
		return nil, nil, errs.Invalid("the location is not a number").WithField("lng", "invalid")
	}
	return &lng, &lat, nil
}

func (s *Server) handleCitizenReport(w http.ResponseWriter, r *http.Request) error {
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	f := r.Form
	lng, lat, err := parseLngLat(f.Get("lng"), f.Get("lat"))
	if err != nil {
		return err
	}
	photos, err := s.savePhotos(r, "photos", "")
	if err != nil {
		return err
	}
	if len(photos) == 0 {
		return errs.Invalid("请拍一张现场照片 / add a photo of the problem").WithField("photos", "required")
	}
	phone := strings.TrimSpace(f.Get("phone"))
	if utf8.RuneCountInString(phone) > 32 {
		return errs.Invalid("the phone number is too long").WithField("phone", "too long")
	}
	rep := casework.Report{Source: casework.SourceCitizen, Description: strings.TrimSpace(f.Get("description")),
		Lng: lng, Lat: lat, CRS: "wgs84", Photos: photos, Phone: phone, Category: f.Get("category")}
	in, err := s.Cases.Report(r.Context(), citizenActor, rep)
	if err != nil {
		return err
	}
	s.broker.publishCase(in.Case.Code, in.Case)
	http.Redirect(w, r, "/citizen/track?new=1&code="+in.Case.Code+"&key="+s.trackingKey(in.Case.ID), http.StatusSeeOther)
	return nil
}

// suggestCategory picks the sub-class whose Chinese or English name shares
// the longest run of characters with the words (at least two), or none.
func suggestCategory(d *catalog.Dictionary, text string, at time.Time) (catalog.SubClass, bool) {
	text = strings.ToLower(strings.TrimSpace(text))
	if text == "" {
		return catalog.SubClass{}, false
	}
	var best catalog.SubClass
	bestRun, bestLen := 0, 0
	for _, sc := range d.SubClasses(at) {
		run := max(commonRun(text, sc.Name.Zh), commonRun(text, strings.ToLower(sc.Name.En))/3)
		n := utf8.RuneCountInString(sc.Name.Zh)
		// The longest shared run wins; on a tie, the name it covers most (路灯 over 路灯井盖).
		if run > bestRun || (run == bestRun && run > 0 && n < bestLen) {
			best, bestRun, bestLen = sc, run, n
		}
	}
	return best, bestRun >= 2
}

// commonRun is the length in runes of the longest substring of b found in a.
func commonRun(a, b string) int {
	rb := []rune(b)
	best := 0
	for i := range rb {
		for j := i + best + 1; j <= len(rb); j++ {
			if !strings.Contains(a, string(rb[i:j])) {
				break
			}
			best = j - i
		}
	}
	return best
}

func (s *Server) handleSuggest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query().Get("q")
	if len(q) > 2000 {
		q = q[:2000]
	}
	sc, ok := suggestCategory(s.World.Dict(), q, s.Now())
	if !ok {
		return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"ref": ""})
	}
	l := s.langOf(w, r)
	return httpkit.WriteJSON(w, http.StatusOK, map[string]any{"ref": sc.Ref.String(), "name": l.pick([2]string{sc.Name.Zh, sc.Name.En})})
}

type trackEvent struct {
	At           time.Time
	Action, Post string
	Status       string
}

type trackPage struct {
	Code, Key         string
	New               bool
	Found             bool
	Status, Category  string
	Closed, Rated     bool
	KeyOK             bool
	Hint              string // what the key would show, when it is missing or wrong
	Satisfaction      string
	Reported          time.Time
	Events            []trackEvent
	SatisfactionNames []option
}

func (s *Server) handleTrack(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("track")
	q := r.URL.Query()
	p := &trackPage{Code: strings.TrimSpace(q.Get("code")), Key: strings.TrimSpace(q.Get("key")), New: q.Get("new") == "1"}
	v.Data = p
	if q.Get("rated") == "1" {
		v.Flash = v.L.T("rated")
	}
	if p.Code != "" {
		c, err := s.Cases.TrackCase(r.Context(), p.Code)
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return err
		}
		if c != nil && err == nil {
			if err := s.fillTrack(r, v.L, p, c); err != nil {
				return err
			}
		} else {
			v.Error = v.L.pick([2]string{"没有这个编号的案件", "No case has this code"})
		}
		if p.Key != "" && p.Found && !p.KeyOK {
			v.Error = v.L.T("bad_key")
		}
	}
	s.render(w, r, http.StatusOK, "track", v)
	return nil
}

// fillTrack shows progress without personal data: no names, notes, phone
// numbers or photos; only what happened, when, and which post did it. Case
// codes are sequential, so whoever lacks the tracking key (given only to
// the reporter) sees the status alone: not the category, the report time,
// the timeline or the rating.
func (s *Server) fillTrack(r *http.Request, l lang, p *trackPage, c *casework.Case) error {
	p.Found, p.Code = true, c.Code
	p.Status = l.pick(casework.StatusNames[c.Status])
	p.KeyOK = p.Key != "" && s.keyMatches(c.ID, p.Key)
	if !p.KeyOK {
		p.Hint = l.pick([2]string{"输入上报时得到的查询码，可查看问题类别和办理经过。", "Enter the tracking key you were given when reporting to see the category and the progress."})
		return nil
	}
	tl, err := s.Cases.TimelineWithKey(r.Context(), c.ID)
	if err != nil {
		return err
	}
	p.Category, p.Reported = s.categoryName(l, c), c.ReportedAt
	p.Closed, p.Rated = c.Status == casework.StatusClosed, c.Satisfaction != ""
	if p.Rated {
		p.Satisfaction = l.T(c.Satisfaction)
	}
	for _, e := range tl {
		if !disclose.EventPublic(e.Action) {
			continue // internal supervision, not the citizen's business
		}
		p.Events = append(p.Events, trackEvent{At: e.At, Action: l.pick(casework.ActionNames[e.Action]), Post: l.pick(org.PostNames[e.Post]),
			Status: l.pick(casework.StatusNames[e.To])})
	}
	for _, sat := range []string{"satisfied", "basic", "unsatisfied"} {
		p.SatisfactionNames = append(p.SatisfactionNames, option{Value: sat, Label: l.T(sat)})
	}
	return nil
}

func (s *Server) handleRate(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	code, key := strings.TrimSpace(r.PostFormValue("code")), r.PostFormValue("key")
	c, err := s.Cases.TrackCase(r.Context(), code)
	if err != nil {
		return err
	}
	if !s.keyMatches(c.ID, key) {
		return errs.Forbidden("查询码不正确，只有上报人可以评价 / the tracking key is wrong; only the reporter may rate")
	}
	// The tracking key is the citizen's authority over this one case.
	actor := org.Actor{ID: "citizen", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}
	cmd := casework.Command{Action: casework.ActRate, Actor: actor, Satisfaction: r.PostFormValue("satisfaction"),
		Note: strings.TrimSpace(r.PostFormValue("note"))}
	rated, _, err := s.Cases.ActWithKey(r.Context(), c.ID, cmd)
	if err != nil {
		return err
	}
	s.broker.publishCase(rated.Code, rated)
	http.Redirect(w, r, "/citizen/track?rated=1&code="+c.Code+"&key="+urlQueryEscape(key), http.StatusSeeOther)
	return nil
}
