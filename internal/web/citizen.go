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
	"cityloop/internal/disclose"
	"cityloop/internal/errs"
	"cityloop/internal/geo"
	"cityloop/internal/org"
)

// citizenActor is the anonymous reporter (随手拍 needs no registration).
var citizenActor = org.Actor{ID: "", Name: "市民", Grants: []org.Grant{{Post: org.PostCitizen}}}

// trackingKey proves that whoever holds it got it when reporting the case:
// HMAC-SHA256(server secret, case id), first 80 bits in base32 (16 letters
// and digits, easy to copy from a phone).
func (s *Server) trackingKey(caseID string) string { return TrackingKey(s.Secret, caseID) }

// TrackingKey is the tracking key of a case under the web secret.
func TrackingKey(secret []byte, caseID string) string {
	m := hmac.New(sha256.New, secret)
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
	// What the person sent, shown again when the server refuses the
	// report, so that nothing typed or photographed is lost.
	Description, Phone string
	Lng, Lat           string
	Kept               []string // signed ids of photos already saved ([Server.keepToken])
	LocationProblem    bool     // the point is outside the city: step 1 needs a new pin
}

// citizenForm is what the form sent.
type citizenForm struct {
	description, phone, category, lng, lat string
}

func (s *Server) handleCitizenForm(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	// A shop's QR plate links here with its frontage, the category and a
	// first line naming the shop (see /citizen/shops/{id}); the person
	// still checks and sends the report.
	q := r.URL.Query()
	f := citizenForm{lng: q.Get("lng"), lat: q.Get("lat"), category: q.Get("category"), description: q.Get("about")}
	if len(f.lng) > 20 || len(f.lat) > 20 || len(f.category) > 20 || len([]rune(f.description)) > 200 {
		f = citizenForm{}
	}
	s.renderCitizenForm(w, r, http.StatusOK, f, nil, nil)
	return nil
}

// renderCitizenForm shows the report form, filled with f and the kept
// photos when the server refused a report (problem says why).
func (s *Server) renderCitizenForm(w http.ResponseWriter, r *http.Request, status int, f citizenForm, kept []string, problem error) {
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("citizen")
	p := &citizenPage{TileURL: s.TileURL, Description: f.description, Phone: f.phone, Lng: f.lng, Lat: f.lat}
	p.Categories = append([]option{{Value: "", Label: v.L.T("leave_to_operator")}}, s.categoryOptions(v.L, f.category, false)...)
	p.Center = s.cityCenter()
	for _, id := range kept {
		p.Kept = append(p.Kept, s.keepToken(id))
	}
	if problem != nil {
		v.Path = "/citizen" // the language switch must not GET the POST target
		p.LocationProblem = errs.Is(problem, errs.KindUnprocessable)
		v.Error = citizenProblem(v.L, problem, len(kept))
	}
	v.Data = p
	s.render(w, r, status, "citizen", v)
}

// citizenProblem says in the page's language what to fix. Our own
// messages are written "中文 / English"; the point outside the city gets
// its own words, as the atlas's are for API clients.
func citizenProblem(l lang, err error, photos int) string {
	var msg string
	if errs.Is(err, errs.KindUnprocessable) {
		msg = l.pick([2]string{"这个位置不在本市范围内，请在地图上重新点选问题所在的位置。",
			"This point is outside the city: tap the map where the problem is."})
	} else {
		msg = l.pick([2]string{"请检查填写的内容。", "Please check what you entered."})
		if e, ok := errs.As(err); ok {
			msg = e.Message
		}
		if zh, en, ok := strings.Cut(msg, " / "); ok {
			msg = l.pick([2]string{zh, en})
		}
	}
	if photos > 0 {
		msg += l.pick([2]string{"您填写的内容和照片已保留。", " What you typed and your photo are kept."})
	}
	return msg
}

// keepToken names a photo saved from a refused report so the next post of
// the form may use it without uploading it again; the MAC stops anyone
// attaching a photo they did not upload.
func (s *Server) keepToken(id string) string {
	m := hmac.New(sha256.New, s.Secret)
	m.Write([]byte("keep\x00" + id))
	return id + "." + base32.StdEncoding.EncodeToString(m.Sum(nil)[:10])
}

// keptPhotos returns the ids of the valid tokens, at most 9.
func (s *Server) keptPhotos(tokens []string) []string {
	var ids []string
	for _, t := range tokens {
		i := strings.LastIndexByte(t, '.')
		if i < 0 {
			continue
		}
		if id := t[:i]; hmac.Equal([]byte(t), []byte(s.keepToken(id))) && len(ids) < 9 {
			ids = append(ids, id)
		}
	}
	return ids
}

