package enforce

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
)

//go:embed data/rulebook.json
var nationalData []byte

// Kind is a kind of penalty (第九条) or of measure that goes with one.
type Kind string

const (
	KindWarning            Kind = "warning"             // 警告
	KindFine               Kind = "fine"                // 罚款
	KindConfiscateIncome   Kind = "confiscate_income"   // 没收违法所得
	KindConfiscateProperty Kind = "confiscate_property" // 没收非法财物 / 没收实物
	KindDowngrade          Kind = "downgrade"           // 降低资质等级
	KindRevokeLicence      Kind = "revoke_licence"      // 吊销许可证件
	KindSuspendBusiness    Kind = "suspend_business"    // 责令停产停业 / 停业整治
	KindClosure            Kind = "closure"             // 责令关闭
	KindRestrictPractice   Kind = "restrict_practice"   // 限制从业
	KindDemolish           Kind = "demolish"            // 限期拆除
	KindOrderCorrect       Kind = "order_correct"       // 责令改正 (not a penalty, 第二十八条; always allowed)
	KindEducation          Kind = "education"           // 教育 (第三十三条第三款)
)

// KindNames gives the Chinese and English names of each kind.
var KindNames = map[Kind]catalog.Text{
	KindWarning: {Zh: "警告", En: "Warning"}, KindFine: {Zh: "罚款", En: "Fine"},
	KindConfiscateIncome:   {Zh: "没收违法所得", En: "Confiscation of illegal income"},
	KindConfiscateProperty: {Zh: "没收非法财物", En: "Confiscation of property"},
	KindDowngrade:          {Zh: "降低资质等级", En: "Downgrade"}, KindRevokeLicence: {Zh: "吊销许可证件", En: "Licence revocation"},
	KindSuspendBusiness: {Zh: "责令停产停业", En: "Suspension of business"}, KindClosure: {Zh: "责令关闭", En: "Closure"},
	KindRestrictPractice: {Zh: "限制从业", En: "Practice ban"}, KindDemolish: {Zh: "限期拆除", En: "Demolition"},
	KindOrderCorrect: {Zh: "责令改正", En: "Order to correct"}, KindEducation: {Zh: "教育", En: "Education"},
}

// Level is a discretion level (裁量阶次).
type Level string

const (
	LevelExempt  Level = "exempt"  // 不予处罚
	LevelLenient Level = "lenient" // 从轻
	LevelGeneral Level = "general" // 一般
	LevelSevere  Level = "severe"  // 从重
)

// LevelNames gives the Chinese and English names of each level.
var LevelNames = map[Level]catalog.Text{
	LevelExempt: {Zh: "不予处罚", En: "No penalty"}, LevelLenient: {Zh: "从轻", En: "Lenient"},
	LevelGeneral: {Zh: "一般", En: "General"}, LevelSevere: {Zh: "从重", En: "Severe"},
}

// Harm grades the harm done, an objective fact the officer picks.
type Harm int

const (
	HarmNone    Harm = iota // 没有造成危害后果
	HarmSlight              // 危害后果轻微
	HarmGeneral             // 一般
	HarmSerious             // 严重
)

var harmNames = map[string]Harm{"none": HarmNone, "slight": HarmSlight, "general": HarmGeneral, "serious": HarmSerious}

// Facts are the objective circumstances the officer picks (情节). The
// rulebook turns them into a level; the officer never picks the level.
type Facts struct {
	Party     PartyKind `json:"party"`
	Area      float64   `json:"area,omitempty"`     // m²
	Duration  float64   `json:"duration,omitempty"` // days the act lasted
	Quantity  float64   `json:"quantity,omitempty"` // pieces, m³, vehicles … as the item says
	Cost      float64   `json:"cost,omitempty"`     // 工程造价 or value, yuan: the base of percentage fines
	Repeats   int       `json:"repeats,omitempty"`  // earlier penalties for the same act within the window
	Harm      Harm      `json:"harm"`
	Corrected bool      `json:"corrected"`       // corrected in time once told (及时改正)
	Flags     []string  `json:"flags,omitempty"` // other facts named by the rulebook: near_school, obstruct …
}

// Unit is what a statutory range counts.
type Unit string

const (
	Yuan        Unit = "yuan"         // an amount
	CostPercent Unit = "cost_percent" // a percentage of Facts.Cost (e.g. 工程造价百分之五以上百分之十以下)
)

