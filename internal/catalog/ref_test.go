package catalog

import (
	"encoding/json"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestParseRef(t *testing.T) {
	tests := []struct {
		in      string
		want    Ref
		wantErr string // substring of the message; "" means success
	}{
		{in: "component:0101", want: Ref{Component, "0101"}},
		{in: "event:0101", want: Ref{Event, "0101"}},
		{in: "部件:0101", want: Ref{Component, "0101"}},
		{in: "事件:0601", want: Ref{Event, "0601"}},
		{in: "事件：0102", want: Ref{Event, "0102"}},
		{in: " Event:0505 ", want: Ref{Event, "0505"}},
		{in: "0101", wantErr: "exists in both"},
		{in: "0402", wantErr: `"component:0402" or "event:0402"`},
		{in: "", wantErr: "not of the form"},
		{in: "101", wantErr: "not of the form"},
		{in: "thing:0101", wantErr: "unknown kind"},
		{in: ":0101", wantErr: "unknown kind"},
		{in: "component:101", wantErr: "must be 4 digits"},
		{in: "component:01011", wantErr: "must be 4 digits"},
		{in: "component:01a1", wantErr: "must be 4 digits"},
		{in: "component:0001", wantErr: "neither 00"},
		{in: "event:0100", wantErr: "neither 00"},
		{in: "event:０１０１", wantErr: "must be 4 digits"}, // full-width digits are not codes
		{in: "component:", wantErr: "must be 4 digits"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseRef(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseRef(%q): %v", tt.in, err)
				}
				if got != tt.want {
					t.Fatalf("ParseRef(%q) = %v, want %v", tt.in, got, tt.want)
				}
				return
			}
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("ParseRef(%q) error = %v, want KindInvalid", tt.in, err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseRef(%q) error = %q, want it to mention %q", tt.in, err, tt.wantErr)
			}
		})
	}
}

func TestParseRef_bareCodeOffersCandidates(t *testing.T) {
	_, err := ParseRef("0101")
	e, ok := errs.As(err)
	if !ok {
		t.Fatalf("error %v is not an *errs.Error", err)
	}
	got, _ := e.Details["candidates"].([]string)
	if len(got) != 2 || got[0] != "component:0101" || got[1] != "event:0101" {
		t.Fatalf("candidates = %v", e.Details["candidates"])
	}
}

func TestRef_String(t *testing.T) {
	for _, tt := range []struct {
		r    Ref
		want string
	}{
		{Ref{Component, "0101"}, "component:0101"},
		{Ref{Event, "0101"}, "event:0101"},
		{Ref{}, ""},
	} {
		if got := tt.r.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.r, got, tt.want)
		}
	}
}

func TestRef_JSON(t *testing.T) {
	type payload struct {
		Category Ref         `json:"category"`
		Optional Ref         `json:"optional"`
		ByRef    map[Ref]int `json:"by_ref"`
	}
	in := payload{
		Category: Ref{Event, "0101"},
		ByRef:    map[Ref]int{{Component, "0101"}: 1, {Event, "0101"}: 2},
	}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"category":"event:0101","optional":"","by_ref":{"component:0101":1,"event:0101":2}}`
	if string(b) != want {
		t.Fatalf("Marshal = %s\nwant      %s", b, want)
	}
	var out payload
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Category != in.Category || out.Optional != (Ref{}) || len(out.ByRef) != 2 || out.ByRef[Ref{Event, "0101"}] != 2 {
		t.Fatalf("round trip = %+v, want %+v", out, in)
	}

	t.Run("accepts Chinese prefix", func(t *testing.T) {
		var r Ref
		if err := json.Unmarshal([]byte(`"部件:0118"`), &r); err != nil || r != (Ref{Component, "0118"}) {
			t.Fatalf("got %v, %v", r, err)
		}
	})
	t.Run("rejects a bare code", func(t *testing.T) {
		var r Ref
		err := json.Unmarshal([]byte(`"0101"`), &r)
		if !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("err = %v, want KindInvalid", err)
		}
	})
	t.Run("refuses to write a malformed ref", func(t *testing.T) {
		if _, err := json.Marshal(Ref{Kind: "thing", Code: "0101"}); err == nil {
			t.Fatal("want an error")
		}
	})
}

func FuzzParseRef(f *testing.F) {
	for _, s := range []string{"component:0101", "event:0101", "部件:0101", "事件：0602", "0101", "", ":", "event:", "EVENT:9999", "component:0001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRef(s)
		if err != nil {
			if !errs.Is(err, errs.KindInvalid) {
				t.Fatalf("ParseRef(%q): error %v is not KindInvalid", s, err)
			}
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("ParseRef(%q) = %#v, which does not validate: %v", s, r, err)
		}
		// The canonical form must parse back to the same ref, or stored
		// JSON would change meaning on the next read.
		again, err := ParseRef(r.String())
		if err != nil || again != r {
			t.Fatalf("ParseRef(%q) = %v; reparsing %q gives %v, %v", s, r, r.String(), again, err)
		}
		b, err := r.MarshalText()
		if err != nil || string(b) != r.String() {
			t.Fatalf("MarshalText(%v) = %q, %v", r, b, err)
		}
	})
}
