package sqlkit

import (
	"database/sql"
	"testing"
	"time"
)

func TestCodecs(t *testing.T) {
	at := time.Date(2026, 3, 1, 8, 30, 0, 123456789, time.FixedZone("CST", 8*3600))
	if got := Time(Micros(at)); !got.Equal(at.Truncate(time.Microsecond)) || got.Location() != time.UTC {
		t.Errorf("time round trip: %v", got)
	}
	if MicrosOrNull(nil) != nil || MicrosOrNull(&at) != at.UnixMicro() {
		t.Error("MicrosOrNull")
	}
	if NullTime(sql.Null[int64]{}) != nil {
		t.Error("NullTime of NULL is not nil")
	}
	if p := NullTime(sql.Null[int64]{V: Micros(at), Valid: true}); p == nil || !p.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("NullTime: %v", p)
	}
	if Bool(true) != 1 || Bool(false) != 0 {
		t.Error("Bool")
	}
	for _, tt := range []struct {
		in   []string
		want string
	}{{nil, "[]"}, {[]string{}, "[]"}, {[]string{"a", `"b"`}, `["a","\"b\""]`}} {
		if got := Strings(tt.in); got != tt.want {
			t.Errorf("Strings(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	if got := Placeholders(2, 3, 4); got != "($4, $5, $6), ($7, $8, $9)" {
		t.Errorf("Placeholders = %s", got)
	}
	if got := JSONList(false, "$1", "j"); got != "json_each($1) AS j" {
		t.Errorf("JSONList sqlite = %s", got)
	}
	if got := JSONList(true, "$2", "j"); got != "jsonb_array_elements_text($2::jsonb) AS j(value)" {
		t.Errorf("JSONList postgres = %s", got)
	}
	if got := List(3, 2); got != "$2, $3, $4" {
		t.Errorf("List = %s", got)
	}
}
