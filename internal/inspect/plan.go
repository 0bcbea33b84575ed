package inspect

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cityloop/internal/errs"
)

// ObjectKind is what an inspected object is.
type ObjectKind string

const (
	KindShop   ObjectKind = "shop"   // 商铺
	KindSite   ObjectKind = "site"   // 工地
	KindVendor ObjectKind = "vendor" // 摊贩
)

// KindName is the standard term of a kind.
func KindName(k ObjectKind) string {
	switch k {
	case KindShop:
		return "商铺"
	case KindSite:
		return "工地"
	case KindVendor:
		return "摊贩"
	}
	return string(k)
}

// Object is one entry of the object list (检查对象名录).
type Object struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Kind     ObjectKind `json:"kind"`
	District string     `json:"district"`
	Address  string     `json:"address"`
	// Contact and Phone name the person responsible (a vendor is a natural
	// person): personal data, sealed at rest and never public.
	Contact string `json:"contact,omitempty"`
	Phone   string `json:"phone,omitempty"`
}

// Inspector is one entry of the inspector list (执法检查人员名录).
type Inspector struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Certificate string `json:"certificate"` // 执法证号
	// District is the officer's unit; "" is a city-level officer, who may
	// be drawn in any district.
	District string `json:"district"`
	// Excluded are districts the officer never inspects in (回避区域).
	Excluded []string `json:"excluded_districts,omitempty"`
	Phone    string   `json:"phone,omitempty"` // personal data: sealed, never public
}

// Conflict is a declared conflict of interest (利害关系): the inspector is
// never drawn for the object.
type Conflict struct {
	Inspector string `json:"inspector"`
	Object    string `json:"object"`
	Reason    string `json:"reason,omitempty"` // personal data: sealed, never public
}

// PlanInput is what a leader writes: the plan and its lists.
type PlanInput struct {
	Name   string `json:"name"`
	Period string `json:"period"` // e.g. 2026年第三季度
	// District restricts the draw to objects in it and to its own and
	// city-level inspectors; "" draws city-wide.
	District   string      `json:"district"`
	Count      int         `json:"count"`       // objects to draw
	PerObject  int         `json:"per_object"`  // inspectors per object, ≥ 2 (Art. 42)
	ResultDays int         `json:"result_days"` // working days to publish a result; 0 = DefaultResultDays
	Objects    []Object    `json:"objects"`
	Inspectors []Inspector `json:"inspectors"`
	Conflicts  []Conflict  `json:"conflicts"`
}

// Status is where a plan stands.
type Status string

const (
	StatusDraft     Status = "draft"     // 草拟: may change
	StatusCommitted Status = "committed" // 已公布承诺: frozen, seed hash public
	StatusDrawn     Status = "drawn"     // 已抽取: seed revealed, result public
)

// StatusName is the standard term of a status.
func StatusName(s Status) string {
	switch s {
	case StatusDraft:
		return "草拟"
	case StatusCommitted:
		return "已公布承诺"
	case StatusDrawn:
		return "已抽取"
	}
	return string(s)
}

// Limits on a plan, so that one request cannot make a draw or a page
// unreasonably large.
const (
	DefaultResultDays = 20 // DOMAIN.md §7.1: other results within 20 working days
	MaxResultDays     = 60
	MinPerObject      = 2 // Administrative Penalty Law Art. 42
	MaxPerObject      = 10
	MaxObjects        = 20000
	MaxInspectors     = 5000
	MaxConflicts      = 20000
	maxText           = 200
	maxID             = 64
)

