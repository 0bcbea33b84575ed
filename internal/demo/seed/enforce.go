package seed

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"cityloop/internal/enforce"
	"cityloop/internal/evidence"
	"cityloop/internal/org"
	"cityloop/internal/worktime"
)

// EnforceOptions say what [Enforcement] writes.
type EnforceOptions struct {
	Seed         int64
	Cases        int // penalty cases; 0 means none
	Now          time.Time
	PasswordHash string    // of the demo accounts' password
	Leader       org.Actor // the demo's leader (分管领导) signs filings, decisions and closings
	// Vault keeps the cases' evidence (scene photos, the scanned 勘验 record,
	// body-camera clips): a record of an evidence kind counts only when the
	// vault holds its file, so without it no demo case gets past 调查取证.
	Vault Depositor
}

// Depositor keeps evidence made on the server (evidence/vault.Vault).
type Depositor interface {
	Deposit(ctx context.Context, it evidence.Item, content []byte) (evidence.Item, error)
}

// EnforceInfo is what [Enforcement] wrote.
type EnforceInfo struct {
	Accounts int
	Cases    int
	ByStatus map[enforce.Status]int
	Duration time.Duration
}

// AccountWriter stores the demo's enforcement accounts.
type AccountWriter interface {
	CreateAccount(ctx context.Context, acc *org.Account) error
}

// Enforcement writes the demo city's mobile enforcement: the accounts
// `enforcer` (执法队员, city-wide), `enforcer_<district>` (one per
// district), `legalreviewer` (法制审核员) and `director` (主要领导, the last
// step of the decision chain), and penalty cases in every state of the
// procedure: leads, 不予立案, summary penalties paid and unpaid, warnings,
// exemptions on the spot (首违不罚, 轻微免罚), cases under investigation,
// review, legal review, notice, hearing, decision, service, overdue
// payments, referrals to court, closed and archived ones. Every case is
// played through enforce.Decide, so it is what the procedure would have
// produced, then stored in one write with its timeline, records and
// publication. Everything is drawn from the seed.
func Enforcement(ctx context.Context, accs AccountWriter, st enforce.Store, atlas *org.Atlas, cal *worktime.Calendar,
	rb *enforce.Rulebook, policy enforce.Policy, o EnforceOptions) (*EnforceInfo, error) {
	start := time.Now()
	info := &EnforceInfo{ByStatus: map[enforce.Status]int{}}
	city := atlas.City()
	if city == nil {
		return info, nil
	}
	var districts []string
	for _, r := range atlas.Regions(org.LevelDistrict) {
		districts = append(districts, r.Code)
	}
	slices.Sort(districts)
	if len(districts) == 0 {
		return info, nil
	}
	acct := func(username, name string, g org.Grant) (org.Actor, error) {
		a := &org.Account{ID: demoID(o.Seed, "account:"+username), Username: username, Name: name, PasswordHash: o.PasswordHash,
			Grants: []org.Grant{g}, CreatedAt: o.Now.AddDate(-1, 0, 0)}
		if err := accs.CreateAccount(ctx, a); err != nil {
			return org.Actor{}, fmt.Errorf("create demo account %s: %w", username, err)
		}
		info.Accounts++
		return org.Actor{ID: a.ID, Name: a.Name, Grants: a.Grants}, nil
	}
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0xe4f0ce))
	cityOfficer, err := acct("enforcer", enforcerName(rng), org.Grant{Post: org.PostEnforcer, Region: city.Code, Department: "enforcement"})
	if err != nil {
		return nil, err
	}
	local := map[string]org.Actor{}
	for _, d := range districts {
		if local[d], err = acct("enforcer_"+d, enforcerName(rng), org.Grant{Post: org.PostEnforcer, Region: d, Department: "enforcement"}); err != nil {
			return nil, err
		}
	}
	reviewer, err := acct("legalreviewer", enforcerName(rng), org.Grant{Post: enforce.PostLegalReviewer})
	if err != nil {
		return nil, err
	}
	director, err := acct("director", enforcerName(rng), org.Grant{Post: org.PostLeader})
	if err != nil {
		return nil, err
	}
	g := &enforceGen{rng: rng, cal: cal, rb: rb, policy: policy, now: o.Now, leader: o.Leader, director: director, reviewer: reviewer}
	for i := 0; i < o.Cases; i++ {
		d := districts[i%len(districts)]
		officers := []enforce.Officer{
			{ID: local[d].ID, Name: local[d].Name, Certificate: fmt.Sprintf("3201%06d", 1000+slices.Index(districts, d))},
			{ID: cityOfficer.ID, Name: cityOfficer.Name, Certificate: "3201000999"},
		}
		id := demoID(o.Seed, fmt.Sprintf("penalty:%d", i))
		g.exhibits = []enforce.Exhibit{{ID: demoID(o.Seed, "evidence:photo:"+id), Media: enforce.MediaPhoto},
			{ID: demoID(o.Seed, "evidence:scan:"+id), Media: enforce.MediaDocument}, {ID: demoID(o.Seed, "evidence:video:"+id), Media: enforce.MediaVideo},
			{ID: demoID(o.Seed, "evidence:receipt:"+id), Media: enforce.MediaDocument}}
		c, party, events, err := g.play(i, id, d, local[d], officers)
		if err != nil {
			return nil, fmt.Errorf("demo penalty case %d: %w", i, err)
		}
		var pub *enforce.Disclosure
		if p, ok := enforce.DisclosureOf(*c, rb, c.UpdatedAt); ok {
			p.PublishedAt = c.Decision.At
			pub = &p
		}
		if err := st.CreateCase(ctx, c, party, events, pub); err != nil {
			return nil, fmt.Errorf("store demo penalty case %d: %w", i, err)
		}
		if err := g.deposit(ctx, o.Vault, c); err != nil {
			return nil, fmt.Errorf("demo penalty case %d: %w", i, err)
		}
		info.Cases++
		info.ByStatus[c.Status]++
	}
	info.Duration = time.Since(start)
	return info, nil
}

