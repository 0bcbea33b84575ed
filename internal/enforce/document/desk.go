package document

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
	"cityloop/internal/org"
)

// Cases is what the desk needs of penalty cases: the case with its
// timeline and its unsealed party, inside the actor's jurisdiction, and
// the rulebook. *enforce.Service has these.
type Cases interface {
	FindCase(ctx context.Context, actor org.Actor, id string) (*enforce.Case, []enforce.Event, error)
	Party(ctx context.Context, actor org.Actor, id string) (*enforce.Case, enforce.PartyDetail, error)
	Rulebook(t time.Time) (*enforce.Rulebook, error)
}

// Numbers keeps the numbers of the cases' documents (文号), each issued
// once from a counter per prefix and year; *enforcestore.DB has these.
type Numbers interface {
	IssueDocNumber(ctx context.Context, caseID, code, prefix string, year int, at time.Time, format func(seq int) (string, error)) (string, error)
	DocNumbers(ctx context.Context, caseID string) (map[string]string, error)
}

// Desk hands out the documents of penalty cases: which ones a case holds,
// and each as a PDF with its number, issued on the first rendering and
// kept. It reads through [Cases], so the caller's jurisdiction applies as
// for the case itself. The API serves it; app fills it in.
type Desk struct {
	// Renderer makes the PDFs; nil when none could be made at start-up,
	// and Unavailable says why (no Chinese font: the Debian package to
	// install), so that everything but the PDF still works.
	Renderer    *Renderer
	Unavailable error
	Cases       Cases
	Numbers     Numbers
	Bureau      string // 执法机关, printed under the seal
	Short       string // its abbreviation, the start of every 文号
	// Atlas names the city and district of a case; nil prints no place.
	Atlas func() *org.Atlas
	// Policy names the approval steps; Remedy says where to appeal (its
	// review organ defaults to the city's people's government).
	Policy enforce.Policy
	Remedy Remedy
	Now    func() time.Time
}

// Listed is one document a case holds, with its number once issued ("" until
// first rendered).
type Listed struct {
	Entry
	Number string
}

// List lists the documents case id holds in its status, in case-file order.
func (d *Desk) List(ctx context.Context, actor org.Actor, id string) (*enforce.Case, []Listed, error) {
	c, _, err := d.Cases.FindCase(ctx, actor, id)
	if err != nil {
		return nil, nil, err
	}
	nums, err := d.Numbers.DocNumbers(ctx, c.ID)
	if err != nil {
		return nil, nil, err
	}
	held := ForStatus(c.Status, c.Procedure == enforce.Summary)
	out := make([]Listed, len(held))
	for i, e := range held {
		out[i] = Listed{Entry: e, Number: nums[string(e.Code)]}
	}
	return c, out, nil
}

// Issued is one rendered document.
type Issued struct {
	Entry  Entry
	Number string
	Case   *enforce.Case
	PDF    []byte
	Masked bool
}

