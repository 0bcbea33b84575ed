// Package arch holds the test that keeps the package layout of DESIGN.md
// true: domain packages do no I/O and never import the adapters above them.
package arch

import (
	"os/exec"
	"strings"
	"testing"
)

// domain packages decide; they must not reach HTTP, SQL or the layers that use them.
var domain = []string{"geo", "worktime", "catalog", "org", "casework", "sensing", "audit", "pii", "errs", "disclose", "photo", "jobs"}

var forbidden = []string{"net/http", "database/sql", "cityloop/internal/app", "cityloop/internal/api",
	"cityloop/internal/web", "cityloop/internal/store/", "cityloop/internal/httpkit", "cityloop/internal/open311",
	"cityloop/internal/hub", "cityloop/internal/hotline", "cityloop/internal/ingest/"}

func TestDomainImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	for _, pkg := range domain {
		t.Run(pkg, func(t *testing.T) {
			out, err := exec.Command("go", "list", "-deps", "cityloop/internal/"+pkg).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(out)) {
				for _, f := range forbidden {
					if dep == f || (strings.HasSuffix(f, "/") && strings.HasPrefix(dep, f)) || (f != "net/http" && f != "database/sql" && strings.HasPrefix(dep, f+"/")) {
						t.Errorf("%s imports %s (directly or not); domain packages stay free of I/O and adapters", pkg, dep)
					}
				}
			}
		})
	}
}

// TestCommandImports: the command only parses flags and calls app; what it
// needs of the domain (import plans, calendars, the simulator) app offers.
func TestCommandImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, "cityloop/cmd/cityloop").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := map[string]bool{"cityloop/internal/app": true, "cityloop/internal/config": true, "cityloop/internal/errs": true}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "cityloop/") && !allowed[dep] {
			t.Errorf("cmd/cityloop imports %s; it may import only app, config and errs", dep)
		}
	}
}
