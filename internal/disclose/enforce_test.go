package disclose

import (
	"testing"

	"cityloop/internal/enforce"
)

func TestPenaltyParty(t *testing.T) {
	for _, tc := range []struct {
		kind       enforce.PartyKind
		name, want string
	}{
		{enforce.Person, "张三丰", "张*"},
		{enforce.Person, " 李四 ", "李*"},
		{enforce.Person, "欧阳娜", "欧*"},
		{enforce.Person, "", "*"},
		{enforce.Organisation, "南京某某餐饮有限公司", "南京某某餐饮有限公司"},
		{enforce.Organisation, "王记小吃店13812345678", "王记小吃店***********"},
	} {
		if got := PenaltyParty(tc.kind, tc.name); got != tc.want {
			t.Errorf("PenaltyParty(%s, %q) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
}