// Range is an inclusive range in an item's unit.
type Range struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

func (r Range) within(o Range) bool { return r.Min >= o.Min-1e-9 && r.Max <= o.Max+1e-9 }

// Basis cites one article.
type Basis struct {
	Law     string `json:"law"`
	Article string `json:"article"`
	Text    string `json:"text,omitempty"`
}

// Condition tests one fact: fact op value. Facts: area, duration, quantity,
// cost, repeats, harm (none|slight|general|serious), corrected (true|false),
// party (person|organisation) and flag:<name> (true when the flag is set).
type Condition struct {
	Fact  string `json:"fact"`
	Op    string `json:"op"` // < <= == != >= >
	Value any    `json:"value"`

	get func(*Facts) float64
	v   float64
}

// LevelRule is one level of an item: the conditions that lead to it (all
// must hold; the first level whose conditions hold wins) and what it allows.
type LevelRule struct {
	Level Level       `json:"level"`
	When  []Condition `json:"when,omitempty"`
	Kinds []Kind      `json:"kinds"`
	// Band is the share of the statutory range the level allows, [from, to]
	// in 0..1; Range, when set, gives it in the item's unit instead.
	Band  *[2]float64 `json:"band,omitempty"`
	Range *Range      `json:"range,omitempty"`
}

// Item is one violation of the rulebook.
type Item struct {
	ID          string       `json:"id"`
	Name        catalog.Text `json:"name"`
	Prohibition Basis        `json:"prohibition"`
	Penalty     Basis        `json:"penalty"`
	Kinds       []Kind       `json:"kinds"`
	Unit        Unit         `json:"unit"`
	// Statutory ranges per party; nil when the national text says "罚款"
	// without an amount and a provincial or city tier must supply it.
	Person       *Range `json:"person"`
	Organisation *Range `json:"organisation"`
	// Exempt lists the exemption routes open to this item (免罚清单): "minor"
	// (轻微不罚), "first" (首违不罚).
	Exempt []ExemptionKind `json:"exempt,omitempty"`
	Levels []LevelRule     `json:"levels,omitempty"`
	Local  bool            `json:"local,omitempty"` // only in a lower tier, on a local regulation
	Note   string          `json:"note,omitempty"`

	// resolved are the levels in force: the item's own, or the rulebook's
	// defaults narrowed to the item's kinds (and without 不予处罚 when the
	// item is on no exemption list).
	resolved []LevelRule
}

// Statutory is the item's range for a party, or false when no tier set it.
func (it *Item) Statutory(k PartyKind) (Range, bool) {
	r := it.Person
	if k == Organisation {
		r = it.Organisation
	}
	if r == nil {
		return Range{}, false
	}
	return *r, true
}

// Rulebook is one published discretion benchmark (裁量基准, 第三十四条): a
// tier (national, province, city, district) for a region, versioned and
// dated so decisions can cite the version in force.
type Rulebook struct {
	ID            string       `json:"id"`
	Name          catalog.Text `json:"name"`
	Tier          string       `json:"tier"`   // national | province | city | district
	Region        string       `json:"region"` // region code; "" for national
	Parent        string       `json:"parent,omitempty"`
	Version       string       `json:"version"`
	EffectiveFrom time.Time    `json:"effective_from"`
	Source        string       `json:"source"`
	// Bands are the default shares of the statutory range per level, used by
	// levels that give neither band nor range (a common split: 0–30 %, 30–70 %, 70–100 %).
	Bands map[Level][2]float64 `json:"bands"`
	// LevelsBinding says whether lower tiers must keep each level inside this
	// tier's range for the same level. The national tier only frames the
	// statutory ranges and kinds (the laws define no levels), so its default
	// split guides but does not bind; a provincial or city benchmark binds.
	LevelsBinding bool        `json:"levels_binding"`
	DefaultLevels []LevelRule `json:"default_levels"`
	Items         []Item      `json:"items"`

	index map[string]int
}

// Default returns the embedded national rulebook.
func Default() (*Rulebook, error) {
	rb, err := ParseRulebook(nationalData)
	if err != nil {
		return nil, fmt.Errorf("enforce: embedded rulebook: %w", err)
	}
	return rb, nil
}

