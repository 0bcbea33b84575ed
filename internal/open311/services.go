package open311

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"

	"cityloop/internal/catalog"
)

type service struct {
	ServiceCode string `json:"service_code" xml:"service_code"`
	ServiceName string `json:"service_name" xml:"service_name"`
	Description string `json:"description" xml:"description"`
	Metadata    bool   `json:"metadata" xml:"metadata"`
	Type        string `json:"type" xml:"type"`
	Keywords    string `json:"keywords" xml:"keywords"`
	Group       string `json:"group" xml:"group"`
}

type servicesXML struct {
	XMLName  xml.Name  `xml:"services"`
	Services []service `xml:"service"`
}

func (s *Server) handleServices(w http.ResponseWriter, r *http.Request, f format) error {
	en := english(r)
	subs := s.Dict().SubClasses(s.Now())
	out := make([]service, 0, len(subs))
	for _, sc := range subs {
		out = append(out, s.serviceOf(sc, en))
	}
	return write(w, f, http.StatusOK, out, servicesXML{Services: out})
}

func (s *Server) serviceOf(sc catalog.SubClass, en bool) service {
	desc := pick(sc.Name, en)
	if len(sc.Conditions) > 0 {
		desc = pick(sc.Conditions[0].Text, en)
	}
	kw := []string{sc.Ref.Kind.Zh(), pick(sc.MajorName, false), sc.Name.Zh}
	if sc.Name.En != "" {
		kw = append(kw, sc.Name.En)
	}
	if sc.MajorName.En != "" {
		kw = append(kw, sc.MajorName.En)
	}
	return service{ServiceCode: sc.Ref.String(), ServiceName: pick(sc.Name, en), Description: desc, Metadata: true,
		Type: "realtime", Keywords: strings.Join(kw, ","), Group: pick(sc.MajorName, en)}
}

// Attribute datatypes of the specification.
const (
	TypeString          = "string"
	TypeNumber          = "number"
	TypeDatetime        = "datetime"
	TypeText            = "text"
	TypeSingleValueList = "singlevaluelist"
	TypeMultiValueList  = "multivaluelist"
)

type attrValue struct {
	Key  string `json:"key" xml:"key"`
	Name string `json:"name" xml:"name"`
}

// Attribute is one field of a service definition.
type Attribute struct {
	Variable            bool        `json:"variable" xml:"variable"`
	Code                string      `json:"code" xml:"code"`
	Datatype            string      `json:"datatype" xml:"datatype"`
	Required            bool        `json:"required" xml:"required"`
	DatatypeDescription string      `json:"datatype_description" xml:"datatype_description"`
	Order               int         `json:"order" xml:"order"`
	Description         string      `json:"description" xml:"description"`
	Values              []attrValue `json:"values,omitempty" xml:"values>value,omitempty"`
}

type definition struct {
	XMLName     xml.Name    `json:"-" xml:"service_definition"`
	ServiceCode string      `json:"service_code" xml:"service_code"`
	Attributes  []Attribute `json:"attributes" xml:"attributes>attribute"`
}

// Attribute codes every service defines. The filing condition list comes
// from the sub-class; the rest are the same for every service, so a client
// meets every datatype of the specification.
const (
	AttrCondition  = "condition"   // singlevaluelist: the sub-class's filing conditions (立案条件)
	AttrHazards    = "hazards"     // multivaluelist
	AttrCount      = "count"       // number
	AttrObservedAt = "observed_at" // datetime
	AttrLandmark   = "landmark"    // string
	AttrDetails    = "details"     // text
)

var hazards = []struct{ key, zh, en string }{
	{"traffic", "影响通行", "Blocks traffic"},
	{"safety", "存在安全隐患", "Safety risk"},
	{"children", "靠近学校或幼儿园", "Near a school"},
	{"night", "夜间尤其严重", "Worse at night"},
	{"recurring", "反复出现", "Keeps coming back"},
}

// Attributes returns the service definition of a sub-class.
func Attributes(sc catalog.SubClass, en bool) []Attribute {
	t := func(zh, e string) string {
		if en {
			return e
		}
		return zh
	}
	conds := make([]attrValue, len(sc.Conditions))
	for i, c := range sc.Conditions {
		conds[i] = attrValue{Key: strconv.Itoa(c.No), Name: pick(c.Text, en)}
	}
	hz := make([]attrValue, len(hazards))
	for i, h := range hazards {
		hz[i] = attrValue{Key: h.key, Name: t(h.zh, h.en)}
	}
	return []Attribute{
		{Variable: true, Code: AttrCondition, Datatype: TypeSingleValueList, Required: false, Order: 1,
			DatatypeDescription: t("选择最符合的一项", "Pick the one that fits best"),
			Description:         t("符合哪一项立案条件", "Which filing condition applies"), Values: conds},
		{Variable: true, Code: AttrHazards, Datatype: TypeMultiValueList, Order: 2,
			DatatypeDescription: t("可多选", "Pick any that apply"), Description: t("有哪些影响", "What harm does it do"), Values: hz},
		{Variable: true, Code: AttrCount, Datatype: TypeNumber, Order: 3,
			DatatypeDescription: t("数字，例如 3", "A number, e.g. 3"), Description: t("数量（处、辆、个）", "How many (places, vehicles, items)")},
		{Variable: true, Code: AttrObservedAt, Datatype: TypeDatetime, Order: 4,
			DatatypeDescription: t("ISO 8601 时间，例如 2026-03-02T08:15:00+08:00", "ISO 8601, e.g. 2026-03-02T08:15:00+08:00"),
			Description:         t("发现时间", "When you saw it")},
		{Variable: true, Code: AttrLandmark, Datatype: TypeString, Order: 5,
			DatatypeDescription: t("不超过 200 字", "Up to 200 characters"), Description: t("附近地标", "Nearby landmark")},
		{Variable: true, Code: AttrDetails, Datatype: TypeText, Order: 6,
			DatatypeDescription: t("不超过 2000 字", "Up to 2000 characters"), Description: t("补充说明", "More details")},
	}
}

func (s *Server) lookupService(code string) (catalog.SubClass, error) {
	ref, err := catalog.ParseRef(code)
	if err != nil {
		return catalog.SubClass{}, apiError{http.StatusNotFound, "service_code " + code + " was not found; GET /open311/v2/services.xml lists them"}
	}
	sc, ok := s.Dict().Lookup(ref, s.Now())
	if !ok {
		return catalog.SubClass{}, apiError{http.StatusNotFound, "service_code " + code + " was not found; GET /open311/v2/services.xml lists them"}
	}
	return sc, nil
}

func (s *Server) handleServiceDefinition(w http.ResponseWriter, r *http.Request, f format) error {
	code, _, _ := splitFormat(r.PathValue("file"))
	sc, err := s.lookupService(code)
	if err != nil {
		return err
	}
	d := definition{ServiceCode: sc.Ref.String(), Attributes: Attributes(sc, english(r))}
	return write(w, f, http.StatusOK, d, d)
}
