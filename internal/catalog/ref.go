package catalog

import (
	"strings"

	"cityloop/internal/errs"
)

// Kind says which of the two classification trees a category belongs to.
type Kind string

const (
	Component Kind = "component" // 部件: a physical object with an owner, e.g. a manhole cover
	Event     Kind = "event"     // 事件: a situation or behaviour, e.g. illegal parking
)

// Valid reports whether k is one of the two trees.
func (k Kind) Valid() bool { return k == Component || k == Event }

// Zh is the Chinese name of the tree, as it appears on forms and reports.
func (k Kind) Zh() string {
	switch k {
	case Component:
		return "部件"
	case Event:
		return "事件"
	}
	return ""
}

// Ref names a sub-class (小类) in one tree. Code is the 2-digit major class
// followed by the 2-digit sub-class. The kind is part of the identity because
// both trees are numbered independently: component 0101 is a water cover,
// event 0101 an illegal structure.
type Ref struct {
	Kind Kind
	Code string
}

// String is the canonical form, "component:0101" or "event:0101". It is what
// JSON, URLs and the database carry. The zero Ref prints as "".
func (r Ref) String() string {
	if r == (Ref{}) {
		return ""
	}
	return string(r.Kind) + ":" + r.Code
}

// Major is the 2-digit major class (大类) of the code, or "" for a malformed code.
func (r Ref) Major() string {
	if len(r.Code) != 4 {
		return ""
	}
	return r.Code[:2]
}

// Validate reports a malformed ref with KindInvalid.
func (r Ref) Validate() error {
	if !r.Kind.Valid() {
		return errs.Invalid("category kind %q is neither %q nor %q", r.Kind, Component, Event)
	}
	if !validCode(r.Code) {
		return errs.Invalid("category code %q must be 4 digits: major class then sub-class, neither 00", r.Code)
	}
	return nil
}

// ParseRef reads a category as a client sends it. Besides the canonical
// "component:0101" and "event:0101" it accepts the Chinese prefixes
// "部件:0101" and "事件:0101", a full-width colon, and the English kind in
// any case, because people type these by hand in the hotline and admin forms.
//
// A bare "0101" is rejected rather than guessed: the same code exists in both
// trees, and routing a sewage case to the demolition team is worse than
// asking the client to say which one it meant.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimSpace(s)
	kind, code, ok := strings.Cut(s, ":")
	if !ok {
		kind, code, ok = strings.Cut(s, "：")
	}
	if !ok {
		if validCode(s) {
			return Ref{}, errs.Invalid(
				"category %q has no kind: codes are numbered separately in the component (部件) and event (事件) trees, so %s exists in both; send \"component:%s\" or \"event:%s\"",
				s, s, s, s).With("candidates", []string{"component:" + s, "event:" + s})
		}
		return Ref{}, errs.Invalid("category %q is not of the form \"component:0101\" or \"event:0101\"", s)
	}
	var r Ref
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "component", "部件":
		r.Kind = Component
	case "event", "事件":
		r.Kind = Event
	default:
		return Ref{}, errs.Invalid("category %q: unknown kind %q, want \"component\" (部件) or \"event\" (事件)", s, kind)
	}
	r.Code = strings.TrimSpace(code)
	if !validCode(r.Code) {
		return Ref{}, errs.Invalid("category %q: code %q must be 4 digits: major class then sub-class, neither 00", s, r.Code)
	}
	return r, nil
}

// MustParseRef is ParseRef for literals in code and tests; it panics on error.
func MustParseRef(s string) Ref {
	r, err := ParseRef(s)
	if err != nil {
		panic(err)
	}
	return r
}

// MarshalText makes a Ref a JSON string (and a valid map key) in its
// canonical form. It refuses to write a malformed ref, so a bad value cannot
// leak into stored JSON; the zero Ref is written as "" so optional fields work.
func (r Ref) MarshalText() ([]byte, error) {
	if r == (Ref{}) {
		return []byte{}, nil
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return []byte(r.String()), nil
}

// UnmarshalText accepts everything ParseRef does; "" gives the zero Ref.
func (r *Ref) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*r = Ref{}
		return nil
	}
	v, err := ParseRef(string(b))
	if err != nil {
		return err
	}
	*r = v
	return nil
}

// validCode reports 4 ASCII digits whose major and sub-class parts are not 00:
// 00 is not a class in either standard tree.
func validCode(c string) bool {
	if len(c) != 4 {
		return false
	}
	for i := 0; i < 4; i++ {
		if c[i] < '0' || c[i] > '9' {
			return false
		}
	}
	return c[:2] != "00" && c[2:] != "00"
}

func compareRefs(a, b Ref) int {
	if a.Kind != b.Kind {
		return strings.Compare(string(a.Kind), string(b.Kind))
	}
	return strings.Compare(a.Code, b.Code)
}
