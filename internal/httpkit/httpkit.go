package httpkit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// HandlerFunc is a handler that returns an error instead of writing one.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"request_id,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
	Extra     map[string]any    `json:"-"`
}

// MarshalJSON flattens Extra into the document, as RFC 9457 extension members.
func (p Problem) MarshalJSON() ([]byte, error) {
	type plain Problem
	b, err := json.Marshal(plain(p))
	if err != nil || len(p.Extra) == 0 {
		return b, err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range p.Extra {
		if _, taken := m[k]; !taken {
			m[k] = v
		}
	}
	return json.Marshal(m)
}

var statusOf = map[errs.Kind]int{
	errs.KindInvalid:         http.StatusBadRequest,
	errs.KindUnprocessable:   http.StatusUnprocessableEntity,
	errs.KindNotFound:        http.StatusNotFound,
	errs.KindConflict:        http.StatusConflict,
	errs.KindForbidden:       http.StatusForbidden,
	errs.KindUnauthenticated: http.StatusUnauthorized,
	errs.KindTooLarge:        http.StatusRequestEntityTooLarge,
	errs.KindUnsupported:     http.StatusUnsupportedMediaType,
	errs.KindRateLimited:     http.StatusTooManyRequests,
	errs.KindUnavailable:     http.StatusServiceUnavailable,
}

var titles = map[int][2]string{
	400: {"请求无效", "Bad request"},
	401: {"未登录或凭证无效", "Unauthenticated"},
	403: {"无权执行此操作", "Forbidden"},
	404: {"未找到", "Not found"},
	405: {"不支持的请求方法", "Method not allowed"},
	409: {"状态冲突", "Conflict"},
	413: {"请求内容过大", "Payload too large"},
	415: {"不支持的内容类型", "Unsupported media type"},
	422: {"无法处理", "Unprocessable"},
	429: {"请求过于频繁", "Too many requests"},
	499: {"客户端已断开", "Client closed request"},
	500: {"内部错误", "Internal error"},
	503: {"服务暂不可用", "Unavailable"},
}

// English reports whether the client prefers English over Chinese.
func English(r *http.Request) bool {
	if l := r.URL.Query().Get("lang"); l != "" {
		return strings.HasPrefix(l, "en")
	}
	al := strings.ToLower(r.Header.Get("Accept-Language"))
	return strings.HasPrefix(al, "en")
}

// ProblemFor turns an error into a problem; internal errors keep their text
// out of the response.
func ProblemFor(r *http.Request, err error) Problem {
	status := http.StatusInternalServerError
	p := Problem{Type: "about:blank", Instance: r.URL.Path, RequestID: RequestID(r.Context())}
	if e, ok := errs.As(err); ok && e.Kind != errs.KindInternal {
		status = statusOf[e.Kind]
		p.Detail = e.Message
		p.Errors = e.Fields
		p.Extra = e.Details
		p.Type = "https://cityloop.dev/problems/" + e.Kind.String()
	} else if ClientGone(r, err) {
		status = StatusClientClosed
		p.Detail = "客户端在应答前断开了连接 / the client closed the request before the answer was ready"
	} else if errors.Is(err, context.DeadlineExceeded) {
		status = http.StatusServiceUnavailable
		p.Detail = "the request took too long; try again"
	} else {
		p.Detail = "内部错误，请把请求编号告诉管理员 / internal error; give the request id to an administrator"
	}
	p.Status = status
	t := titles[status]
	p.Title = t[0]
	if English(r) {
		p.Title = t[1]
	}
	return p
}

// StatusClientClosed is the status (nginx's 499) a request gets when its
// client went away before the answer: nobody reads it, and it is no
// server error, so it shows apart from the 5xx in the access log.
const StatusClientClosed = 499

// ClientGone reports whether err ended a request because its client went
// away: the request's context was cancelled (the server cancels it when the
// connection closes). An error without a kind that comes with a cancelled
// request counts too, since drivers report an interrupted query in their
// own words; a request that ran out of time (DeadlineExceeded) does not.
func ClientGone(r *http.Request, err error) bool {
	if err == nil || !errors.Is(r.Context().Err(), context.Canceled) {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return true
	}
	e, ok := errs.As(err)
	return !ok || e.Kind == errs.KindInternal
}

// WriteError writes err as problem+json and logs internal errors. A
// request whose client went away is answered 499 and logged at debug
// level: it is not an error of the server.
func WriteError(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(r, err)
	switch {
	case p.Status == StatusClientClosed:
		slog.Debug("client went away", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	case p.Status >= 500:
		slog.Error("request failed", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// Handle adapts an error-returning handler.
func Handle(fn HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			WriteError(w, r, err)
		}
	})
}

// WriteJSON writes v with status.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, err = w.Write(append(b, '\n'))
	return err
}

// DecodeJSON reads one JSON object into v, refusing unknown fields, trailing
// data and bodies over max bytes, with messages that say what to fix.
func DecodeJSON(w http.ResponseWriter, r *http.Request, v any, max int64) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") && !strings.Contains(ct, "+json") {
		return errs.E(errs.KindUnsupported, "send the body as application/json (got %s)", ct)
	}
	// Read it whole (it is bounded) so that text that is not UTF-8 is refused
	// instead of quietly turned into U+FFFD by the decoder.
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
	if err != nil {
		return jsonError(err, max)
	}
	if !utf8.Valid(data) {
		return errs.Invalid("请求内容不是有效的 UTF-8 文本 / the body is not valid UTF-8; send JSON text encoded as UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, max)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.Invalid("the body must hold a single JSON object; there is more after it")
	}
	return checkJSONText(v)
}