// Plan is a stored draw plan.
type Plan struct {
	ID string `json:"id"`
	PlanInput
	Status    Status    `json:"status"`
	Version   int       `json:"version"`
	CreatedBy string    `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// ObjectCount and InspectorCount are the list sizes; lists read back
	// in a listing are left empty, the counts are always set.
	ObjectCount    int         `json:"object_count"`
	InspectorCount int         `json:"inspector_count"`
	Commitment     *Commitment `json:"commitment,omitempty"`
	Draw           *Draw       `json:"draw,omitempty"`
}

// Normalize trims the text and sorts each list by id (and each excluded
// list), so that two inputs with the same data are the same plan.
func (in *PlanInput) Normalize() {
	in.Name, in.Period, in.District = strings.TrimSpace(in.Name), strings.TrimSpace(in.Period), strings.TrimSpace(in.District)
	if in.ResultDays == 0 {
		in.ResultDays = DefaultResultDays
	}
	for i := range in.Objects {
		o := &in.Objects[i]
		o.ID, o.Name, o.District, o.Address = strings.TrimSpace(o.ID), strings.TrimSpace(o.Name), strings.TrimSpace(o.District), strings.TrimSpace(o.Address)
		o.Kind = ObjectKind(strings.TrimSpace(string(o.Kind)))
		o.Contact, o.Phone = strings.TrimSpace(o.Contact), strings.TrimSpace(o.Phone)
	}
	for i := range in.Inspectors {
		p := &in.Inspectors[i]
		p.ID, p.Name, p.Certificate, p.District = strings.TrimSpace(p.ID), strings.TrimSpace(p.Name), strings.TrimSpace(p.Certificate), strings.TrimSpace(p.District)
		p.Phone = strings.TrimSpace(p.Phone)
		ex := make([]string, 0, len(p.Excluded))
		for _, d := range p.Excluded {
			if d = strings.TrimSpace(d); d != "" {
				ex = append(ex, d)
			}
		}
		slices.Sort(ex)
		p.Excluded = slices.Compact(ex)
	}
	for i := range in.Conflicts {
		c := &in.Conflicts[i]
		c.Inspector, c.Object, c.Reason = strings.TrimSpace(c.Inspector), strings.TrimSpace(c.Object), strings.TrimSpace(c.Reason)
	}
	slices.SortStableFunc(in.Objects, func(a, b Object) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(in.Inspectors, func(a, b Inspector) int { return strings.Compare(a.ID, b.ID) })
	slices.SortStableFunc(in.Conflicts, func(a, b Conflict) int {
		if c := strings.Compare(a.Inspector, b.Inspector); c != 0 {
			return c
		}
		return strings.Compare(a.Object, b.Object)
	})
}

// Validate checks a normalized plan: every field, the references of the
// conflicts, and that the draw can succeed whatever the seed (enough
// objects, and enough eligible inspectors for every object that could be
// drawn). The error is Invalid with one field error per problem, or
// Unprocessable when the lists are sound but cannot make the draw.
func (in *PlanInput) Validate() error {
	bad := errs.Invalid("抽查计划有误 / the inspection plan is not valid")
	// text checks one text field; the field's name is built only for a
	// problem, since a plan may hold 100,000 fields.
	text := func(field func() string, v string, required bool) {
		if m := textProblem(v, required); m != "" {
			bad.WithField(field(), m)
		}
	}
	named := func(s string) func() string { return func() string { return s } }
	text(named("name"), in.Name, true)
	text(named("period"), in.Period, true)
	text(named("district"), in.District, false)
	if in.Count < 1 {
		bad.WithField("count", "至少抽取 1 个对象 / draw at least 1 object")
	}
	if in.PerObject < MinPerObject || in.PerObject > MaxPerObject {
		bad.WithField("per_object", fmt.Sprintf("每个对象须 %d–%d 名执法人员（《行政处罚法》第四十二条不少于两人）/ %d–%d inspectors per object (Art. 42: at least two)",
			MinPerObject, MaxPerObject, MinPerObject, MaxPerObject))
	}
	if in.ResultDays < 1 || in.ResultDays > MaxResultDays {
		bad.WithField("result_days", fmt.Sprintf("1–%d 个工作日 / 1 to %d working days", MaxResultDays, MaxResultDays))
	}
	switch {
	case len(in.Objects) == 0:
		bad.WithField("objects", "检查对象名录为空 / the object list is empty")
	case len(in.Objects) > MaxObjects:
		bad.WithField("objects", fmt.Sprintf("最多 %d 个对象 / at most %d objects", MaxObjects, MaxObjects))
	}
	switch {
	case len(in.Inspectors) == 0:
		bad.WithField("inspectors", "执法检查人员名录为空 / the inspector list is empty")
	case len(in.Inspectors) > MaxInspectors:
		bad.WithField("inspectors", fmt.Sprintf("最多 %d 名执法人员 / at most %d inspectors", MaxInspectors, MaxInspectors))
	}
	if len(in.Conflicts) > MaxConflicts {
		bad.WithField("conflicts", fmt.Sprintf("最多 %d 条回避声明 / at most %d declared conflicts", MaxConflicts, MaxConflicts))
	}
	objects := map[string]*Object{}
	for i := range in.Objects {
		o := &in.Objects[i]
		f := func(name string) func() string {
			return func() string { return fmt.Sprintf("objects[%d].%s", i, name) }
		}
		if !validID(o.ID) {
			bad.WithField(f("id")(), "编号须为 1–64 个字母、数字或 - _ . : / an id of 1–64 letters, digits, - _ . :")
		} else if objects[o.ID] != nil {
			bad.WithField(f("id")(), "编号重复 / duplicate id "+o.ID)
		}
		objects[o.ID] = o
		text(f("name"), o.Name, true)
		text(f("district"), o.District, true)
		text(f("address"), o.Address, false)
		text(f("contact"), o.Contact, false)
		text(f("phone"), o.Phone, false)
		if o.Kind != KindShop && o.Kind != KindSite && o.Kind != KindVendor {
			bad.WithField(f("kind")(), "种类须为 shop（商铺）、site（工地）或 vendor（摊贩）/ kind must be shop, site or vendor")
		}
	}
	inspectors := map[string]*Inspector{}
	for i := range in.Inspectors {
		p := &in.Inspectors[i]
		f := func(name string) func() string {
			return func() string { return fmt.Sprintf("inspectors[%d].%s", i, name) }
		}
		if !validID(p.ID) {
			bad.WithField(f("id")(), "编号须为 1–64 个字母、数字或 - _ . : / an id of 1–64 letters, digits, - _ . :")
		} else if inspectors[p.ID] != nil {
			bad.WithField(f("id")(), "编号重复 / duplicate id "+p.ID)
		}
		inspectors[p.ID] = p
		text(f("name"), p.Name, true)
		text(f("certificate"), p.Certificate, true)
		text(f("district"), p.District, false)
		text(f("phone"), p.Phone, false)
		if len(p.Excluded) > 100 {
			bad.WithField(f("excluded_districts")(), "最多 100 个 / at most 100")
		}
		for _, d := range p.Excluded {
			text(f("excluded_districts"), d, false)
		}
	}
	for i, c := range in.Conflicts {
		f := fmt.Sprintf("conflicts[%d]", i)
		if inspectors[c.Inspector] == nil {
			bad.WithField(f+".inspector", "名录中没有此执法人员 / no such inspector in the list: "+clip(c.Inspector))
		}
		if objects[c.Object] == nil {
			bad.WithField(f+".object", "名录中没有此对象 / no such object in the list: "+clip(c.Object))
		}
		text(named(f+".reason"), c.Reason, false)
		if i > 0 && in.Conflicts[i-1].Inspector == c.Inspector && in.Conflicts[i-1].Object == c.Object {
			bad.WithField(f, "重复的回避声明 / duplicate declared conflict")
		}
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	return in.feasible()
}

// textProblem says what is wrong with a text field, "" when nothing.
func textProblem(v string, required bool) string {
	switch {
	case required && v == "":
		return "必填 / required"
	case len(v) > maxText && utf8.RuneCountInString(v) > maxText:
		return fmt.Sprintf("最多 %d 个字符 / at most %d characters", maxText, maxText)
	case strings.ContainsFunc(v, unicode.IsControl):
		return "含控制字符 / contains control characters"
	}
	return ""
}

// feasible checks that the draw succeeds whatever the seed: enough
// eligible objects, and for every eligible object at least PerObject
// eligible inspectors. Eligibility depends on the object's district and its
// conflicts only, so it counts per district once and subtracts conflicts.
func (in *PlanInput) feasible() error {
	objs := in.eligibleObjects()
	if len(objs) < in.Count {
		where := "名录中"
		if in.District != "" {
			where = "辖区 " + in.District + " 内"
		}
		return errs.Unprocessable("%s只有 %d 个检查对象，不能抽取 %d 个 / only %d objects are eligible, %d cannot be drawn",
			where, len(objs), in.Count, len(objs), in.Count).WithField("count", fmt.Sprintf("≤ %d", len(objs)))
	}
	perDistrict := map[string]int{}
	for _, o := range objs {
		if _, ok := perDistrict[o.District]; ok {
			continue
		}
		n := 0
		for i := range in.Inspectors {
			if in.inScope(&in.Inspectors[i]) && !slices.Contains(in.Inspectors[i].Excluded, o.District) {
				n++
			}
		}
		perDistrict[o.District] = n
	}
	byID := map[string]*Inspector{}
	for i := range in.Inspectors {
		byID[in.Inspectors[i].ID] = &in.Inspectors[i]
	}
	conflicted := map[string]int{} // object → eligible inspectors it conflicts with
	objDistrict := map[string]string{}
	for _, o := range objs {
		objDistrict[o.ID] = o.District
	}
	for _, c := range in.Conflicts {
		d, ok := objDistrict[c.Object]
		if !ok {
			continue
		}
		if p := byID[c.Inspector]; p != nil && in.inScope(p) && !slices.Contains(p.Excluded, d) {
			conflicted[c.Object]++
		}
	}
	for _, o := range objs {
		if n := perDistrict[o.District] - conflicted[o.ID]; n < in.PerObject {
			return errs.Unprocessable("对象 %s（%s）回避后只有 %d 名可抽取的执法人员，每个对象需要 %d 名；请补充执法检查人员名录 / object %s has only %d eligible inspectors after recusal, %d are needed per object; add inspectors to the list",
				o.ID, o.Name, n, in.PerObject, o.ID, n, in.PerObject).WithField("inspectors", fmt.Sprintf("object %s: %d eligible < %d", o.ID, n, in.PerObject))
		}
	}
	return nil
}

// eligibleObjects are the objects the draw chooses from, in id order
// (Normalize sorted them).
func (in *PlanInput) eligibleObjects() []*Object {
	out := make([]*Object, 0, len(in.Objects))
	for i := range in.Objects {
		if in.District == "" || in.Objects[i].District == in.District {
			out = append(out, &in.Objects[i])
		}
	}
	return out
}

// inScope reports whether an inspector may be drawn in this plan at all:
// city-wide plans take everyone; a district's plan its own officers and the
// city-level ones.
func (in *PlanInput) inScope(p *Inspector) bool {
	return in.District == "" || p.District == "" || p.District == in.District
}

func validID(s string) bool {
	if s == "" || len(s) > maxID {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' || r == ':') {
			return false
		}
	}
	return true
}

// clip shortens a value quoted back in an error message.
func clip(s string) string {
	if len(s) > maxID {
		s = s[:maxID]
	}
	return strings.ToValidUTF8(s, "?")
}

// ParsePlan reads a plan from JSON the way the API does: one object, no
// unknown fields, then normalized and validated. It is the parser the fuzz
// test drives.
func ParsePlan(b []byte) (*PlanInput, error) {
	if !utf8.Valid(b) {
		return nil, errs.Invalid("抽查计划不是有效的 UTF-8 文本 / the plan is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var in PlanInput
	if err := dec.Decode(&in); err != nil {
		return nil, errs.Invalid("无法读取抽查计划 / cannot read the plan: %s", err.Error())
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.Invalid("抽查计划须为单个 JSON 对象 / the plan must be a single JSON object")
	}
	in.Normalize()
	if err := in.Validate(); err != nil {
		return nil, err
	}
	return &in, nil
}

// CanonicalFormat names the layout of [Plan.Canonical]; a change of layout
// gets a new name, so old hashes stay checkable.
const CanonicalFormat = "cityloop-inspect-plan/1"

// canonicalDoc is the published plan document: what the draw depends on and
// what identifies the people and places drawn. Addresses, contacts, phones
// and conflict reasons stay out: they do not steer the draw, and the
// document is public.
type canonicalDoc struct {
	Format     string           `json:"format"`
	ID         string           `json:"id"`
	Name       string           `json:"name"`
	Period     string           `json:"period"`
	District   string           `json:"district"`
	Count      int              `json:"count"`
	PerObject  int              `json:"per_object"`
	Objects    []canonObject    `json:"objects"`
	Inspectors []canonInspector `json:"inspectors"`
	Conflicts  [][2]string      `json:"conflicts"` // [inspector, object]
}

type canonObject struct {
	ID       string     `json:"id"`
	Name     string     `json:"name"`
	Kind     ObjectKind `json:"kind"`
	District string     `json:"district"`
}

type canonInspector struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Certificate string   `json:"certificate"`
	District    string   `json:"district"`
	Excluded    []string `json:"excluded_districts"`
}

// Canonical is the plan's published document: compact JSON of the fields
// the draw depends on, every list in id order (it sorts a copy, so a plan
// read back in any order gives the same bytes). Its SHA-256 is [Plan.Hash].
func (p *Plan) Canonical() []byte {
	_, doc := p.canonical()
	return doc
}

// canonical is the plan reduced to what the document holds, normalized,
// and the document. The draw works on the former, so that it sees exactly
// what the hash covers, in the same order.
func (p *Plan) canonical() (*Plan, []byte) {
	q := &Plan{ID: p.ID, PlanInput: PlanInput{Name: p.Name, Period: p.Period, District: p.District, Count: p.Count, PerObject: p.PerObject,
		Objects: make([]Object, len(p.Objects)), Inspectors: make([]Inspector, len(p.Inspectors)), Conflicts: make([]Conflict, len(p.Conflicts))}}
	for i, o := range p.Objects {
		q.Objects[i] = Object{ID: o.ID, Name: o.Name, Kind: o.Kind, District: o.District}
	}
	for i, x := range p.Inspectors {
		q.Inspectors[i] = Inspector{ID: x.ID, Name: x.Name, Certificate: x.Certificate, District: x.District, Excluded: slices.Clone(x.Excluded)}
	}
	for i, k := range p.Conflicts {
		q.Conflicts[i] = Conflict{Inspector: k.Inspector, Object: k.Object}
	}
	q.Normalize()
	c := canonicalDoc{Format: CanonicalFormat, ID: q.ID, Name: q.Name, Period: q.Period, District: q.District,
		Count: q.Count, PerObject: q.PerObject, Objects: make([]canonObject, 0, len(q.Objects)),
		Inspectors: make([]canonInspector, 0, len(q.Inspectors)), Conflicts: make([][2]string, 0, len(q.Conflicts))}
	for _, o := range q.Objects {
		c.Objects = append(c.Objects, canonObject{ID: o.ID, Name: o.Name, Kind: o.Kind, District: o.District})
	}
	for _, x := range q.Inspectors {
		c.Inspectors = append(c.Inspectors, canonInspector{ID: x.ID, Name: x.Name, Certificate: x.Certificate, District: x.District, Excluded: x.Excluded})
	}
	for _, k := range q.Conflicts {
		c.Conflicts = append(c.Conflicts, [2]string{k.Inspector, k.Object})
	}
	b, err := json.Marshal(c)
	if err != nil {
		// Strings, ints and slices of them always encode.
		panic(fmt.Sprintf("inspect: encode canonical plan: %v", err))
	}
	return q, b
}

// Hash is the hex SHA-256 of the canonical document.
func (p *Plan) Hash() string { return hashOf(p.Canonical()) }

func hashOf(doc []byte) string {
	h := sha256.Sum256(doc)
	return hex.EncodeToString(h[:])
}

// PlanFromCanonical reads a published plan document back into a plan that
// draws and hashes the same, for verifiers that hold only the document.
func PlanFromCanonical(b []byte) (*Plan, error) {
	var c canonicalDoc
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return nil, errs.Invalid("无法读取公布的计划文档 / cannot read the published plan document: %s", err.Error())
	}
	if c.Format != CanonicalFormat {
		return nil, errs.Invalid("计划文档格式 %q 不受支持 / plan document format %q is not supported; want %s", clip(c.Format), clip(c.Format), CanonicalFormat)
	}
	p := &Plan{ID: c.ID, PlanInput: PlanInput{Name: c.Name, Period: c.Period, District: c.District, Count: c.Count, PerObject: c.PerObject}}
	for _, o := range c.Objects {
		p.Objects = append(p.Objects, Object{ID: o.ID, Name: o.Name, Kind: o.Kind, District: o.District})
	}
	for _, x := range c.Inspectors {
		p.Inspectors = append(p.Inspectors, Inspector{ID: x.ID, Name: x.Name, Certificate: x.Certificate, District: x.District, Excluded: x.Excluded})
	}
	for _, k := range c.Conflicts {
		p.Conflicts = append(p.Conflicts, Conflict{Inspector: k[0], Object: k[1]})
	}
	return p, nil
}
