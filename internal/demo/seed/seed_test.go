package seed

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"cityloop/internal/org"
)

func TestAccountLines(t *testing.T) {
	acc := func(user string, grants ...org.Grant) *org.Account {
		return &org.Account{Username: user, Grants: grants}
	}
	t.Run("not the demo city", func(t *testing.T) {
		if got := AccountLines([]*org.Account{acc("chief", org.Grant{Post: org.PostAdmin})}); got != nil {
			t.Errorf("got %q; want nothing", got)
		}
	})
	t.Run("demo city", func(t *testing.T) {
		got := AccountLines([]*org.Account{
			acc("operator", org.Grant{Post: org.PostOperator}),
			acc("admin", org.Grant{Post: org.PostAdmin}),
			acc("handler_water", org.Grant{Post: org.PostHandler, Department: "water"}),
			acc("handler_roads", org.Grant{Post: org.PostHandler, Department: "roads"}),
			acc("supervisor_320101001", org.Grant{Post: org.PostSupervisor, Region: "320101001"}),
		})
		if len(got) != 4 || got[0][:5] != "admin" || got[1][:8] != "operator" {
			t.Fatalf("got %q; want admin and operator sorted, then the handler and supervisor summaries", got)
		}
		want := []string{"handler_<department>  处置单位 of each other department (2 accounts)", "supervisor_<street>   监督员 of each other street (1 accounts)"}
		if diff := cmp.Diff(want, got[2:]); diff != "" {
			t.Errorf("summaries (-want +got):\n%s", diff)
		}
	})
}
