package merchant

import (
	"context"
	"strings"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Duty is one of the five frontage duties (门前五包).
type Duty string

const (
	DutySanitation Duty = "sanitation" // 包卫生: no litter, sewage or heaps in front
	DutyOrder      Duty = "order"      // 包秩序: no trading, stacking or parking outside the shop
	DutyGreening   Duty = "greening"   // 包绿化: the trees and beds in front kept
	DutyFacilities Duty = "facilities" // 包设施: kerbs, bins, manholes in front intact, damage reported
	DutyAppearance Duty = "appearance" // 包市容: signs tidy, nothing posted or hung
)

// Duties are the five in the order the responsibility letter lists them,
// each with {Chinese, English}.
var Duties = []struct {
	Duty Duty
	Name [2]string
	Text [2]string
}{
	{DutySanitation, [2]string{"包卫生", "Sanitation"}, [2]string{"门前无垃圾、污水、杂物，垃圾分类投放", "No litter, sewage or clutter in front; waste sorted"}},
	{DutyOrder, [2]string{"包秩序", "Order"}, [2]string{"不店外经营、不占道堆放，车辆有序停放", "No trading or stacking outside the shop; vehicles parked in order"}},
	{DutyGreening, [2]string{"包绿化", "Greening"}, [2]string{"爱护门前树木绿地，不损毁、不晾晒", "Trees and green beds in front cared for, nothing hung on them"}},
	{DutyFacilities, [2]string{"包设施", "Facilities"}, [2]string{"门前公共设施完好，损坏及时报告", "Public facilities in front intact; damage reported at once"}},
	{DutyAppearance, [2]string{"包市容", "Appearance"}, [2]string{"牌匾整洁，不乱贴乱挂乱画", "Signs clean; nothing posted, hung or painted"}},
}

// DutyName is a duty's {Chinese, English} name.
func DutyName(d Duty) [2]string {
	for _, x := range Duties {
		if x.Duty == d {
			return x.Name
		}
	}
	return [2]string{string(d), string(d)}
}

// Contact is the shop's responsible person; the store seals it with the
// node's keyring, and only staff see it.
type Contact struct {
	Person string `json:"person"`
	Phone  string `json:"phone"`
}

// Merchant is one registered shop. Point is WGS84; District, Street and
// Grid come from the atlas when it is registered. Zone is its frontage
// responsibility zone (shop front to kerb, sideways to the neighbours).
type Merchant struct {
	ID       string           `json:"id"`
	Name     string           `json:"name"`
	USCC     string           `json:"uscc"`
	Trade    string           `json:"trade,omitempty"` // 业态, e.g. 餐饮
	Address  string           `json:"address"`
	Point    geo.Point        `json:"point"`
	District string           `json:"district"`
	Street   string           `json:"street"`
	Grid     string           `json:"grid"`
	Contact  *Contact         `json:"contact,omitempty"`
	Zone     geo.MultiPolygon `json:"zone"`
	SignedAt time.Time        `json:"signed_at"` // the responsibility letter (责任书) signed
	Credit   Credit           `json:"credit"`
}

// Validate checks what does not need the atlas; it canonicalises the code.
func (m *Merchant) Validate() error {
	bad := errs.Invalid("商户信息不完整 / the merchant is not valid")
	if strings.TrimSpace(m.ID) == "" || len(m.ID) > 64 || strings.ContainsAny(m.ID, "/ ?#") {
		bad.WithField("id", "1–64 characters without / ? # or spaces")
	}
	if n := len([]rune(strings.TrimSpace(m.Name))); n == 0 || n > 100 {
		bad.WithField("name", "required, at most 100 characters")
	}
	if c, err := ParseUSCC(m.USCC); err != nil {
		bad.WithField("uscc", "18 characters with a valid check character (GB 32100-2015)")
	} else {
		m.USCC = c
	}
	if n := len([]rune(m.Address)); n == 0 || n > 200 {
		bad.WithField("address", "required, at most 200 characters")
	}
	if !m.Point.Valid() {
		bad.WithField("lng", "give lng and lat")
	}
	if len(m.Zone) == 0 || m.Zone.Validate() != nil {
		bad.WithField("zone", "a polygon around the frontage")
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return nil
}

// Filter selects merchants for a list. Deducted bounds are the year's
// deducted points (a grade is a range of them, see [Rules.DeductedRange]).
type Filter struct {
	Year        int
	District    string // a district, street or grid code: matches any of the three
	Query       string // part of the name, address or code
	MinDeducted *int
	MaxDeducted *int
	Limit       int
	Offset      int
}

// Violation is a loop case that lies in a shop's zone, with the points it
// deducts in the year it was reported.
type Violation struct {
	MerchantID string    `json:"merchant_id"`
	CaseID     string    `json:"case_id"`
	CaseCode   string    `json:"case_code"`
	Category   string    `json:"category"`
	Duty       Duty      `json:"duty"`
	Points     int       `json:"points"`
	At         time.Time `json:"at"`
	Year       int       `json:"year"`
}

// Store keeps the registry and the linked violations. FindMerchants fills
// each merchant's Credit.Deducted and Credit.Violations for f.Year and
// returns the total of matches; contacts are opened only by
// FindMerchantByID.
type Store interface {
	CreateMerchants(ctx context.Context, ms []*Merchant) error
	FindMerchantByID(ctx context.Context, id string, year int) (*Merchant, error)
	FindMerchants(ctx context.Context, f Filter) ([]*Merchant, int, error)
	FindMerchantsInBox(ctx context.Context, box geo.Bounds) ([]*Merchant, error)
	RecordViolations(ctx context.Context, vs []Violation) (int, error)
	FindViolations(ctx context.Context, merchantID string, year int) ([]Violation, error)
	LinkCursor(ctx context.Context) (time.Time, error)
	SetLinkCursor(ctx context.Context, at time.Time) error
}

// InZone keeps the merchants whose zone holds p.
func InZone(ms []*Merchant, p geo.Point) []*Merchant {
	var out []*Merchant
	for _, m := range ms {
		if m.Zone.Bounds().Contains(p) && m.Zone.Contains(p) {
			out = append(out, m)
		}
	}
	return out
}
