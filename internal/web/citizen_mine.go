package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"fmt"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"cityloop/internal/casework"
	"cityloop/internal/errs"
	"cityloop/internal/httpkit"
	"cityloop/internal/pii"
)

// PhoneCases finds the cases reported from a phone number (through the
// store's blind index; see sqlstore.FindCasesByPhone).
type PhoneCases interface {
	FindCasesByPhone(ctx context.Context, phone string, limit int) ([]*casework.Case, error)
}

// "My reports" (/citizen/mine): a citizen lists the cases reported from a
// phone after proving the phone with a one-time code. There is no SMS
// gateway yet, so codes are only issued in demo mode, where the page shows
// the code instead of texting it; otherwise the page says SMS is not
// configured (503).
//
// Codes live in memory on the node that issued them (like the rate
// limiters): behind a load balancer without sticky sessions a code may have
// to be asked for again. Each code is 6 random digits, valid 5 minutes, for
// 5 tries; asking again replaces it. Requests are limited per phone and per
// address. The list shows each case's code, category, status and date and
// links to the tracking page without the tracking key: rating still needs
// the key the reporter was given.
const (
	otpTTL      = 5 * time.Minute
	otpTries    = 5
	otpMaxCodes = 10_000 // outstanding codes per node
	mineLimit   = 50
)

type otpEntry struct {
	code    string
	expires time.Time
	tries   int
}

type mineState struct {
	mu      sync.Mutex
	codes   map[string]*otpEntry // by normalised phone
	perPh   *httpkit.Limiter     // codes sent per phone
	perAddr *httpkit.Limiter     // codes asked and checked per address
}

func (s *Server) mineInit() *mineState {
	m := &s.mine
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.codes == nil {
		m.codes = map[string]*otpEntry{}
		// Three codes at once per phone, then one every 2 minutes.
		m.perPh = httpkit.NewLimiter(1, 3, func() time.Time { return s.Now() })
		// Twenty requests at once per address, then ten a minute.
		m.perAddr = httpkit.NewLimiter(10, 20, func() time.Time { return s.Now() })
	}
	return m
}

type minePage struct {
	Step      string // "phone", "code" or "list"
	Phone     string // as typed, to send back with the code
	Masked    string
	DemoCode  string
	Demo      bool
	Cases     []mineCase
	Truncated bool
}

type mineCase struct {
	Code, Category, Status string
	Reported               time.Time
}

func (s *Server) handleMine(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("mine")
	v.Data = &minePage{Step: "phone", Demo: s.Demo}
	s.render(w, r, http.StatusOK, "citizenmine", v)
	return nil
}

// minePhone reads and checks the phone field: 7 to 15 digits once normalised.
func minePhone(r *http.Request) (raw, norm string, err error) {
	raw = r.PostFormValue("phone")
	if len(raw) > 32 {
		return "", "", errs.Invalid("手机号码太长 / the phone number is too long").WithField("phone", "too long")
	}
	norm = pii.NormalizePhone(raw)
	if len(norm) < 7 || len(norm) > 15 {
		return "", "", errs.Invalid("请输入正确的手机号码 / enter a valid phone number").WithField("phone", "invalid")
	}
	return raw, norm, nil
}

func rateLimited(w http.ResponseWriter, wait time.Duration) error {
	secs := int(wait.Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return errs.E(errs.KindRateLimited, "请求过于频繁，请 %d 秒后再试 / too many requests; retry in %d seconds", secs, secs)
}

// handleMineCode issues a one-time code for a phone (step 1).
func (s *Server) handleMineCode(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	if !s.Demo || s.Phones == nil {
		return errs.E(errs.KindUnavailable, "短信服务未配置，暂不能按手机号查询，请使用查询编号 / SMS is not configured, so reports cannot be listed by phone; use the tracking code")
	}
	raw, norm, err := minePhone(r)
	if err != nil {
		return err
	}
	m := s.mineInit()
	if ok, wait := m.perAddr.Allow(clientAddr(r)); !ok {
		return rateLimited(w, wait)
	}
	if ok, wait := m.perPh.Allow(norm); !ok {
		return rateLimited(w, wait)
	}
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return fmt.Errorf("one-time code: %w", err)
	}
	code := fmt.Sprintf("%06d", n.Int64())
	now := s.Now()
	m.mu.Lock()
	if len(m.codes) >= otpMaxCodes {
		for k, e := range m.codes {
			if now.After(e.expires) {
				delete(m.codes, k)
			}
		}
	}
	full := len(m.codes) >= otpMaxCodes
	if !full {
		m.codes[norm] = &otpEntry{code: code, expires: now.Add(otpTTL)}
	}
	m.mu.Unlock()
	if full {
		return errs.E(errs.KindUnavailable, "验证码服务繁忙，请稍后再试 / too many outstanding codes; try again later")
	}
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("mine")
	v.Data = &minePage{Step: "code", Phone: raw, Masked: pii.MaskPhone(norm), DemoCode: code, Demo: true}
	s.render(w, r, http.StatusOK, "citizenmine", v)
	return nil
}

// handleMineList checks the code and lists the phone's cases (step 2).
func (s *Server) handleMineList(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := s.checkCSRF(r); err != nil {
		return err
	}
	raw, norm, err := minePhone(r)
	if err != nil {
		return err
	}
	m := s.mineInit()
	if ok, wait := m.perAddr.Allow(clientAddr(r)); !ok {
		return rateLimited(w, wait)
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	now := s.Now()
	m.mu.Lock()
	e := m.codes[norm]
	var problem error
	retry := false // a wrong code with tries left
	switch {
	case e == nil || now.After(e.expires):
		delete(m.codes, norm)
		problem = errs.Invalid("验证码已过期或不存在，请重新获取 / the code has expired or was never sent; ask for a new one").WithField("code", "expired")
	case e.tries >= otpTries:
		delete(m.codes, norm)
		problem = errs.E(errs.KindRateLimited, "验证码错误次数过多，请重新获取 / too many wrong codes; ask for a new one")
	case len(code) != len(e.code) || !hmac.Equal([]byte(code), []byte(e.code)):
		e.tries++
		if e.tries >= otpTries {
			delete(m.codes, norm)
			problem = errs.E(errs.KindRateLimited, "验证码错误次数过多，请重新获取 / too many wrong codes; ask for a new one")
		} else {
			retry = true
		}
	default:
		delete(m.codes, norm) // one time
	}
	m.mu.Unlock()
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("mine")
	if retry {
		// Ask again on the same page.
		v.Error = v.L.T("otp_wrong")
		v.Data = &minePage{Step: "code", Phone: raw, Masked: pii.MaskPhone(norm), Demo: s.Demo}
		s.render(w, r, http.StatusBadRequest, "citizenmine", v)
		return nil
	}
	if problem != nil {
		return problem
	}
	list, err := s.Phones.FindCasesByPhone(r.Context(), norm, mineLimit+1)
	if err != nil {
		return err
	}
	p := &minePage{Step: "list", Masked: pii.MaskPhone(norm), Demo: s.Demo}
	if len(list) > mineLimit {
		list, p.Truncated = list[:mineLimit], true
	}
	for _, c := range list {
		p.Cases = append(p.Cases, mineCase{Code: c.Code, Category: s.categoryName(v.L, c),
			Status: v.L.pick(casework.StatusNames[c.Status]), Reported: c.ReportedAt})
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "citizenmine", v)
	return nil
}
