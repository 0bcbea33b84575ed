package geo

import (
	"go/build"
	"strings"
	"testing"
)

// geo sits at the bottom of the dependency graph (DESIGN.md §3.2); this
// keeps it there until the repository-wide `go list -deps` check exists.
func TestImportsStayLow(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatalf("reading package: %v", err)
	}
	for _, imp := range pkg.Imports {
		first, _, _ := strings.Cut(imp, "/")
		switch {
		case imp == "net/http" || imp == "database/sql":
			t.Errorf("geo imports %s; domain packages must not do I/O", imp)
		case imp == "cityloop/internal/errs":
		case first == "cityloop" || strings.Contains(first, "."):
			t.Errorf("geo imports %s; it may use only the standard library and internal/errs", imp)
		}
	}
}
