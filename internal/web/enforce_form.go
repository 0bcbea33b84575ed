package web

import (
	"math"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

// The enforcement forms post plain fields; parseEnforceForm turns them into
// the domain's command. It is the one parser of these forms (outside
// input), hence its fuzz test: whatever arrives, it answers a command or
// an Invalid error that names the field, never a panic.
//
// Fields, each read only by the actions that use it (enforce.Command):
//
//	action, note, reason, number, violation, qualification, chair
//	cert (the signed-in officer's 执法证号), officer2 + cert2 (the second officer)
//	record_kind, record_officer (repeated), record_files (evidence ids, comma separated)
//	party_kind, area, duration, quantity, cost, repeats, harm (0–3), corrected, flags
//	kind (repeated: penalty kinds), fine, confiscated
//	complex, passed (true | false), waived (on)
//	hearing_at (2006-01-02T15:04 in the city's zone), method, amount, days
//	exemption (minor | first), education (repeated)
type enforceForm struct {
	Cmd enforce.Command
	// Cert, Officer2 and Cert2 name the two officers of an on-the-spot act
	// or a filing; the page fills in the names from the accounts.
	Cert, Officer2, Cert2 string
	// Version is the case version the form was drawn from (0: not sent).
	Version int
	// photos are the photos taken with the form, kept in the evidence
	// vault as the record's files once the case is known.
	photos [][]byte
}

var formTextLimits = map[string]int{"note": 2000, "reason": 2000, "number": 128, "violation": 64, "qualification": 64,
	"chair": 128, "cert": 32, "officer2": 128, "cert2": 32, "record_files": 4000, "flags": 400}

func parseEnforceForm(f url.Values, loc *time.Location) (enforceForm, error) {
	bad := errs.Invalid("表单内容不对 / the form is not valid")
	for k, most := range formTextLimits {
		if v := f.Get(k); utf8.RuneCountInString(v) > most {
			bad.WithField(k, "最多 "+strconv.Itoa(most)+" 个字符 / at most "+strconv.Itoa(most)+" characters")
		}
	}
	for k, vs := range f {
		for _, v := range vs {
			bad.CheckText(k == "note" || k == "reason", k, v)
		}
	}
	out := enforceForm{Cert: strings.TrimSpace(f.Get("cert")), Officer2: strings.TrimSpace(f.Get("officer2")), Cert2: strings.TrimSpace(f.Get("cert2"))}
	c := &out.Cmd
	c.Action = enforce.Action(strings.TrimSpace(f.Get("action")))
	if c.Action == "" {
		bad.WithField("action", "需要操作 / the action is required")
	} else if _, ok := enforce.ActionNames[c.Action]; !ok {
		bad.WithField("action", "未知操作 / unknown action")
	}
	c.Note, c.Reason = strings.TrimSpace(f.Get("note")), strings.TrimSpace(f.Get("reason"))
	c.Number, c.Violation = strings.TrimSpace(f.Get("number")), strings.TrimSpace(f.Get("violation"))
	c.Qualification, c.Chair = strings.TrimSpace(f.Get("qualification")), strings.TrimSpace(f.Get("chair"))
	if v := f.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			bad.WithField("version", "表单已失效，请刷新页面 / the form is stale; reload the page")
		}
		out.Version = n
	}
	num := func(key string, most float64) float64 { return formNum(f, bad, key, most) }
	boolField := func(key string) *bool {
		switch f.Get(key) {
		case "":
			return nil
		case "true":
			b := true
			return &b
		case "false":
			b := false
			return &b
		}
		bad.WithField(key, "须为 true 或 false / true or false")
		return nil
	}
	c.Complex, c.Passed = boolField("complex"), boolField("passed")
	c.Waived = f.Get("waived") == "on" || f.Get("waived") == "true"

	// The record (取证记录, or the photo of an on-the-spot act).
	if k := f.Get("record_kind"); k != "" {
		rec := &enforce.Record{Kind: enforce.RecordKind(k), Note: strings.TrimSpace(f.Get("record_note"))}
		rec.Officers = append(rec.Officers, f["record_officer"]...)
		for _, id := range strings.FieldsFunc(f.Get("record_files"), func(r rune) bool { return r == ',' || r == ' ' || r == '\n' || r == '\r' }) {
			rec.Files = append(rec.Files, id)
		}
		if len(rec.Officers) > 10 || len(rec.Files) > 50 || utf8.RuneCountInString(rec.Note) > 2000 {
			bad.WithField("record", "人员最多 10 人、文件最多 50 个、说明最多 2000 字 / too many officers, files or characters")
		}
		c.Record = rec
	}
	// The facts the rulebook grades (情节).
	c.Facts = parseFacts(f, bad)
	// The penalty (处罚种类与罚款).
	if kinds := f["kind"]; len(kinds) > 0 || f.Get("fine") != "" {
		pen := &enforce.Penalty{Fine: num("fine", 1e9), Confiscated: num("confiscated", 1e10)}
		for _, k := range kinds {
			if _, ok := enforce.KindNames[enforce.Kind(k)]; !ok {
				bad.WithField("kind", "未知处罚种类 / unknown kind of penalty")
				continue
			}
			pen.Kinds = append(pen.Kinds, enforce.Kind(k))
		}
		if pen.Fine > 0 && !pen.Has(enforce.KindFine) {
			pen.Kinds = append(pen.Kinds, enforce.KindFine)
		}
		c.Penalty = pen
	}
	if v := f.Get("exemption"); v != "" {
		e := &enforce.Exemption{Kind: enforce.ExemptionKind(v), Note: c.Note}
		for _, x := range f["education"] {
			e.Education = append(e.Education, enforce.Education(x))
		}
		c.Exemption = e
	}
	if v := strings.TrimSpace(f.Get("hearing_at")); v != "" {
		t, err := time.ParseInLocation("2006-01-02T15:04", v, loc)
		if err != nil {
			bad.WithField("hearing_at", "日期时间格式为 2026-01-02T09:30 / a date and time such as 2026-01-02T09:30")
		} else {
			t = t.UTC()
			c.HearingAt = &t
		}
	}
	c.Method = enforce.ServiceMethod(f.Get("method"))
	c.Amount = num("amount", 1e10)
	if v := f.Get("days"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 365 {
			bad.WithField("days", "1 到 365 天 / 1 to 365 days")
		}
		c.Days = n
	}
	if len(bad.Fields) > 0 {
		return out, bad
	}
	return out, nil
}