// demoID is a UUID-shaped id drawn from the seed and a name.
func demoID(seed int64, name string) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%d/%s", seed, name)))
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-7" + x[13:16] + "-8" + x[17:20] + "-" + x[20:32]
}

var (
	demoSurnames = []rune("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘")
	demoGiven    = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "建华", "志强", "海燕", "晓东", "文博", "思远"}
	demoShops    = []string{"味美餐饮有限公司", "鑫源建材经营部", "百顺便利店", "老街烧烤店", "金鼎装饰工程有限公司", "华兴物流有限公司", "四季水果店", "恒通汽车修理厂"}
)

func enforcerName(rng *rand.Rand) string {
	return string(demoSurnames[rng.IntN(len(demoSurnames))]) + demoGiven[rng.IntN(len(demoGiven))]
}

// idNumber is a resident ID number of the district with a valid check
// character (GB 11643-1999).
func idNumber(rng *rand.Rand, district string) string {
	birth := time.Date(1960+rng.IntN(45), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC)
	body := fmt.Sprintf("%s%s%03d", district, birth.Format("20060102"), rng.IntN(1000))
	weights := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i, w := range weights {
		sum += int(body[i]-'0') * w
	}
	return body + string("10X98765432"[sum%11])
}

// uscc is a 统一社会信用代码 shaped one for a company registered in the district.
func uscc(rng *rand.Rand, district string) string {
	const alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
	b := []byte("91" + district)
	for len(b) < 18 {
		b = append(b, alphabet[rng.IntN(len(alphabet))])
	}
	return string(b)
}

// enforceGen plays demo cases through enforce.Decide.
type enforceGen struct {
	rng                        *rand.Rand
	cal                        *worktime.Calendar
	rb                         *enforce.Rulebook
	policy                     enforce.Policy
	now                        time.Time
	leader, director, reviewer org.Actor
	// exhibits are the current case's evidence in the vault: a scene photo,
	// the scanned 勘验 record, a body-camera clip and the signed 送达回证.
	exhibits []enforce.Exhibit
}

// Placeholder evidence of the demo: the smallest files the vault accepts
// as a photo (PNG), a scanned record (PDF) and a clip (an MP4 header).
var (
	demoPNG     = placeholderPNG()
	demoPDF     = []byte("%PDF-1.4\n% 演示证据：现场检查（勘验）笔录扫描件 / demo evidence: scanned inspection record\n%%EOF\n")
	demoReceipt = []byte("%PDF-1.4\n% 演示证据：当事人签收的送达回证扫描件 / demo evidence: signed proof of service\n%%EOF\n")
	demoMP4     = []byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2\x00\x00\x00\x08free")
)

