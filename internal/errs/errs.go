package errs

import (
	"errors"
	"fmt"
)

// Kind says what went wrong in terms a client can act on.
type Kind int

const (
	KindInternal        Kind = iota // a bug or an outage; never shown in detail
	KindInvalid                     // malformed or semantically wrong input (400)
	KindUnprocessable               // well-formed input the domain cannot accept, e.g. a point outside the city (422)
	KindNotFound                    // missing, or outside the caller's jurisdiction (404)
	KindConflict                    // wrong state, duplicate, or a lost update (409)
	KindForbidden                   // authenticated but not allowed (403)
	KindUnauthenticated             // no or bad credentials (401)
	KindTooLarge                    // payload over a limit (413)
	KindUnsupported                 // unsupported media type (415)
	KindRateLimited                 // too many requests (429)
	KindUnavailable                 // dependency down, try later (503)
)

func (k Kind) String() string {
	switch k {
	case KindInvalid:
		return "invalid"
	case KindUnprocessable:
		return "unprocessable"
	case KindNotFound:
		return "not_found"
	case KindConflict:
		return "conflict"
	case KindForbidden:
		return "forbidden"
	case KindUnauthenticated:
		return "unauthenticated"
	case KindTooLarge:
		return "too_large"
	case KindUnsupported:
		return "unsupported"
	case KindRateLimited:
		return "rate_limited"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// FieldError points at one input field.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is an error whose Message is safe to show to the person who caused it.
// Details carries structured data for the client (e.g. allowed actions).
type Error struct {
	Kind    Kind
	Message string
	Fields  []FieldError
	Details map[string]any
	Err     error // optional cause, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an error of kind k with a formatted, user-safe message.
func E(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Message: fmt.Sprintf(format, args...)}
}

func Invalid(format string, args ...any) *Error   { return E(KindInvalid, format, args...) }
func NotFound(format string, args ...any) *Error  { return E(KindNotFound, format, args...) }
func Conflict(format string, args ...any) *Error  { return E(KindConflict, format, args...) }
func Forbidden(format string, args ...any) *Error { return E(KindForbidden, format, args...) }
func Unprocessable(format string, args ...any) *Error {
	return E(KindUnprocessable, format, args...)
}
func Unauthenticated(format string, args ...any) *Error {
	return E(KindUnauthenticated, format, args...)
}

// WithField adds a field error and returns e for chaining.
func (e *Error) WithField(field, msg string) *Error {
	e.Fields = append(e.Fields, FieldError{Field: field, Message: msg})
	return e
}

// With adds a detail and returns e for chaining.
func (e *Error) With(key string, v any) *Error {
	if e.Details == nil {
		e.Details = map[string]any{}
	}
	e.Details[key] = v
	return e
}

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// Is reports whether err carries kind k.
func Is(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