// ParseRulebook reads and checks a rulebook file; unknown fields are refused
// so a misspelt key does not silently drop a condition.
func ParseRulebook(b []byte) (*Rulebook, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rb Rulebook
	if err := dec.Decode(&rb); err != nil {
		return nil, errs.Invalid("裁量基准文件无法解析 / cannot parse the rulebook: %s", err.Error())
	}
	if err := rb.compile(); err != nil {
		return nil, fmt.Errorf("rulebook %s %s: %w", rb.ID, rb.Version, err)
	}
	return &rb, nil
}

func (rb *Rulebook) compile() error {
	if rb.ID == "" || rb.Version == "" || rb.EffectiveFrom.IsZero() {
		return errs.Invalid("裁量基准需要 id、version 与 effective_from / a rulebook needs id, version and effective_from")
	}
	for i := range rb.DefaultLevels {
		if err := compileLevel(&rb.DefaultLevels[i]); err != nil {
			return fmt.Errorf("default level %d: %w", i, err)
		}
	}
	rb.index = make(map[string]int, len(rb.Items))
	for i := range rb.Items {
		it := &rb.Items[i]
		if _, dup := rb.index[it.ID]; dup || it.ID == "" {
			return errs.Invalid("违法行为编号 %q 为空或重复 / item id %q empty or duplicated", it.ID, it.ID)
		}
		rb.index[it.ID] = i
		if it.Unit != Yuan && it.Unit != CostPercent {
			return errs.Invalid("%s: 未知单位 %q / unknown unit %q", it.ID, it.Unit, it.Unit)
		}
		if it.Penalty.Law == "" || it.Penalty.Article == "" || it.Prohibition.Law == "" {
			return errs.Invalid("%s: 缺少法律依据 / missing legal basis", it.ID)
		}
		for _, r := range []*Range{it.Person, it.Organisation} {
			if r != nil && (r.Min < 0 || r.Max < r.Min) {
				return errs.Invalid("%s: 法定幅度 %v–%v 无效 / invalid statutory range", it.ID, r.Min, r.Max)
			}
		}
		for j := range it.Levels {
			if err := compileLevel(&it.Levels[j]); err != nil {
				return fmt.Errorf("%s level %d: %w", it.ID, j, err)
			}
		}
		it.resolved = it.Levels
		if len(it.Levels) == 0 {
			it.resolved = rb.narrowDefaults(it)
		}
		if len(it.resolved) == 0 || len(it.resolved[len(it.resolved)-1].When) != 0 {
			return errs.Invalid("%s: 最后一个阶次必须无条件兜底 / the last level must have no conditions", it.ID)
		}
		for _, l := range rb.levels(it) {
			for _, k := range l.Kinds {
				if k != KindOrderCorrect && k != KindEducation && !containsKind(it.Kinds, k) {
					return errs.Invalid("%s: 阶次 %s 的种类 %s 超出法定种类 / level %s allows kind %s the law does not give", it.ID, l.Level, k, l.Level, k)
				}
			}
			if l.Range != nil {
				for _, p := range []PartyKind{Person, Organisation} {
					if st, ok := it.Statutory(p); ok && !l.Range.within(st) {
						return errs.Invalid("%s: 阶次 %s 的幅度超出法定幅度 / level %s range leaves the statutory range", it.ID, l.Level, l.Level)
					}
				}
			}
		}
	}
	return nil
}

func compileLevel(l *LevelRule) error {
	if _, ok := LevelNames[l.Level]; !ok {
		return errs.Invalid("未知阶次 %q / unknown level %q", l.Level, l.Level)
	}
	if l.Band != nil && (l.Band[0] < 0 || l.Band[1] > 1 || l.Band[0] > l.Band[1]) {
		return errs.Invalid("阶次 %s 的比例区间无效 / level %s has an invalid band", l.Level, l.Level)
	}
	for i := range l.When {
		if err := compileCondition(&l.When[i]); err != nil {
			return err
		}
	}
	return nil
}