// Render makes document code of case id as a PDF, its number issued now if
// it has none. masked renders the copy that may be published (第四十八条:
// names, ID numbers and phones masked). A code the case does not hold yet
// is NotFound; no font is Unavailable, naming the package to install.
func (d *Desk) Render(ctx context.Context, actor org.Actor, id string, code Code, masked bool) (*Issued, error) {
	entry, ok := Lookup(code)
	if !ok {
		return nil, errs.NotFound("没有文书 %q；文书代码见 GET /api/v1/enforcement/cases/{id}/documents / no document %q", code, code)
	}
	c, events, err := d.Cases.FindCase(ctx, actor, id)
	if err != nil {
		return nil, err
	}
	if !slices.ContainsFunc(ForStatus(c.Status, c.Procedure == enforce.Summary), func(e Entry) bool { return e.Code == code }) {
		return nil, errs.NotFound("案件 %s 处于“%s”，尚无%s / case %s (%s) holds no %s yet", c.Code, c.Status.Zh(), entry.Zh, c.Code, c.Status, entry.En).
			With("status", c.Status)
	}
	if d.Renderer == nil {
		if d.Unavailable != nil {
			return nil, d.Unavailable
		}
		return nil, errs.E(errs.KindUnavailable, "此节点不能生成 PDF 文书：请安装 Debian 软件包 %s / this node cannot make PDF documents: install the Debian package %s", FontPackage, FontPackage)
	}
	_, party, err := d.Cases.Party(ctx, actor, c.ID)
	if err != nil {
		return nil, err
	}
	rb, err := d.Cases.Rulebook(d.Now())
	if err != nil {
		return nil, err
	}
	src := Source{Case: c, Party: party, Events: events, Bureau: d.Bureau, Places: d.places(c.District), Rulebook: rb,
		Policy: d.Policy, Remedy: d.remedy(), Numbers: map[Code]string{}}
	// A receipt names the document it proves the service of, so that
	// document has its number first.
	if code == ServiceReceipt {
		served := PenaltyNotice
		if c.Decision != nil && c.ServedAt != nil {
			served = PenaltyDecision
		}
		if _, err := d.number(ctx, src, served); err != nil {
			return nil, err
		}
	}
	num, err := d.number(ctx, src, code)
	if err != nil {
		return nil, err
	}
	nums, err := d.Numbers.DocNumbers(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for k, v := range nums {
		src.Numbers[Code(k)] = v
	}
	doc, err := FromCase(src, code)
	if err != nil {
		return nil, err
	}
	if masked {
		m := doc.Masked()
		doc = &m
	}
	pdf, err := d.Renderer.Render(code, num, doc)
	if err != nil {
		return nil, fmt.Errorf("render %s of %s: %w", code, c.Code, err)
	}
	return &Issued{Entry: entry, Number: num.String(), Case: c, PDF: pdf, Masked: masked}, nil
}

// number is document code's number: the one it was given, or a new one.
// A decision whose number an officer typed (决定书文号, kept on the case and
// published with it) keeps that number if it reads as one; any other
// document takes the next of the bureau's counter for its word and the
// year of its date (of today while it has none).
func (d *Desk) number(ctx context.Context, src Source, code Code) (Number, error) {
	c := src.Case
	doc, err := FromCase(src, code)
	if err != nil {
		return Number{}, err
	}
	return d.numberAt(ctx, c, code, doc.IssuedAt)
}

// NumberDecision issues the 文号 of c's 决定书 as the decision takes effect
// (enforce.Service calls it once the decision is stored), so that the
// publication shows the number printed on the decision from the start,
// whether or not anyone has rendered it yet: the store hands the number to
// the publication in the transaction that issues it. A 不予处罚 decision is
// not published and keeps its number for when it is rendered.
func (d *Desk) NumberDecision(ctx context.Context, c *enforce.Case) (string, error) {
	if c.Decision == nil || c.Decision.Exemption != nil {
		return "", nil
	}
	n, err := d.numberAt(ctx, c, PenaltyDecision, c.Decision.At)
	if err != nil {
		return "", fmt.Errorf("number the decision of %s: %w", c.Code, err)
	}
	return n.String(), nil
}

// numberAt is document code's number, issued if new in the year of at
// (of today when at is zero).
func (d *Desk) numberAt(ctx context.Context, c *enforce.Case, code Code, at time.Time) (Number, error) {
	if at.IsZero() {
		at = d.Now()
	}
	year := at.In(shanghai).Year()
	var prefix string
	var format func(seq int) (string, error)
	if fixed := d.fixedNumber(c, code); fixed != "" {
		format = func(int) (string, error) { return fixed, nil }
	} else {
		e, _ := Lookup(code)
		prefix = strings.TrimSpace(d.Short) + e.Word
		format = func(seq int) (string, error) {
			n, err := NumberFor(d.Short, code, year, seq)
			if err != nil {
				return "", err
			}
			return n.String(), nil
		}
	}
	s, err := d.Numbers.IssueDocNumber(ctx, c.ID, string(code), prefix, year, d.Now(), format)
	if err != nil {
		return Number{}, err
	}
	n, err := ParseNumber(s)
	if err != nil {
		return Number{}, fmt.Errorf("the stored number of %s %s: %w", c.Code, code, err)
	}
	return n, nil
}

// fixedNumber is the decision number an officer gave the case, when it
// reads as a document number, written as documents print it (7号 →
// 第7号, so the receipt names it as the decision shows it); "" otherwise,
// and the counter numbers the decision.
func (d *Desk) fixedNumber(c *enforce.Case, code Code) string {
	if code != PenaltyDecision || c.Decision == nil || strings.TrimSpace(c.Decision.Number) == "" {
		return ""
	}
	n, err := ParseNumber(c.Decision.Number)
	if err != nil {
		return ""
	}
	return n.String()
}

// places names the case's regions from the city down to its district.
func (d *Desk) places(district string) []string {
	if d.Atlas == nil {
		return nil
	}
	a := d.Atlas()
	var out []string
	for code, i := district, 0; code != "" && i < 16; i++ { // a region tree is a handful of levels deep
		r, ok := a.Region(code)
		if !ok {
			break
		}
		out = append([]string{r.Name}, out...)
		code = r.Parent
	}
	return out
}

// remedy is where a party appeals: the configured organs, else the city's
// people's government, which reviews its own departments' acts (行政复议法
// 第二十四条); the court depends on a province's rules on concentrated
// jurisdiction and is left for the city to set.
func (d *Desk) remedy() Remedy {
	r := d.Remedy
	if r.ReviewOrgan == "" && d.Atlas != nil {
		if city := d.Atlas().City(); city != nil && city.Name != "" {
			r.ReviewOrgan = city.Name + "人民政府"
		}
	}
	return r
}

// OpenDesk is d with a renderer on the font at fontPath (empty: the first
// of FontPaths found). A node without a Chinese font still starts: the
// desk lists documents and answers every rendering with the font error,
// which names the Debian package to install.
func OpenDesk(fontPath string, d Desk) *Desk {
	d.Renderer, d.Unavailable = New(Options{FontPath: fontPath})
	if d.Unavailable != nil {
		d.Renderer = nil
	}
	return &d
}
