package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestTemplates_KeysInCatalogue: every {{.L.T "key"}} of a template has a
// Chinese and an English text, so no page shows a bare key.
func TestTemplates_KeysInCatalogue(t *testing.T) {
	re := regexp.MustCompile(`\.L\.T "([^"]+)"`)
	files, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v %v", files, err)
	}
	for _, f := range files {
		b, err := fs.ReadFile(templateFS, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			tr, ok := messages[m[1]]
			if !ok {
				tr, ok = enforceMessages[m[1]]
			}
			if !ok {
				tr, ok = fieldMessages[m[1]]
			}
			if !ok || tr[0] == "" || tr[1] == "" {
				t.Errorf("%s uses %q, which the catalogue lacks", f, m[1])
			}
		}
	}
}