// formNum reads a number in [0, most]; a bad one is reported on bad as 0.
func formNum(f url.Values, bad *errs.Error, key string, most float64) float64 {
	v := strings.TrimSpace(f.Get(key))
	if v == "" {
		return 0
	}
	x, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(x) || math.IsInf(x, 0) || x < 0 || x > most {
		m := strconv.FormatFloat(most, 'f', -1, 64)
		bad.WithField(key, "须为 0 到 "+m+" 之间的数 / a number from 0 to "+m)
		return 0
	}
	return x
}

// parseFacts reads the facts of the rulebook (情节) when the form has them
// (party_kind or harm set), for a conclusion, an on-the-spot act or the
// case page's evaluation.
func parseFacts(f url.Values, bad *errs.Error) *enforce.Facts {
	if f.Get("party_kind") == "" && f.Get("harm") == "" {
		return nil
	}
	fa := &enforce.Facts{Party: enforce.PartyKind(f.Get("party_kind")), Area: formNum(f, bad, "area", 1e7),
		Duration: formNum(f, bad, "duration", 1e5), Quantity: formNum(f, bad, "quantity", 1e7), Cost: formNum(f, bad, "cost", 1e11),
		Corrected: f.Get("corrected") == "on" || f.Get("corrected") == "true"}
	if fa.Party != enforce.Person && fa.Party != enforce.Organisation {
		bad.WithField("party_kind", "person（公民）或 organisation（法人或其他组织）/ person or organisation")
	}
	if v := f.Get("repeats"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			bad.WithField("repeats", "0 到 1000 的整数 / a whole number from 0 to 1000")
		}
		fa.Repeats = n
	}
	if v := f.Get("harm"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < int(enforce.HarmNone) || n > int(enforce.HarmSerious) {
			bad.WithField("harm", "0 无危害、1 轻微、2 一般、3 严重 / 0 none, 1 slight, 2 general, 3 serious")
		}
		fa.Harm = enforce.Harm(n)
	}
	for _, fl := range strings.Split(f.Get("flags"), ",") {
		if fl = strings.TrimSpace(fl); fl != "" {
			fa.Flags = append(fa.Flags, fl)
		}
	}
	return fa
}
