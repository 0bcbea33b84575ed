package web

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
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

// "My reports" (/citizen/mine): a citizen lists the cases reported from a
// phone after proving the phone with a one-time code. With an SMS gateway
// configured ([CodeSender], the outbox) the code is texted; in demo mode
// the page also shows it; with neither, the page says SMS is not
// configured (503).
//
// Codes live in the database ([OneTimeCodes]), so any node behind a load
// balancer can check a code another node issued. Each code is 6 random
// digits, valid 5 minutes, for 5 tries; asking again replaces it. Requests
// are limited per phone and per address; the limiters are in memory, per
// node, so N nodes allow up to N times as much. The list shows each case's
// code, category, status and date and links to the tracking page with the
// tracking key: the code proved the phone the case was reported from, so
// the person may see the outcome and rate a closed case from there.
const (
	otpTTL    = 5 * time.Minute
	otpTries  = 5
	mineLimit = 50
)

// OneTimeCodes keeps the one-time codes, shared by every node. The server
// gives it only keyed hashes (see otpKey and otpHash): the store never sees
// a phone number or a code.
type OneTimeCodes interface {
	// PutOneTimeCode stores hash as key's code until expires, with no tries
	// yet, replacing any earlier code; now lets it sweep expired codes.
	PutOneTimeCode(ctx context.Context, key string, hash []byte, now, expires time.Time) error
	// CheckOneTimeCode takes one try at key's code and reports whether hash
	// matches; tries counts the code's tries, this one included, and is 0
	// when key has no live code. A match, or the maxTries-th try, uses the
	// code up. Taking the try is atomic across nodes: concurrent checks
	// take at most maxTries tries in all.
	CheckOneTimeCode(ctx context.Context, key string, hash []byte, now time.Time, maxTries int) (ok bool, tries int, err error)
}

// CodeSender texts a one-time code to a phone; the outbox implements it
// when an SMS gateway is configured.
type CodeSender interface {
	SendOneTimeCode(ctx context.Context, phone, code string, ttl time.Duration) error
}

type mineState struct {
	mu      sync.Mutex
	codes   OneTimeCodes
	sender  CodeSender
	perPh   *httpkit.Limiter // codes sent per phone
	perAddr *httpkit.Limiter // codes asked and checked per address
}

// SetOneTimeCodes gives the server the store for /citizen/mine's one-time
// codes; call it before serving. Without one the page issues no codes.
func (s *Server) SetOneTimeCodes(c OneTimeCodes) {
	s.mine.mu.Lock()
	defer s.mine.mu.Unlock()
	s.mine.codes = c
}

// SetCodeSender makes /citizen/mine text its codes through c; call it
// before serving. Without one, codes are issued only in demo mode.
func (s *Server) SetCodeSender(c CodeSender) {
	s.mine.mu.Lock()
	defer s.mine.mu.Unlock()
	s.mine.sender = c
}

func (s *Server) mineInit() *mineState {
	m := &s.mine
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.perPh == nil {
		// Three codes at once per phone, then one every 2 minutes.
		m.perPh = httpkit.NewLimiter(1, 3, func() time.Time { return s.Now() })
		// Twenty requests at once per address, then ten a minute.
		m.perAddr = httpkit.NewLimiter(10, 20, func() time.Time { return s.Now() })
	}
	return m
}

// otpKey names a phone's code in the store: an HMAC of the normalised
// number under the web secret, so the store holds no phone number and one
// cannot be recovered from the table without the secret (all nodes share it).
func (s *Server) otpKey(norm string) string { return s.mac("otp-phone", norm) }

// otpHash is what the store keeps of a code: an HMAC under the web secret,
// bound to the phone's key. A code has only a million values, so a plain
// hash would give it away; the keyed one does not without the secret.
func (s *Server) otpHash(key, code string) []byte {
	m := hmac.New(sha256.New, s.Secret)
	for _, p := range []string{"otp-code", key, code} {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return m.Sum(nil)
}

type minePage struct {
	Step      string // "phone", "code" or "list"
	Phone     string // as typed, to send back with the code
	Masked    string
	DemoCode  string
	Demo      bool
	SMS       bool // codes are texted
	Cases     []mineCase
	Truncated bool
}

type mineCase struct {
	Code, Category, Status string
	Key                    string // the tracking key: the phone proved the reporter
	Reported               time.Time
}

func (s *Server) handleMine(w http.ResponseWriter, r *http.Request) error {
	elderly(w, r)
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("mine")
	v.Data = &minePage{Step: "phone", Demo: s.Demo, SMS: s.mineInit().sender != nil}
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
	m := s.mineInit()
	if (!s.Demo && m.sender == nil) || m.codes == nil {
		return errs.E(errs.KindUnavailable, "短信服务未配置，暂不能按手机号查询，请使用查询编号 / SMS is not configured, so reports cannot be listed by phone; use the tracking code")
	}
	raw, norm, err := minePhone(r)
	if err != nil {
		return err
	}
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
	key := s.otpKey(norm)
	if err := m.codes.PutOneTimeCode(r.Context(), key, s.otpHash(key, code), now, now.Add(otpTTL)); err != nil {
		return err
	}
	if m.sender != nil {
		if err := m.sender.SendOneTimeCode(r.Context(), norm, code, otpTTL); err != nil {
			return err
		}
	}
	v := s.view(w, r, "citizen")
	v.Title = v.L.T("mine")
	p := &minePage{Step: "code", Phone: raw, Masked: pii.MaskPhone(norm), Demo: s.Demo, SMS: m.sender != nil}
	if s.Demo {
		p.DemoCode = code // demo mode shows it, texted or not
	}
	v.Data = p
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
	var problem error
	retry := false // a wrong code with tries left
	ok, tries := false, 0
	if m.codes != nil {
		key := s.otpKey(norm)
		if ok, tries, err = m.codes.CheckOneTimeCode(r.Context(), key, s.otpHash(key, code), s.Now(), otpTries); err != nil {
			return err
		}
	}
	switch {
	case ok:
	case tries == 0:
		problem = errs.Invalid("验证码已过期或不存在，请重新获取 / the code has expired or was never sent; ask for a new one").WithField("code", "expired")
	case tries >= otpTries:
		problem = errs.E(errs.KindRateLimited, "验证码错误次数过多，请重新获取 / too many wrong codes; ask for a new one")
	default:
		retry = true
	}
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
	list, err := s.Cases.FindCasesByPhoneWithCode(r.Context(), norm, mineLimit+1)
	if err != nil {
		return err
	}
	p := &minePage{Step: "list", Masked: pii.MaskPhone(norm), Demo: s.Demo}
	if len(list) > mineLimit {
		list, p.Truncated = list[:mineLimit], true
	}
	for _, c := range list {
		p.Cases = append(p.Cases, mineCase{Code: c.Code, Category: s.categoryName(v.L, c), Key: s.trackingKey(c.ID),
			Status: v.L.pick(casework.StatusNames[c.Status]), Reported: c.ReportedAt})
	}
	v.Data = p
	s.render(w, r, http.StatusOK, "citizenmine", v)
	return nil
}
