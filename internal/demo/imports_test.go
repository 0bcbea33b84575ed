package demo

import (
	"go/build"
	"strings"
	"testing"
)

// demo writes only through the domain packages (DESIGN.md §3.2): no store,
// no HTTP, no SQL.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"casework": true, "catalog": true, "org": true, "geo": true, "worktime": true, "errs": true, "address": true}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		switch {
		case imp == "net/http" || imp == "database/sql":
			t.Errorf("demo imports %s", imp)
		case strings.HasPrefix(imp, "cityloop/internal/"):
			if !allowed[strings.TrimPrefix(imp, "cityloop/internal/")] {
				t.Errorf("demo imports %s; it may use the domain packages only", imp)
			}
		case first == "cityloop" || strings.Contains(first, "."):
			t.Errorf("demo imports %s", imp)
		}
	}
}