// placeholderPNG is a small grey photo: the vault decodes and re-encodes
// every photo it keeps, so the demo's must be a real image.
func placeholderPNG() []byte {
	img := image.NewGray(image.Rect(0, 0, 16, 12))
	for i := range img.Pix {
		img.Pix[i] = 0xb0
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err) // encoding an in-memory image cannot fail
	}
	return buf.Bytes()
}

// deposit keeps in the vault the exhibits c's records name, captured when
// the record was made, by its officer.
func (g *enforceGen) deposit(ctx context.Context, v Depositor, c *enforce.Case) error {
	content := map[enforce.Media][]byte{enforce.MediaPhoto: demoPNG, enforce.MediaDocument: demoPDF, enforce.MediaVideo: demoMP4}
	for _, e := range g.exhibits {
		for _, r := range c.Records {
			if !slices.Contains(r.Files, e.ID) {
				continue
			}
			if v == nil {
				return fmt.Errorf("record %s names evidence %s but no vault keeps demo evidence", r.Kind, e.ID)
			}
			at := r.At
			officer := c.Officers[0].ID
			if len(r.Officers) > 0 {
				officer = r.Officers[0]
			}
			body := content[e.Media]
			if r.Kind == enforce.RecService {
				body = demoReceipt
			}
			if _, err := v.Deposit(ctx, evidence.Item{ID: e.ID, CaseID: c.ID, Kind: evidence.Kind(e.Media), CapturedAt: &at,
				CaptureSource: "device", DeviceID: "DSJ-DEMO", OfficerID: officer, Note: "演示证据 / demo evidence"}, body); err != nil {
				return fmt.Errorf("deposit demo evidence %s: %w", e.ID, err)
			}
			break
		}
	}
	return nil
}

// scenarios is the mix of where demo cases stand, one entry per case in turn.
var scenarios = []string{"summary_paid", "exempt", "summary_unpaid", "closed", "exempt", "lead", "summary_warning", "investigating",
	"exempt", "not_filed", "reviewing", "legal_review", "summary_paid", "pending_notice", "notified", "hearing", "pending_decision",
	"decided", "executing_overdue", "referred", "closed", "archived", "summary_org"}

type step struct {
	after time.Duration
	cmd   enforce.Command
}

// fineIn is a round amount in the middle of the outcome's range.
func fineIn(out enforce.Outcome) float64 {
	mid := (out.Amount.Min + out.Amount.Max) / 2
	f := math.Round(mid/50) * 50
	return math.Min(math.Max(f, out.Amount.Min), out.Amount.Max)
}