func compileCondition(c *Condition) error {
	switch c.Fact {
	case "area":
		c.get = func(f *Facts) float64 { return f.Area }
	case "duration":
		c.get = func(f *Facts) float64 { return f.Duration }
	case "quantity":
		c.get = func(f *Facts) float64 { return f.Quantity }
	case "cost":
		c.get = func(f *Facts) float64 { return f.Cost }
	case "repeats":
		c.get = func(f *Facts) float64 { return float64(f.Repeats) }
	case "harm":
		c.get = func(f *Facts) float64 { return float64(f.Harm) }
	case "corrected":
		c.get = func(f *Facts) float64 { return b2f(f.Corrected) }
	case "party":
		c.get = func(f *Facts) float64 { return b2f(f.Party == Organisation) }
	default:
		name, ok := strings.CutPrefix(c.Fact, "flag:")
		if !ok || name == "" {
			return errs.Invalid("未知情节 %q / unknown fact %q", c.Fact, c.Fact)
		}
		c.get = func(f *Facts) float64 {
			for _, x := range f.Flags {
				if x == name {
					return 1
				}
			}
			return 0
		}
	}
	switch v := c.Value.(type) {
	case float64:
		c.v = v
	case bool:
		c.v = b2f(v)
	case string:
		if h, ok := harmNames[v]; ok && c.Fact == "harm" {
			c.v = float64(h)
		} else if c.Fact == "party" && (v == string(Person) || v == string(Organisation)) {
			c.v = b2f(v == string(Organisation))
		} else {
			return errs.Invalid("情节 %s 的取值 %q 无效 / bad value %q for fact %s", c.Fact, v, v, c.Fact)
		}
	default:
		return errs.Invalid("情节 %s 缺少取值 / fact %s needs a value", c.Fact, c.Fact)
	}
	switch c.Op {
	case "<", "<=", "==", "!=", ">=", ">":
	default:
		return errs.Invalid("未知比较符 %q / unknown operator %q", c.Op, c.Op)
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func (c *Condition) holds(f *Facts) bool {
	x := c.get(f)
	switch c.Op {
	case "<":
		return x < c.v
	case "<=":
		return x <= c.v
	case "==":
		return x == c.v
	case "!=":
		return x != c.v
	case ">=":
		return x >= c.v
	}
	return x > c.v
}

func (rb *Rulebook) levels(it *Item) []LevelRule { return it.resolved }

// narrowDefaults copies the default levels for one item, keeping only the
// kinds its penalty article gives (a rulebook never adds a kind the law does
// not, 第三十四条) and dropping 不予处罚 unless the item is on an exemption list.
func (rb *Rulebook) narrowDefaults(it *Item) []LevelRule {
	out := make([]LevelRule, 0, len(rb.DefaultLevels))
	for _, l := range rb.DefaultLevels {
		if l.Level == LevelExempt && len(it.Exempt) == 0 {
			continue
		}
		n := l
		n.Kinds = nil
		for _, k := range l.Kinds {
			if k == KindOrderCorrect || k == KindEducation || containsKind(it.Kinds, k) {
				n.Kinds = append(n.Kinds, k)
			}
		}
		out = append(out, n)
	}
	return out
}

// Item returns the rulebook item with the given ID.
func (rb *Rulebook) Item(id string) (*Item, bool) {
	i, ok := rb.index[id]
	if !ok {
		return nil, false
	}
	return &rb.Items[i], true
}

// Outcome is what the rulebook allows for the facts: the level, the kinds,
// and the range both in the item's unit and as an amount of money.
type Outcome struct {
	Rulebook    string          `json:"rulebook"` // id@version, for the decision to cite
	Violation   string          `json:"violation"`
	Name        catalog.Text    `json:"name"`
	Level       Level           `json:"level"`
	Kinds       []Kind          `json:"kinds"`
	Unit        Unit            `json:"unit"`
	Range       Range           `json:"range"`     // in Unit
	Amount      Range           `json:"amount"`    // yuan
	Statutory   Range           `json:"statutory"` // yuan
	Prohibition Basis           `json:"prohibition"`
	Penalty     Basis           `json:"penalty"`
	Exempt      []ExemptionKind `json:"exempt,omitempty"`
}

// Evaluate computes the level and the allowed range for a violation and the
// facts the officer picked. It is pure and allocation-light: lists of cases
// call it per row.
func Evaluate(rb *Rulebook, violation string, f Facts) (Outcome, error) {
	it, ok := rb.Item(violation)
	if !ok {
		return Outcome{}, errs.Invalid("裁量基准 %s 中没有违法行为 %q / rulebook %s has no item %q", rb.ID, violation, rb.ID, violation).
			WithField("violation", "unknown")
	}
	if f.Party != Person && f.Party != Organisation {
		return Outcome{}, errs.Invalid("当事人类型必须是 person 或 organisation / party must be person or organisation").WithField("party", "required")
	}
	st, ok := it.Statutory(f.Party)
	if !ok {
		return Outcome{}, errs.Unprocessable("%s（%s）对%s的罚款幅度须由省、市裁量基准规定 / the fine range for %s must come from a provincial or city tier",
			it.ID, it.Name.Zh, partyZh(f.Party), it.ID).With("violation", it.ID)
	}
	if it.Unit == CostPercent && f.Cost <= 0 {
		return Outcome{}, errs.Invalid("%s 按工程造价计罚，需要填写造价 / %s is fined as a share of the cost; give the cost", it.ID, it.ID).
			WithField("cost", "required")
	}
	var lr *LevelRule
	levels := rb.levels(it)
	for i := range levels {
		l := &levels[i]
		all := true
		for j := range l.When {
			if !l.When[j].holds(&f) {
				all = false
				break
			}
		}
		if all {
			lr = l
			break
		}
	}
	if lr == nil {
		return Outcome{}, errs.Invalid("%s 没有与情节相符的阶次（基准缺少兜底阶次）/ no level of %s fits the facts (the rulebook lacks a default level)", it.ID, it.ID)
	}
	r := rb.levelRange(lr, st)
	// Copies, so that a caller editing its outcome never edits the shared rulebook.
	out := Outcome{Rulebook: rb.ID + "@" + rb.Version, Violation: it.ID, Name: it.Name, Level: lr.Level, Kinds: slices.Clone(lr.Kinds),
		Unit: it.Unit, Range: r, Prohibition: it.Prohibition, Penalty: it.Penalty, Exempt: slices.Clone(it.Exempt)}
	out.Amount, out.Statutory = r, st
	if it.Unit == CostPercent {
		out.Amount = Range{Min: cents(f.Cost * r.Min / 100), Max: cents(f.Cost * r.Max / 100)}
		out.Statutory = Range{Min: cents(f.Cost * st.Min / 100), Max: cents(f.Cost * st.Max / 100)}
	}
	return out, nil
}

func (rb *Rulebook) levelRange(l *LevelRule, st Range) Range {
	if l.Level == LevelExempt {
		return Range{}
	}
	if l.Range != nil {
		return *l.Range
	}
	band, ok := rb.Bands[l.Level]
	if l.Band != nil {
		band, ok = *l.Band, true
	}
	if !ok {
		return st
	}
	span := st.Max - st.Min
	return Range{Min: cents(st.Min + span*band[0]), Max: cents(st.Min + span*band[1])}
}

func cents(v float64) float64 { return math.Round(v*100) / 100 }

func partyZh(k PartyKind) string {
	if k == Organisation {
		return "单位"
	}
	return "个人"
}

// Deviations lists how a penalty leaves the outcome: a fine outside the
// amount range, or a kind the level does not allow. Empty means within. A
// deviation needs a written reason and goes to 法制审核 (Decide enforces both).
func (o Outcome) Deviations(p Penalty) []string {
	var out []string
	if p.Fine > 0 || o.Amount.Min > 0 && p.Has(KindFine) {
		if p.Fine < o.Amount.Min-0.005 || p.Fine > o.Amount.Max+0.005 {
			out = append(out, fmt.Sprintf("罚款 %.2f 元不在 %s 阶次 %.2f–%.2f 元内 / fine %.2f outside the %s range %.2f–%.2f",
				p.Fine, LevelNames[o.Level].Zh, o.Amount.Min, o.Amount.Max, p.Fine, o.Level, o.Amount.Min, o.Amount.Max))
		}
	}
	if p.Fine > 0 && !p.Has(KindFine) {
		out = append(out, "有罚款金额却未列罚款种类 / a fine amount without the fine kind")
	}
	for _, k := range p.Kinds {
		if k == KindOrderCorrect || k == KindEducation {
			continue
		}
		if !containsKind(o.Kinds, k) {
			out = append(out, fmt.Sprintf("%s 阶次不含处罚种类 %s / the %s level does not allow %s", LevelNames[o.Level].Zh, KindNames[k].Zh, o.Level, k))
		}
	}
	return out
}

// CheckTier refuses a lower-tier rulebook that exceeds its upper tier
// (国办发〔2022〕27号: lower levels may refine, never exceed): every shared
// item keeps within the upper statutory range and kinds, and, when the upper
// tier's levels bind, each level stays inside the same level of the upper
// tier for both kinds of party. Every level of every tier already stays
// inside its own statutory range (checked when the file is parsed).
// Items only the lower tier has must be marked local (a local regulation).
func CheckTier(upper, lower *Rulebook) error {
	var problems []string
	for i := range lower.Items {
		lo := &lower.Items[i]
		up, ok := upper.Item(lo.ID)
		if !ok {
			if !lo.Local {
				problems = append(problems, fmt.Sprintf("%s: 上级基准没有此项且未标注为地方性规定 / not in the upper tier and not marked local", lo.ID))
			}
			continue
		}
		if lo.Unit != up.Unit {
			problems = append(problems, fmt.Sprintf("%s: 计罚单位与上级不同 / unit differs from the upper tier", lo.ID))
			continue
		}
		for _, k := range lo.Kinds {
			if !containsKind(up.Kinds, k) {
				problems = append(problems, fmt.Sprintf("%s: 增设了上级没有的处罚种类 %s / adds kind %s", lo.ID, k, k))
			}
		}
		for _, p := range []PartyKind{Person, Organisation} {
			ust, uok := up.Statutory(p)
			lst, lok := lo.Statutory(p)
			if uok && lok && !lst.within(ust) {
				problems = append(problems, fmt.Sprintf("%s: %s法定幅度 %.2f–%.2f 超出上级 %.2f–%.2f / %s statutory range exceeds the upper tier",
					lo.ID, partyZh(p), lst.Min, lst.Max, ust.Min, ust.Max, p))
			}
			if !lok || !upper.LevelsBinding {
				continue
			}
			if !uok {
				ust = lst // the upper tier left the amount to this tier
			}
			for j := range lower.levels(lo) {
				ll := &lower.levels(lo)[j]
				ul := findLevel(upper.levels(up), ll.Level)
				if ul == nil {
					problems = append(problems, fmt.Sprintf("%s: 上级没有 %s 阶次 / the upper tier has no %s level", lo.ID, LevelNames[ll.Level].Zh, ll.Level))
					continue
				}
				lr, ur := lower.levelRange(ll, lst), upper.levelRange(ul, ust)
				if !lr.within(ur) {
					problems = append(problems, fmt.Sprintf("%s: %s %s阶次 %.2f–%.2f 超出上级 %.2f–%.2f / %s %s level exceeds the upper tier",
						lo.ID, partyZh(p), LevelNames[ll.Level].Zh, lr.Min, lr.Max, ur.Min, ur.Max, p, ll.Level))
				}
				for _, k := range ll.Kinds {
					if !containsKind(ul.Kinds, k) {
						problems = append(problems, fmt.Sprintf("%s: %s阶次增设种类 %s / the %s level adds kind %s", lo.ID, LevelNames[ll.Level].Zh, k, ll.Level, k))
					}
				}
			}
		}
	}
	if len(problems) > 0 {
		return errs.Invalid("下级裁量基准 %s 超出上级 %s：%s / the lower-tier rulebook exceeds its upper tier",
			lower.ID, upper.ID, strings.Join(dedupe(problems), "；")).With("problems", dedupe(problems))
	}
	return nil
}

func findLevel(ls []LevelRule, l Level) *LevelRule {
	for i := range ls {
		if ls[i].Level == l {
			return &ls[i]
		}
	}
	return nil
}

func dedupe(xs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// InForce picks, among the versions of the rulebooks a city keeps, the one
// for region that was in force at `at`: the latest whose EffectiveFrom is
// not after at. A decision cites the version it was measured against
// (Outcome.Rulebook), so a later revision never rewrites an old benchmark.
func InForce(books []*Rulebook, region string, at time.Time) (*Rulebook, bool) {
	var best *Rulebook
	for _, rb := range books {
		if rb.Region != region || rb.EffectiveFrom.After(at) {
			continue
		}
		if best == nil || rb.EffectiveFrom.After(best.EffectiveFrom) {
			best = rb
		}
	}
	return best, best != nil
}
