package web

import (
	"net/http"
	"strconv"
	"strings"

	"cityloop/internal/catalog"
	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

// maxFormConditions is how many filing conditions the admin form edits.
const maxFormConditions = 3

func init() {
	for k, v := range dictMessages {
		messages[k] = v
	}
	for k, v := range chartMessages {
		messages[k] = v
	}
}

var dictMessages = map[string][2]string{
	"edit_subclass":      {"新增小类版本", "Add a sub-class version"},
	"edit_subclass_hint": {"保存后立即生效；已立案的案件仍按原版本计时。最多编辑3个立案条件，留空的条件不保存。", "Takes effect now; cases already filed keep their version's clock. Up to 3 filing conditions; empty ones are left out."},
	"edit":               {"编辑", "Edit"},
	"ref":                {"分类编码（如 event:0102）", "Ref (e.g. event:0102)"},
	"major_name":         {"大类名称（新小类必填）", "Major class name (new sub-classes only)"},
	"dup_radius":         {"重复判定半径（米）", "Duplicate radius (m)"},
	"dup_window":         {"重复判定时间窗（小时）", "Duplicate window (hours)"},
	"filing_condition":   {"立案条件", "Filing condition"},
	"cond_text":          {"立案条件", "Condition"},
	"cond_text_en":       {"立案条件（英文）", "Condition (English)"},
	"urgency":            {"紧急程度", "Urgency"},
	"limit_amount":       {"处置时限", "Disposal limit"},
	"limit_unit":         {"时限单位", "Limit unit"},
	"closing":            {"结案条件", "Closing condition"},
	"closing_en":         {"结案条件（英文）", "Closing condition (English)"},
	"urgent":             {"紧急", "Urgent"},
	"normal":             {"一般", "Normal"},
	"complex":            {"工程/复杂", "Complex"},
	"working_hours":      {"工作时", "Working hours"},
	"working_days":       {"工作日", "Working days"},
	"natural_hours":      {"自然时", "Natural hours"},
	"version":            {"版本", "Version"},
}

// subClassForm is the dictionary form's content: the version being edited
// (or what was posted, after an error) with exactly maxFormConditions rows.
type subClassForm struct {
	SC         catalog.SubClass
	Conditions []condRow
	Urgencies  []catalog.Urgency
	Units      []worktime.Unit
	// More is how many further conditions the version has that the form
	// does not show (they are not kept by a save from this form).
	More int
}

// condRow is one condition row of the form; P is its field name prefix.
type condRow struct {
	N int
	P string
	C catalog.Condition
}

// Amount shows the limit's amount, or nothing when unset.
func (c condRow) Amount() string {
	if c.C.Limit.Amount == 0 {
		return ""
	}
	return strconv.FormatFloat(c.C.Limit.Amount, 'f', -1, 64)
}

func newSubClassForm(sc catalog.SubClass) *subClassForm {
	f := &subClassForm{SC: sc, Urgencies: catalog.Urgencies(),
		Units: []worktime.Unit{worktime.WorkingHours, worktime.WorkingDays, worktime.NaturalHours}}
	for i := range maxFormConditions {
		row := condRow{N: i + 1, P: "cond_" + strconv.Itoa(i+1) + "_"}
		if i < len(sc.Conditions) {
			row.C = sc.Conditions[i]
		}
		f.Conditions = append(f.Conditions, row)
	}
	f.More = max(len(sc.Conditions)-maxFormConditions, 0)
	return f
}

// formField maps a field name of catalog validation ("conditions[1].limit.amount")
// to the form's input name ("cond_2_amount"); rows[i] is the form row of condition i.
func formField(name string, rows []int) string {
	switch name {
	case "name.zh":
		return "name_zh"
	case "major_name.zh", "major":
		return "major_name_zh"
	case "conditions":
		return "cond_1_text_zh"
	}
	rest, ok := strings.CutPrefix(name, "conditions[")
	if !ok {
		return name
	}
	idx, sub, ok := strings.Cut(rest, "].")
	i, err := strconv.Atoi(idx)
	if !ok || err != nil || i < 0 || i >= len(rows) {
		return name
	}
	p := "cond_" + strconv.Itoa(rows[i]) + "_"
	switch sub {
	case "limit.amount":
		return p + "amount"
	case "limit.unit":
		return p + "unit"
	case "urgency":
		return p + "urgency"
	case "closing.zh":
		return p + "closing_zh"
	}
	return p + "text_zh"
}

// subClassEditForm prefills the form from ?sub=REF (the current version).
func (s *Server) subClassEditForm(r *http.Request) *subClassForm {
	if v := r.URL.Query().Get("sub"); v != "" {
		if ref, err := catalog.ParseRef(v); err == nil {
			if sc, ok := s.World.Dict().Lookup(ref, s.Now()); ok {
				return newSubClassForm(sc)
			}
		}
	}
	return newSubClassForm(catalog.SubClass{})
}

// subClassFrom reads the posted form; bad numbers become field errors.
func (s *Server) subClassFrom(r *http.Request) (catalog.SubClass, []int, *errs.Error) {
	var rows []int
	f := r.PostForm
	get := func(k string) string { return strings.TrimSpace(f.Get(k)) }
	bad := errs.Invalid("小类填写有误 / the sub-class is not valid")
	sc := catalog.SubClass{Name: catalog.Text{Zh: get("name_zh"), En: get("name_en")}, Department: get("department")}
	ref, err := catalog.ParseRef(get("ref"))
	if err != nil {
		bad.WithField("ref", "want kind:code, e.g. event:0102")
	}
	sc.Ref = ref
	if cur, ok := s.World.Dict().Lookup(ref, s.Now()); ok && err == nil {
		sc.Major, sc.MajorName, sc.LegalBasis = cur.Major, cur.MajorName, cur.LegalBasis
	}
	if v := get("major_name_zh"); v != "" {
		sc.MajorName = catalog.Text{Zh: v, En: get("major_name_en")}
	}
	num := func(field string, dst *float64) {
		v := get(field)
		if v == "" {
			return
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			bad.WithField(field, "not a number")
			return
		}
		*dst = n
	}
	num("dup_radius_m", &sc.DupRadiusM)
	num("dup_window_hours", &sc.DupWindowHours)
	for i := 1; i <= maxFormConditions; i++ {
		p := "cond_" + strconv.Itoa(i) + "_"
		c := catalog.Condition{No: len(sc.Conditions) + 1,
			Text:    catalog.Text{Zh: get(p + "text_zh"), En: get(p + "text_en")},
			Closing: catalog.Text{Zh: get(p + "closing_zh"), En: get(p + "closing_en")},
			Urgency: catalog.Urgency(get(p + "urgency")), Limit: worktime.Limit{Unit: worktime.Unit(get(p + "unit"))}}
		if c.Text.Zh == "" && c.Closing.Zh == "" && get(p+"amount") == "" {
			continue // an empty row
		}
		if v := get(p + "amount"); v != "" {
			n, err := strconv.ParseFloat(v, 64)
			if err != nil {
				bad.WithField(p+"amount", "the disposal limit must be a positive number")
			} else {
				c.Limit.Amount = n
			}
		}
		sc.Conditions = append(sc.Conditions, c)
		rows = append(rows, i)
	}
	if len(bad.Fields) > 0 {
		return sc, rows, bad
	}
	return sc, rows, nil
}

// handleAdminSubClass adds a new version of a sub-class, in force from now,
// through the same World.PutSubClass as PUT /api/v1/categories/{ref}.
func (s *Server) handleAdminSubClass(w http.ResponseWriter, r *http.Request) error {
	sess, err := s.adminForm(w, r)
	if err != nil {
		return err
	}
	sc, rows, bad := s.subClassFrom(r)
	if bad != nil {
		return s.subClassResult(w, r, sc, rows, bad)
	}
	sc.EffectiveFrom = s.Now()
	saved, err := s.World.PutSubClass(r.Context(), sess.actor, sc)
	if err != nil {
		return s.subClassResult(w, r, sc, rows, err)
	}
	_ = s.audit(r, sess.actor.ID, "dictionary.subclass", "category/"+saved.Ref.String(), map[string]any{"version": saved.Version})
	return s.adminResult(w, r, nil, "dict")
}

// subClassResult shows the admin page with the problem and the form as posted.
func (s *Server) subClassResult(w http.ResponseWriter, r *http.Request, sc catalog.SubClass, rows []int, err error) error {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.KindInternal || e.Kind == errs.KindForbidden {
		return err
	}
	v := s.view(w, r, "console")
	v.Title = v.L.T("admin")
	p, lerr := s.loadAdmin(r)
	if lerr != nil {
		return lerr
	}
	p.SubForm = newSubClassForm(sc)
	p.SubErrors = map[string]string{}
	for _, f := range e.Fields {
		p.SubErrors[formField(f.Field, rows)] = f.Message
	}
	v.Data, v.Error = p, errorText(e)
	s.render(w, r, statusOf(err), "admin", v)
	return nil
}
