package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"cityloop/internal/disclose"
	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/org"
)

// The public disclosure page (行政处罚决定公开, 行政处罚法第四十八条): the
// published decisions, searchable by words and district, on a phone. The
// store publishes them masked (package disclose); the page masks the
// party label once more through disclose, so a publication written by an
// older version cannot show more than today's rule allows.

// disclLimiter rate-limits searches per address, as the other public
// searches (a keyword search is a scan of the publications).
type disclLimiter struct {
	once sync.Once
	lim  *httpkit.Limiter
}

func (s *Server) disclosureLimiter() *httpkit.Limiter {
	s.discl.once.Do(func() { s.discl.lim = s.searchLimiter() })
	return s.discl.lim
}

const disclosurePage = 20

type disclosureRow struct {
	Number, Code, District, Violation, Party, PartyKind string
	Penalty, Basis, Procedure, Decided, Published       string
}

type disclosureView struct {
	Q, District      string
	Districts        []option
	Rows             []disclosureRow
	Total, From, To  int
	PrevURL, NextURL string
	Searched         bool
}

// parseDisclosureSearch reads the page's query: q (at most 100
// characters of storable text), district (a district of the city) and
// offset. It is a parser of outside input, fuzzed.
func parseDisclosureSearch(q url.Values, isDistrict func(string) bool) (enforce.DisclosureQuery, error) {
	d := enforce.DisclosureQuery{Q: strings.TrimSpace(q.Get("q")), District: strings.TrimSpace(q.Get("district")), Limit: disclosurePage}
	bad := errs.Invalid("查询条件不对 / the search is not valid")
	if utf8.RuneCountInString(d.Q) > 100 {
		bad.WithField("q", "最多 100 个字符 / at most 100 characters")
	}
	bad.CheckText(false, "q", d.Q, "district", d.District)
	if d.District != "" && !isDistrict(d.District) {
		bad.WithField("district", "未知的区（县）/ unknown district")
	}
	if v := q.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100_000 {
			bad.WithField("offset", "0 到 100000 的整数 / a whole number from 0 to 100000")
		}
		d.Offset = n
	}
	if len(bad.Fields) > 0 {
		return d, bad
	}
	return d, nil
}

func (s *Server) handleDisclosurePage(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("enf_disclosures")
	atlas := s.World.Atlas()
	isDistrict := func(code string) bool {
		reg, ok := atlas.Region(code)
		return ok && reg.Level == org.LevelDistrict
	}
	p := &disclosureView{}
	v.Data = p
	dq, err := parseDisclosureSearch(r.URL.Query(), isDistrict)
	p.Q, p.District = dq.Q, dq.District
	p.Districts = []option{{Value: "", Label: v.L.T("all")}}
	for _, reg := range atlas.Regions(org.LevelDistrict) {
		p.Districts = append(p.Districts, option{Value: reg.Code, Label: reg.Name, Selected: reg.Code == dq.District})
	}
	if err != nil {
		e, _ := errs.As(err)
		v.Error = errorText(e)
		s.render(w, r, http.StatusBadRequest, "citizenenf", v)
		return nil
	}
	if ok, wait := s.disclosureLimiter().Allow(clientAddr(r)); !ok {
		w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		return errs.E(errs.KindRateLimited, "请求过于频繁，请稍后再试 / too many requests; retry in %d seconds", int(wait.Seconds())+1)
	}
	items, total, err := s.Enforcement.Disclosures(r.Context(), dq)
	if err != nil {
		return err
	}
	p.Searched, p.Total = true, total
	rb, err := s.Enforcement.Rulebook(s.Now())
	if err != nil {
		return err
	}
	for _, d := range items {
		row := disclosureRow{Number: d.Number, Code: d.Code, District: s.regionName(d.District),
			Party: disclose.PenaltyParty(d.PartyKind, d.Party), PartyKind: partyKindName(v.L, d.PartyKind),
			Penalty: penaltyText(v.L, enforce.Penalty{Kinds: d.Kinds, Fine: d.Fine}), Basis: d.Basis, Procedure: procName(v.L, d.Procedure),
			Decided: d.DecidedAt.In(s.Cal.Location()).Format("2006-01-02"), Published: d.PublishedAt.In(s.Cal.Location()).Format("2006-01-02")}
		row.Violation = d.ViolationName
		if v.L.en {
			row.Violation = violationName(v.L, rb, d.Violation)
		} else if row.Violation == "" {
			row.Violation = d.Violation
		}
		p.Rows = append(p.Rows, row)
	}
	if len(items) > 0 {
		p.From, p.To = dq.Offset+1, dq.Offset+len(items)
	}
	link := func(off int) string {
		u := url.Values{}
		if dq.Q != "" {
			u.Set("q", dq.Q)
		}
		if dq.District != "" {
			u.Set("district", dq.District)
		}
		if off > 0 {
			u.Set("offset", strconv.Itoa(off))
		}
		return "/citizen/enforcement?" + u.Encode()
	}
	if dq.Offset > 0 {
		p.PrevURL = link(max(0, dq.Offset-disclosurePage))
	}
	if dq.Offset+len(items) < total {
		p.NextURL = link(dq.Offset + disclosurePage)
	}
	s.render(w, r, http.StatusOK, "citizenenf", v)
	return nil
}