func jsonError(err error, max int64) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return errs.E(errs.KindTooLarge, "the body is larger than %d bytes", max)
	case errors.Is(err, io.EOF):
		return errs.Invalid("the body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errs.Invalid("the JSON body ends too early")
	case errors.As(err, &syn):
		return errs.Invalid("malformed JSON at byte %d: %s", syn.Offset, syn.Error())
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return errs.Invalid("field %q must be a %s, not a JSON %s", field, typ.Type.String(), typ.Value).WithField(field, "wrong type")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return errs.Invalid("unknown field %q; check the spelling against /api/openapi.json", name).WithField(name, "unknown field")
	}
	return errs.Invalid("cannot read the JSON body: %s", err.Error())
}

type ctxKey int

const requestIDKey ctxKey = 1

// RequestID returns the id Middleware gave the request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

// Recorder wraps w for a handler outside this package that needs the
// status written (metrics): status answers it, 0 while nothing was written.
// The wrapper keeps Flush and Unwrap, as Middleware's does.
func Recorder(w http.ResponseWriter) (rw http.ResponseWriter, status func() int) {
	sw := &statusWriter{ResponseWriter: w}
	return sw, func() int { return sw.status }
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	n, err := s.ResponseWriter.Write(b)
	s.bytes += n
	return n, err
}

// Flush lets server-sent events through the wrapper.
func (s *statusWriter) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Options tune Middleware.
type Options struct {
	Logger  *slog.Logger
	Timeout time.Duration // per request; 0 = none
	Quiet   bool          // log only errors (benchmarks)
}

// Middleware adds a request id, security headers, panic recovery, a timeout
// and an access log line.
func Middleware(next http.Handler, o Options) http.Handler {
	log := o.Logger
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if id == "" || len(id) > 64 {
			id = newRequestID()
		}
		ctx := context.WithValue(r.Context(), requestIDKey, id)
		if o.Timeout > 0 && !strings.HasSuffix(r.URL.Path, "/events") {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, o.Timeout)
			defer cancel()
		}
		r = r.WithContext(ctx)
		h := w.Header()
		h.Set("X-Request-Id", id)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "request_id", id, "path", r.URL.Path, "panic", fmt.Sprint(v))
				if sw.status == 0 {
					WriteError(sw, r, fmt.Errorf("panic: %v", v))
				}
			}
			if !o.Quiet || sw.status >= 500 {
				log.Info("http", "request_id", id, "method", r.Method, "path", r.URL.Path, "status", sw.status,
					"bytes", sw.bytes, "ms", time.Since(start).Milliseconds())
			}
		}()
		if err := checkURLText(r); err != nil {
			WriteError(sw, r, err)
			return
		}
		next.ServeHTTP(sw, r)
	})
}
