package document

import (
	"slices"
	"testing"

	"cityloop/internal/enforce"
)

func TestCatalog(t *testing.T) {
	want := []Code{FilingApproval, InspectionRecord, InquiryRecord, RightsNotice, RectificationOrder,
		PenaltyNotice, PenaltyDecision, ServiceReceipt, ClosingRegister}
	var got []Code
	words := map[string]Code{}
	for _, e := range Catalog() {
		got = append(got, e.Code)
		if e.Zh == "" || e.En == "" || e.Word == "" || len(e.Statuses) == 0 {
			t.Errorf("%s: incomplete entry %+v", e.Code, e)
		}
		if other, ok := words[e.Word]; ok {
			t.Errorf("%s and %s share the number word %s, so their numbers could collide", e.Code, other, e.Word)
		}
		words[e.Word] = e.Code
		for _, st := range e.Statuses {
			if _, ok := enforce.StatusNames[st]; !ok {
				t.Errorf("%s: unknown status %q", e.Code, st)
			}
		}
		if !slices.Contains(e.Statuses, enforce.StatusArchived) {
			t.Errorf("%s: an archived case file should still hold it", e.Code)
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("Catalog codes = %v, want %v", got, want)
	}
	c := Catalog()
	c[0].Statuses[0] = "changed"
	if Catalog()[0].Statuses[0] == "changed" {
		t.Error("Catalog hands out its own slices; a caller changed the catalog")
	}
}

func TestForStatus(t *testing.T) {
	tests := []struct {
		st      enforce.Status
		summary bool
		want    []Code
	}{
		{enforce.StatusLead, false, []Code{FilingApproval}},
		{enforce.StatusNotFiled, false, []Code{FilingApproval}},
		{enforce.StatusInvestigating, false, []Code{FilingApproval, InspectionRecord, InquiryRecord, RightsNotice, RectificationOrder}},
		{enforce.StatusNotified, false, []Code{FilingApproval, InspectionRecord, InquiryRecord, RightsNotice, RectificationOrder, PenaltyNotice, ServiceReceipt}},
		{enforce.StatusExecuting, false, []Code{FilingApproval, InspectionRecord, InquiryRecord, RightsNotice, RectificationOrder, PenaltyNotice, PenaltyDecision, ServiceReceipt}},
		{enforce.StatusArchived, false, []Code{FilingApproval, InspectionRecord, InquiryRecord, RightsNotice, RectificationOrder, PenaltyNotice, PenaltyDecision, ServiceReceipt, ClosingRegister}},
		{enforce.StatusClosed, true, []Code{RectificationOrder, PenaltyDecision, ServiceReceipt, ClosingRegister}},
		{enforce.StatusLead, true, nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.st), func(t *testing.T) {
			var got []Code
			for _, e := range ForStatus(tt.st, tt.summary) {
				got = append(got, e.Code)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ForStatus(%s, %v) = %v, want %v", tt.st, tt.summary, got, tt.want)
			}
		})
	}
}