func (g *enforceGen) play(i int, id, district string, officer org.Actor, officers []enforce.Officer) (*enforce.Case, enforce.PartyDetail, []enforce.Event, error) {
	rng := g.rng
	sc := scenarios[i%len(scenarios)]
	kind := enforce.Person
	// Hearings and major decisions are shown on persons: the thresholds
	// for organisations (50,000 and 100,000 yuan) are beyond these acts.
	if sc == "summary_org" || (sc != "exempt" && sc != "hearing" && sc != "legal_review" && rng.IntN(4) == 0) {
		kind = enforce.Organisation
	}
	party := enforce.PartyDetail{Kind: kind, Phone: fmt.Sprintf("13%d%08d", 5+rng.IntN(5), rng.IntN(100000000)),
		Address: fmt.Sprintf("%s路 %d 号", []string{"中山", "解放", "建设", "人民", "和平"}[rng.IntN(5)], 1+rng.IntN(300))}
	if kind == enforce.Person {
		party.Name = enforcerName(rng)
		party.IDNumber = idNumber(rng, district)
	} else {
		party.Name = demoShops[rng.IntN(len(demoShops))]
		party.USCC = uscc(rng, district)
		party.Representative = enforcerName(rng)
	}
	o1 := officer
	photo := &enforce.Record{Kind: enforce.RecPhoto, Files: []string{g.exhibits[0].ID}, Officers: []string{officers[0].ID}}
	number := func(prefix string) string {
		return fmt.Sprintf("宁城管%s〔%d〕%d号", prefix, g.now.Year(), 1000+i)
	}
	var steps []step
	summary := ""
	add := func(after time.Duration, cmd enforce.Command) { steps = append(steps, step{after, cmd}) }
	day := 24 * time.Hour
	onSpot := func(v string, f enforce.Facts, pen *enforce.Penalty) {
		add(30*time.Minute, enforce.Command{Action: enforce.ActSummary, Actor: o1, Officers: officers, Violation: v, Facts: &f, Penalty: pen,
			Record: photo, Number: number("简罚")})
	}
	closing := func() {
		add(day, enforce.Command{Action: enforce.ActProposeClosing, Actor: o1, Note: "罚款已缴清，提请结案"})
		add(day, enforce.Command{Action: enforce.ActApprove, Actor: g.leader, Note: "同意结案"})
	}
	switch sc {
	case "lead":
		summary = "巡查发现占道经营，待核实"
	case "not_filed":
		summary = "群众反映违法搭建，经核实已自行拆除"
		add(day, enforce.Command{Action: enforce.ActRefuseFiling, Actor: g.leader, Note: "经核实违法事实不成立，不予立案"})
	case "summary_paid", "summary_unpaid", "summary_org":
		summary = "当场发现违规倾倒垃圾"
		v, f := "WASTE-01", enforce.Facts{Party: kind, Harm: enforce.HarmSlight, Flags: []string{"mitigating"}}
		if kind == enforce.Organisation {
			v, summary = "NOISE-03", "商铺使用高音喇叭招揽顾客"
		}
		out, err := enforce.Evaluate(g.rb, v, f)
		if err != nil {
			return nil, party, nil, err
		}
		ceiling := enforce.SummaryMaxPerson
		if kind == enforce.Organisation {
			ceiling = enforce.SummaryMaxOrganisation
		}
		onSpot(v, f, &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine}, Fine: math.Min(ceiling, out.Amount.Min)})
		if sc == "summary_paid" {
			add(time.Duration(1+rng.IntN(10))*day, enforce.Command{Action: enforce.ActPay, Actor: o1, Amount: math.Min(ceiling, out.Amount.Min)})
			closing()
		}
	case "summary_warning":
		summary = "夜间广场舞音量过大"
		f := enforce.Facts{Party: kind, Harm: enforce.HarmSlight, Flags: []string{"mitigating"}}
		onSpot("NOISE-04", f, &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindWarning}})
	case "exempt":
		vs := []string{"ROAD-01", "NOISE-04", "WASTE-01", "BIZ-01"}
		v := vs[rng.IntN(len(vs))]
		summary = "首次违法，当场改正"
		f := enforce.Facts{Party: kind, Harm: enforce.Harm(rng.IntN(2)), Corrected: true}
		ex := &enforce.Exemption{Kind: enforce.ExemptFirst, Education: []enforce.Education{enforce.EduPersuasion}}
		if f.Harm == enforce.HarmNone {
			ex.Kind, summary = enforce.ExemptMinor, "违法行为轻微，当场改正，没有危害后果"
		}
		if rng.IntN(2) == 0 {
			ex.Education = append(ex.Education, enforce.EduWarningTalk)
		}
		add(20*time.Minute, enforce.Command{Action: enforce.ActExempt, Actor: o1, Officers: officers, Violation: v, Facts: &f,
			Exemption: ex, Record: photo, Number: number("不罚")})
	default:
		summary = g.ordinary(sc, kind, o1, officers, number("罚决字"), &steps)
	}
	// Place the script so that its last step lands a little before now.
	var total time.Duration
	for _, s := range steps {
		total += s.after
	}
	slack := time.Duration(2+rng.IntN(72)) * time.Hour
	switch sc {
	case "closed", "archived", "summary_paid", "not_filed":
		slack += time.Duration(rng.IntN(120)) * day
	case "executing_overdue":
		slack += time.Duration(20+rng.IntN(30)) * day
	case "decided":
		slack = time.Duration(1+rng.IntN(6)) * day
	}
	t := g.now.Add(-total - slack)
	occurred := t.Add(-time.Duration(1+rng.IntN(20)) * day)
	c := enforce.Case{ID: id, District: district, Procedure: enforce.Ordinary, Status: enforce.StatusLead, Summary: summary,
		Party:      enforce.Party{ID: "demo-" + id, Name: party.Name, Kind: kind, EServiceConsent: rng.IntN(3) == 0},
		OccurredAt: occurred.UTC(), Brigade: "enforcement", Version: 1, UpdatedAt: t}
	party.EServiceConsent = c.Party.EServiceConsent
	events := []enforce.Event{{CaseID: id, Seq: 1, Action: enforce.ActOpen, To: enforce.StatusLead, Actor: o1.ID, Name: o1.Name,
		Post: org.PostEnforcer, At: t, Note: summary}}
	env := enforce.Env{Cal: g.cal, Rulebook: g.rb, Policy: g.policy, Window: 365 * day, Exhibits: g.exhibits}
	for _, s := range steps {
		t = t.Add(s.after)
		if s.cmd.Action == enforce.ActHoldHearing && c.Hearing != nil && c.Hearing.At != nil && t.Before(*c.Hearing.At) {
			t = *c.Hearing.At
		}
		if s.cmd.Action == enforce.ActPay {
			env.Now = t
			s.cmd.Amount = enforce.AmountDue(c, env)
		}
		if s.cmd.Action == enforce.ActScheduleHearing {
			at := enforce.TermOf(enforce.ClockHearingNotice).Due(g.cal, t).Add(9 * time.Hour)
			s.cmd.HearingAt = &at
		}
		if t.After(g.now) {
			t = g.now
		}
		env.Now = t
		next, evs, err := enforce.Decide(c, s.cmd, env)
		if err != nil {
			return nil, party, nil, fmt.Errorf("%s (%s): %w", s.cmd.Action, sc, err)
		}
		c, events = next, append(events, evs...)
	}
	if next, evs, ok := enforce.Sweep(c, g.cal, g.policy, g.now); ok {
		c, events = next, append(events, evs...)
	}
	return &c, party, events, nil
}

