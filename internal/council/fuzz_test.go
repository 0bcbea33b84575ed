package council

import (
	"math"
	"testing"
	"time"
	"unicode/utf8"

	"cityloop/internal/geo"
)

// FuzzVolunteerValidate: whatever a registration form sends, an accepted
// volunteer has a name of 1–40 characters and an 11-digit mobile number.
func FuzzVolunteerValidate(f *testing.F) {
	f.Add("张三", "138 0013 8000", "320101001001", "急救")
	f.Add(" ", "+86 13800138000", "", "")
	f.Add("a\x00b", "1380013800０", "c", "\u200b")
	f.Fuzz(func(t *testing.T, name, phone, community, skill string) {
		v := Volunteer{Name: name, Phone: phone, Community: community, Skills: []string{skill}}
		if v.Validate() != nil {
			return
		}
		if n := utf8.RuneCountInString(v.Name); n < 1 || n > 40 || !validPhone(v.Phone) || v.Community == "" {
			t.Errorf("accepted %+v", v)
		}
	})
}

// FuzzCheckPresence: a sign-in accepted is inside the radius and the
// window, whatever position and time the phone reports.
func FuzzCheckPresence(f *testing.F) {
	f.Add(118.78, 32.06, int64(3600))
	f.Add(math.NaN(), 32.06, int64(0))
	f.Add(118.78, 32.07, int64(-900))
	f.Fuzz(func(t *testing.T, lng, lat float64, sec int64) {
		a := &Activity{Place: geo.Point{Lng: 118.78, Lat: 32.06}, RadiusM: 200, Start: t0, End: t0.Add(3 * time.Hour)}
		at := t0.Add(time.Duration(sec) * time.Second)
		if a.CheckPresence(geo.Point{Lng: lng, Lat: lat}, at) != nil {
			return
		}
		if d := geo.DistanceM(a.Place, geo.Point{Lng: lng, Lat: lat}); !(d <= a.RadiusM) || at.After(a.End) || at.Before(a.Start.Add(-early)) {
			t.Errorf("accepted (%g, %g) at %v: %g m", lng, lat, at, d)
		}
	})
}