func parseLngLat(lngS, latS string) (*float64, *float64, error) {
	if lngS == "" || latS == "" {
		return nil, nil, errs.Invalid("请选择位置：使用当前位置或在地图上点选 / choose a location: use GPS or tap the map").WithField("lng", "required")
	}
	lng, err1 := strconv.ParseFloat(lngS, 64)
	lat, err2 := strconv.ParseFloat(latS, 64)
	if err1 != nil || err2 != nil {
		return nil, nil, errs.Invalid("位置不是数字 / the location is not a number").WithField("lng", "invalid")
	}
	return &lng, &lat, nil
}

// handleCitizenReport files a citizen's report. A report the server
// refuses for what the person can fix (no photo, a point outside the city)
// comes back as the citizen form with the words, the pin and the photos
// kept; only other failures get the error page.
func (s *Server) handleCitizenReport(w http.ResponseWriter, r *http.Request) error {
	cleanup, err := s.readForm(w, r)
	defer cleanup()
	if err != nil {
		return err
	}
	f := citizenForm{description: strings.TrimSpace(r.Form.Get("description")), phone: strings.TrimSpace(r.Form.Get("phone")),
		category: r.Form.Get("category"), lng: strings.TrimSpace(r.Form.Get("lng")), lat: strings.TrimSpace(r.Form.Get("lat"))}
	// Photos first, so they are kept whatever else is wrong.
	photos, err := s.savePhotos(r, "photos", "")
	if err != nil {
		return s.citizenRefused(w, r, f, s.keptPhotos(r.Form["kept"]), err)
	}
	if len(photos) == 0 {
		photos = s.keptPhotos(r.Form["kept"])
	}
	rep, err := s.citizenReport(f, photos)
	if err != nil {
		return s.citizenRefused(w, r, f, photos, err)
	}
	in, err := s.Cases.Report(r.Context(), citizenActor, rep)
	if err != nil {
		return s.citizenRefused(w, r, f, photos, err)
	}
	s.broker.publishCase(in.Case.Code, in.Case)
	http.Redirect(w, r, "/citizen/track?new=1&code="+in.Case.Code+"&key="+s.trackingKey(in.Case.ID), http.StatusSeeOther)
	return nil
}

// citizenReport checks the form as the person can fix it: a photo, a point
// inside the city (the atlas's grid index, as intake will use), a phone
// number of sane length.
func (s *Server) citizenReport(f citizenForm, photos []string) (casework.Report, error) {
	lng, lat, err := parseLngLat(f.lng, f.lat)
	if err != nil {
		return casework.Report{}, err
	}
	if _, err := s.World.Atlas().Locate(geo.Point{Lng: *lng, Lat: *lat}); err != nil {
		return casework.Report{}, err
	}
	if len(photos) == 0 {
		return casework.Report{}, errs.Invalid("请拍一张现场照片 / add a photo of the problem").WithField("photos", "required")
	}
	if utf8.RuneCountInString(f.phone) > 32 {
		return casework.Report{}, errs.Invalid("电话号码太长 / the phone number is too long").WithField("phone", "too long")
	}
	return casework.Report{Source: casework.SourceCitizen, Description: f.description,
		Lng: lng, Lat: lat, CRS: "wgs84", Photos: photos, Phone: f.phone, Category: f.category}, nil
}

// citizenRefused re-shows the form for mistakes the person can fix, and
// passes any other error to the error page.
func (s *Server) citizenRefused(w http.ResponseWriter, r *http.Request, f citizenForm, photos []string, err error) error {
	switch errs.KindOf(err) {
	case errs.KindInvalid, errs.KindUnprocessable, errs.KindTooLarge:
		s.renderCitizenForm(w, r, http.StatusUnprocessableEntity, f, photos, err)
		return nil
	}
	return err
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
	Place             string // the road, without the house number (disclose.Place)
	Closed, Rated     bool
	KeyOK             bool
	Hint              string // what the key would show, when it is missing or wrong
	Satisfaction      string
	Reported          time.Time
	Events            []trackEvent
	SatisfactionNames []option
	Outcome           *trackOutcome // once the disposal passed its check (citizen_outcome.go)
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
	p.Place = disclose.Place(c.Address)
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
	p.Outcome = s.outcomeOf(c, tl)
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