// ordinary writes the steps of the ordinary procedure up to the state sc
// and returns the lead's summary.
func (g *enforceGen) ordinary(sc string, kind enforce.PartyKind, o1 org.Actor, officers []enforce.Officer, number string, steps *[]step) string {
	day := 24 * time.Hour
	add := func(after time.Duration, cmd enforce.Command) { *steps = append(*steps, step{after, cmd}) }
	v, fine, summary := "AIR-04", 1250.0, "露天焚烧落叶产生烟尘"
	hearing := sc == "hearing"
	major := sc == "legal_review"
	if hearing || major {
		v, summary = "ROAD-01", "长期占用道路经营，拒不改正"
		fine = 8000
		if major {
			fine = 12000
		}
	}
	f := enforce.Facts{Party: kind, Harm: enforce.HarmGeneral}
	if out, err := enforce.Evaluate(g.rb, v, f); err == nil && !hearing && !major {
		fine = fineIn(out)
	}
	pen := &enforce.Penalty{Kinds: []enforce.Kind{enforce.KindFine, enforce.KindOrderCorrect}, Fine: fine}
	stopAt := map[string]enforce.Action{"investigating": enforce.ActConclude, "reviewing": enforce.ActReview,
		"legal_review": enforce.ActLegalReview, "pending_notice": enforce.ActNotify, "notified": enforce.ActEndStatement,
		"hearing": enforce.ActHoldHearing, "pending_decision": enforce.ActProposeDecision, "decided": enforce.ActServe,
		"executing_overdue": enforce.ActPay}
	stop := stopAt[sc]
	script := []step{
		{2 * time.Hour, enforce.Command{Action: enforce.ActProposeFiling, Actor: o1, Officers: officers, Violation: v, Note: "违法事实初步成立，提请立案"}},
		{day, enforce.Command{Action: enforce.ActApprove, Actor: g.leader, Note: "同意立案"}},
		{day, enforce.Command{Action: enforce.ActRecord, Actor: o1, Record: &enforce.Record{Kind: enforce.RecInspection,
			Officers: []string{officers[0].ID, officers[1].ID}, Files: []string{g.exhibits[1].ID}, Note: "现场检查笔录"}}},
		{time.Hour, enforce.Command{Action: enforce.ActRecord, Actor: o1, Record: &enforce.Record{Kind: enforce.RecAudioVideo,
			Officers: []string{officers[0].ID}, Files: []string{g.exhibits[2].ID}}}},
		{2 * day, enforce.Command{Action: enforce.ActConclude, Actor: o1, Facts: &f, Penalty: pen}},
		{day, enforce.Command{Action: enforce.ActReview, Actor: g.leader, Complex: new(bool)}},
	}
	if major {
		script = append(script, step{day, enforce.Command{Action: enforce.ActLegalReview, Actor: g.reviewer, Passed: ptrTrue(), Qualification: "A2019320100" + "1234", Note: "事实清楚，证据确凿"}})
	}
	script = append(script, step{day, enforce.Command{Action: enforce.ActNotify, Actor: o1, Note: "送达行政处罚事先告知书"}})
	if hearing {
		script = append(script,
			step{day, enforce.Command{Action: enforce.ActRequestHearing, Actor: o1, Note: "当事人书面申请听证"}},
			step{day, enforce.Command{Action: enforce.ActScheduleHearing, Actor: g.leader, Chair: g.reviewer.ID, Note: "听证通知书"}},
			step{11 * day, enforce.Command{Action: enforce.ActHoldHearing, Actor: g.reviewer, Note: "听证笔录：当事人陈述、申辩、质证"}},
			step{day, enforce.Command{Action: enforce.ActLegalReview, Actor: g.reviewer, Passed: ptrTrue(), Qualification: "A20193201001234", Note: "听证后复核"}})
	} else {
		script = append(script, step{day, enforce.Command{Action: enforce.ActEndStatement, Actor: o1, Waived: true, Note: "当事人书面放弃陈述申辩"}})
	}
	script = append(script,
		step{day, enforce.Command{Action: enforce.ActProposeDecision, Actor: o1, Penalty: pen, Number: number}},
		step{day, enforce.Command{Action: enforce.ActApprove, Actor: g.reviewer, Note: "法制机构审核同意"}},
		step{day, enforce.Command{Action: enforce.ActApprove, Actor: g.leader, Note: "同意"}},
		step{day, enforce.Command{Action: enforce.ActApprove, Actor: g.director, Note: "同意"}},
		step{2 * day, enforce.Command{Action: enforce.ActServe, Actor: o1, Method: enforce.ServeDirect,
			Record: &enforce.Record{Files: []string{g.exhibits[3].ID}, Note: "当事人签收送达回证"}}},
	)
	switch sc {
	case "referred":
		script = append(script, step{20 * day, enforce.Command{Action: enforce.ActRefer, Actor: g.leader, Note: "逾期未缴纳罚款，申请人民法院强制执行"}})
	case "closed", "archived":
		script = append(script, step{5 * day, enforce.Command{Action: enforce.ActPay}},
			step{day, enforce.Command{Action: enforce.ActProposeClosing, Actor: o1, Note: "罚款已缴清，提请结案"}},
			step{day, enforce.Command{Action: enforce.ActApprove, Actor: g.leader, Note: "同意结案"}})
		if sc == "archived" {
			script = append(script, step{3 * day, enforce.Command{Action: enforce.ActArchive, Actor: o1}})
		}
	}
	for _, s := range script {
		if s.cmd.Action == stop {
			break
		}
		if s.cmd.Action == enforce.ActPay {
			s.cmd.Actor = o1
		}
		add(s.after, s.cmd)
	}
	return summary
}

