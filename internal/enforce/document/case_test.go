package document

import (
	"strings"
	"testing"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

func TestCase_Validate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(c *Case)
		field string
	}{
		{"no bureau", func(c *Case) { c.Bureau = " " }, "bureau"},
		{"no party", func(c *Case) { c.Party.Name = "" }, "party.name"},
		{"bad kind", func(c *Case) { c.Party.Kind = "company" }, "party.kind"},
		{"control character", func(c *Case) { c.Place = "建设路\x07" }, "place"},
		{"nul in facts", func(c *Case) { c.Facts = "a\x00b" }, "facts"},
		{"negative fine", func(c *Case) { c.Decision.Fine = -1 }, "decision.fine"},
		{"bad evidence", func(c *Case) { c.Evidence = []string{"ok", "\xff"} }, "evidence[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := SampleCase()
			tt.edit(c)
			e, ok := errs.As(c.Validate())
			if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != tt.field {
				t.Errorf("Validate = %v (fields %v), want invalid %s", e, e.Fields, tt.field)
			}
		})
	}
	if err := SampleCase().Validate(); err != nil {
		t.Errorf("the sample case is invalid: %v", err)
	}
}

// TestCase_Masked: the published copy of a decision shows none of the
// person's ID number, phone, address or full name, anywhere in the PDF.
func TestCase_Masked(t *testing.T) {
	c := SampleCase()
	m := c.Masked()
	if c.Party.Name != "张三丰" {
		t.Fatal("Masked changed the original")
	}
	r := mustRenderer(t, Options{})
	pdf, err := r.Render(PenaltyDecision, Number{Prefix: "某城管罚决字", Year: 2026, Seq: 1}, &m)
	if err != nil {
		t.Fatal(err)
	}
	text := extract(t, pdf)
	for _, secret := range []string{c.Party.IDNumber, c.Party.Phone, "建设路18号", "张三丰", "501室"} {
		if strings.Contains(text, secret) {
			t.Errorf("the published decision shows %q", secret)
		}
	}
	for _, shown := range []string{"张**", "110***********1234", "138****8000", "罚款人民币1500元", "壹仟伍佰元整"} {
		if !strings.Contains(text, shown) {
			t.Errorf("the published decision lacks %q", shown)
		}
	}

	org := SampleCase()
	org.Party = Party{Name: "某某餐饮管理有限公司", Kind: enforce.Organisation, IDNumber: "91320100MA1XXXXX0Y",
		Representative: "钱多多", Address: "某市某区中山路100号"}
	org.Facts = "当事人某某餐饮管理有限公司（法定代表人钱多多）店外经营。"
	om := org.Masked()
	if om.Party.Name != org.Party.Name || om.Party.IDNumber != org.Party.IDNumber {
		t.Errorf("an organisation's name and credit code are public register data: %+v", om.Party)
	}
	if om.Party.Representative != "钱**" || strings.Contains(om.Facts, "钱多多") {
		t.Errorf("the representative is a person: %q, facts %q", om.Party.Representative, om.Facts)
	}
}
