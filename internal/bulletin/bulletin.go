package bulletin

import (
	"context"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/kpi"
	"cityloop/internal/org"
)

// Kind is the period a bulletin covers.
type Kind string

const (
	Month   Kind = "month"   // 月通报
	Quarter Kind = "quarter" // 季考核
	Year    Kind = "year"    // 年评估
)

// KindNames gives each kind's Chinese and English name.
var KindNames = map[Kind][2]string{Month: {"月通报", "Monthly bulletin"}, Quarter: {"季度考核", "Quarterly assessment"}, Year: {"年度评估", "Annual evaluation"}}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { _, ok := KindNames[k]; return ok }

// Period is the kind's period that contains t (t in the city's zone).
func (k Kind) Period(t time.Time) kpi.Period {
	switch k {
	case Quarter:
		return kpi.Quarter(t)
	case Year:
		return kpi.Year(t)
	}
	return kpi.Month(t)
}

// Format is a file a bulletin is rendered as.
type Format string

const (
	HTML Format = "html"
	PDF  Format = "pdf"
	XLSX Format = "xlsx"
)

// Formats lists the formats, each with its media type.
var Formats = map[Format]string{
	HTML: "text/html; charset=utf-8",
	PDF:  "application/pdf",
	XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

// Bulletin is one archived bulletin. From and To are the period, [From,
// To), as instants; Scope is the region it covers (the city's code for
// the city bulletin).
type Bulletin struct {
	ID         string    `json:"id"`
	Kind       Kind      `json:"kind"`
	Scope      string    `json:"scope"`
	ScopeLevel org.Level `json:"scope_level"`
	ScopeName  string    `json:"scope_name"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Title      string    `json:"title"`
	Scheme     string    `json:"scheme"`
	CreatedAt  time.Time `json:"created_at"`
	CreatedBy  string    `json:"created_by"`
}

// Files are a bulletin's renderings.
type Files struct {
	HTML, PDF, XLSX []byte
}

// Get is the file of format f.
func (f Files) Get(format Format) []byte {
	switch format {
	case HTML:
		return f.HTML
	case PDF:
		return f.PDF
	case XLSX:
		return f.XLSX
	}
	return nil
}

// Store archives bulletins. SaveBulletin replaces the bulletin of the
// same kind, scope and period (a job run twice, or a leader's production
// on demand, leaves one) and keeps the ID of the one it replaces, so a
// link to it stays good; it sets b.ID to the stored one.
type Store interface {
	SaveBulletin(ctx context.Context, b *Bulletin, f Files) error
	// FindBulletins lists bulletins, newest period first, at most limit.
	FindBulletins(ctx context.Context, kind Kind, limit int) ([]*Bulletin, error)
	FindBulletinByID(ctx context.Context, id string) (*Bulletin, error)
	// BulletinFile is one rendering; NotFound when the bulletin is missing.
	BulletinFile(ctx context.Context, id string, f Format) ([]byte, error)
}

// ParseFormat reads a file extension (pdf, xlsx, html).
func ParseFormat(s string) (Format, error) {
	f := Format(s)
	if _, ok := Formats[f]; !ok {
		return "", errs.Invalid("文件格式须为 pdf、xlsx 或 html / the format must be pdf, xlsx or html").WithField("format", "pdf, xlsx or html")
	}
	return f, nil
}
