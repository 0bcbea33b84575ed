package catalog

import (
	"math"
	"slices"
	"testing"
	"time"

	"cityloop/internal/errs"
	"cityloop/internal/worktime"
)

var t2024 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// validCover is a well-formed sub-class that tests change one field at a time.
func validCover() SubClass {
	return SubClass{
		Ref:       Ref{Component, "0101"},
		MajorName: Text{Zh: "公用设施", En: "Public facilities"},
		Name:      Text{Zh: "上水井盖", En: "Water supply manhole cover"},
		Conditions: []Condition{
			{No: 1, Text: Text{Zh: "井盖缺失"}, Urgency: Urgent,
				Limit: worktime.Limit{Amount: 6, Unit: worktime.NaturalHours}, Closing: Text{Zh: "井盖已补齐"}},
			{No: 2, Text: Text{Zh: "井盖破损、松动"}, Urgency: Normal,
				Limit: worktime.Limit{Amount: 1, Unit: worktime.WorkingDays}, Closing: Text{Zh: "井盖已更换"}},
		},
		Department:    "water",
		EffectiveFrom: t2024,
	}
}

func TestSubClass_Validate(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(*SubClass)
		fields []string // exactly the fields reported, in order; nil means valid
	}{
		{name: "valid", edit: func(*SubClass) {}},
		{name: "bad ref", edit: func(s *SubClass) { s.Ref.Code = "101" }, fields: []string{"ref"}},
		{name: "unknown kind", edit: func(s *SubClass) { s.Ref.Kind = "thing" }, fields: []string{"ref"}},
		{name: "major mismatch", edit: func(s *SubClass) { s.Major = "02" }, fields: []string{"major"}},
		{name: "empty names", edit: func(s *SubClass) { s.Name = Text{En: "x"}; s.MajorName = Text{} },
			fields: []string{"major_name.zh", "name.zh"}},
		{name: "no department", edit: func(s *SubClass) { s.Department = "" }, fields: []string{"department"}},
		{name: "no conditions", edit: func(s *SubClass) { s.Conditions = nil }, fields: []string{"conditions"}},
		{name: "condition numbers not 1..n", edit: func(s *SubClass) { s.Conditions[1].No = 3 },
			fields: []string{"conditions[1].no"}},
		{name: "condition numbers start at 0", edit: func(s *SubClass) { s.Conditions[0].No = 0; s.Conditions[1].No = 1 },
			fields: []string{"conditions[0].no", "conditions[1].no"}},
		{name: "unknown urgency", edit: func(s *SubClass) { s.Conditions[1].Urgency = "soon" },
			fields: []string{"conditions[1].urgency"}},
		{name: "unknown unit", edit: func(s *SubClass) { s.Conditions[1].Limit.Unit = "fortnights" },
			fields: []string{"conditions[1].limit.unit"}},
		{name: "urgent on working time", edit: func(s *SubClass) { s.Conditions[0].Limit.Unit = worktime.WorkingHours },
			fields: []string{"conditions[0].limit.unit"}},
		{name: "zero limit", edit: func(s *SubClass) { s.Conditions[0].Limit.Amount = 0 },
			fields: []string{"conditions[0].limit.amount"}},
		{name: "negative limit", edit: func(s *SubClass) { s.Conditions[1].Limit.Amount = -1 },
			fields: []string{"conditions[1].limit.amount"}},
		{name: "NaN limit", edit: func(s *SubClass) { s.Conditions[1].Limit.Amount = math.NaN() },
			fields: []string{"conditions[1].limit.amount"}},
		{name: "missing closing condition", edit: func(s *SubClass) { s.Conditions[1].Closing = Text{} },
			fields: []string{"conditions[1].closing.zh"}},
		{name: "missing condition text", edit: func(s *SubClass) { s.Conditions[0].Text.Zh = "" },
			fields: []string{"conditions[0].text.zh"}},
		{name: "negative dup radius", edit: func(s *SubClass) { s.DupRadiusM = -5 }, fields: []string{"dup_radius_m"}},
		{name: "no effective date", edit: func(s *SubClass) { s.EffectiveFrom = time.Time{} }, fields: []string{"effective_from"}},
		{name: "ends before it starts", edit: func(s *SubClass) { end := t2024; s.EffectiveTo = &end },
			fields: []string{"effective_to"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validCover()
			tt.edit(&s)
			err := s.Validate()
			if tt.fields == nil {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("Validate = %v, want a KindInvalid *errs.Error", err)
			}
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tt.fields) {
				t.Fatalf("fields = %v, want %v (%+v)", got, tt.fields, e.Fields)
			}
		})
	}
}

func TestSubClass_Condition(t *testing.T) {
	s := validCover()
	c, ok := s.Condition(2)
	if !ok || c.Text.Zh != "井盖破损、松动" {
		t.Fatalf("Condition(2) = %+v, %v", c, ok)
	}
	if _, ok := s.Condition(3); ok {
		t.Fatal("Condition(3) found")
	}
}