func ptrTrue() *bool { b := true; return &b }

// DemoAccounts stores the enforcement accounts and finds the demo's own.
type DemoAccounts interface {
	AccountWriter
	FindAccountByUsername(ctx context.Context, username string) (*org.Account, error)
}

// EnforcementOnDemo adds mobile enforcement to a demo city just written by
// [Run]: the new accounts share the demo password (the administrator's
// hash), the demo's leader signs, and there is about one penalty case per
// 250 loop cases, at least one in each state and at most 400.
func EnforcementOnDemo(ctx context.Context, accs DemoAccounts, st enforce.Store, atlas *org.Atlas, cal *worktime.Calendar,
	rb *enforce.Rulebook, policy enforce.Policy, v Depositor, seed int64, loopCases int, now time.Time) (*EnforceInfo, error) {
	admin, err := accs.FindAccountByUsername(ctx, "admin")
	if err != nil {
		return nil, fmt.Errorf("demo enforcement: find the demo administrator: %w", err)
	}
	leader, err := accs.FindAccountByUsername(ctx, "leader")
	if err != nil {
		return nil, fmt.Errorf("demo enforcement: find the demo leader: %w", err)
	}
	return Enforcement(ctx, accs, st, atlas, cal, rb, policy, EnforceOptions{Seed: seed, Now: now, PasswordHash: admin.PasswordHash,
		Cases: min(max(loopCases/250, len(scenarios)), 400), Leader: org.Actor{ID: leader.ID, Name: leader.Name, Grants: leader.Grants}, Vault: v})
}
