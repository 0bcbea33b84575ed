// Package arch holds the test that keeps the package layout of DESIGN.md
// true: domain packages do no I/O and never import the adapters above them.
package arch

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// domain packages decide; they must not reach HTTP, SQL or the layers that use them.
var domain = []string{"geo", "address", "worktime", "catalog", "org", "refdata", "casework", "sensing", "audit", "auditlog", "sensedesk", "pii", "errs", "disclose", "photo", "jobs", "enforce", "enforce/document", "enforce/loop", "workorder", "share", "georeport", "evidence", "outbox", "inspect", "analysis", "caseindex", "assess", "bigscreen", "suggest", "rollup", "merchant", "permit", "council"}

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

// storeForbidden are the layers above the stores: a store persists what
// the domain decided and never reaches the channels that use it. The
// records the channels keep are domain types (share, workorder,
// georeport), so hubstore needs none of hub, hotline or open311.
var storeForbidden = []string{"cityloop/internal/app", "cityloop/internal/api", "cityloop/internal/web", "cityloop/internal/ingest",
	"cityloop/internal/open311", "cityloop/internal/hub", "cityloop/internal/hotline"}

// TestStoreImports: no store imports app, api, web, ingest, open311, hub
// or hotline, directly or not, and no store imports another store but
// sqlkit (what they share).
func TestStoreImports(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "cityloop/internal/store/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		t.Run(strings.TrimPrefix(pkg, "cityloop/internal/store/"), func(t *testing.T) {
			deps, err := exec.Command("go", "list", "-deps", pkg).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(deps)) {
				for _, f := range storeForbidden {
					if dep == f || strings.HasPrefix(dep, f+"/") {
						t.Errorf("%s imports %s (directly or not); stores never import the layers above them", pkg, dep)
					}
				}
			}
			if strings.HasSuffix(pkg, "/storetest") {
				return // the contract suite opens the store it tests
			}
			imports, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, pkg).Output()
			if err != nil {
				t.Fatalf("go list: %v", err)
			}
			for _, dep := range strings.Fields(string(imports)) {
				if strings.HasPrefix(dep, "cityloop/internal/store/") && dep != "cityloop/internal/store/sqlkit" {
					t.Errorf("%s imports %s; a store imports no other store (what they share is in sqlkit)", pkg, dep)
				}
			}
		})
	}
}

var (
	createTable = regexp.MustCompile(`(?i)CREATE TABLE (?:IF NOT EXISTS )?(\w+)`)
	tableRef    = regexp.MustCompile(`\b(?:FROM|JOIN|INTO|UPDATE)\s+(\w+)`)
)

// TestStoreTables: each store's SQL names only its own tables, those its
// migrations create; what it needs of another store's it asks that store
// for through a method (as hubstore asks sqlstore for cases).
func TestStoreTables(t *testing.T) {
	root := filepath.Join("..", "store")
	dirs, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	owner := map[string]string{} // table → store
	var stores []string
	for _, d := range dirs {
		migs, _ := filepath.Glob(filepath.Join(root, d.Name(), "migrations", "sqlite", "*.sql"))
		if len(migs) == 0 {
			continue
		}
		stores = append(stores, d.Name())
		for _, m := range migs {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range createTable.FindAllStringSubmatch(string(b), -1) {
				owner[strings.ToLower(c[1])] = d.Name()
			}
		}
	}
	sort.Strings(stores)
	if len(stores) < 2 || owner["cases"] != "sqlstore" {
		t.Fatalf("found stores %v and cases owned by %q; the test no longer sees the layout", stores, owner["cases"])
	}
	for _, st := range stores {
		files, _ := filepath.Glob(filepath.Join(root, st, "*.go"))
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range tableRef.FindAllStringSubmatch(string(b), -1) {
				if o, ok := owner[strings.ToLower(m[1])]; ok && o != st {
					t.Errorf("%s: %q names %s's table %s; ask %s through a method instead", filepath.ToSlash(f), m[0], o, m[1], o)
				}
			}
		}
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

// TestREADMEStructure: the README's "Project structure" table names every
// package that `go list ./...` finds, and nothing that is gone, so a
// newcomer's map of the code stays true.
func TestREADMEStructure(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	cmd := exec.Command("go", "list", "./...")
	cmd.Dir = filepath.Join("..", "..") // the module root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Project structure")
	if !ok {
		t.Fatal("README.md has no \"## Project structure\" section")
	}
	if i := strings.Index(section, "\n## "); i >= 0 {
		section = section[:i]
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 3 {
			continue
		}
		for _, f := range strings.Split(cells[1], ",") {
			f = strings.Trim(strings.TrimSpace(f), "`")
			if strings.HasPrefix(f, "internal/") || strings.HasPrefix(f, "cmd/") {
				listed[strings.TrimSuffix(f, "/")] = true
			}
		}
	}
	pkgs := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		rel := strings.TrimPrefix(p, "cityloop/")
		pkgs[rel] = true
		if !listed[rel] {
			t.Errorf("README's project structure lacks %s", rel)
		}
	}
	for p := range listed {
		if !pkgs[p] {
			if st, err := os.Stat(filepath.Join("..", "..", p)); err != nil || !st.IsDir() {
				t.Errorf("README's project structure names %s, which does not exist", p)
			}
		}
	}
}

// TestWebDoesNotImportAPI: the pages and the JSON API are two adapters
// over the same services; what they share lives below both.
func TestWebDoesNotImportAPI(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("the go command is not on PATH")
	}
	out, err := exec.Command("go", "list", "-deps", "cityloop/internal/web").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if dep == "cityloop/internal/api" || dep == "cityloop/internal/app" {
			t.Errorf("web imports %s (directly or not)", dep)
		}
	}
}

// TestAPIRoutesOnlyInAPI: every route under /api/ is registered by
// internal/api from its one route table (which also writes the OpenAPI
// document), so no other package may register one.
func TestAPIRoutesOnlyInAPI(t *testing.T) {
	re := regexp.MustCompile(`\.Handle(Func)?\(\s*"([A-Z]+ )?/api/`)
	root := filepath.Join("..", "..")
	for _, dir := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, p)
			if d.IsDir() {
				if filepath.ToSlash(rel) == "internal/api" {
					return filepath.SkipDir
				}
				return nil
			}
			if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if loc := re.FindIndex(b); loc != nil {
				line := 1 + strings.Count(string(b[:loc[0]]), "\n")
				t.Errorf("%s:%d registers an /api/ route outside internal/api", filepath.ToSlash(rel), line)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// appBudget is how many lines package app may hold outside its tests: it
// only wires (DESIGN.md); rules, handlers and background work live in the
// packages that own them, and a part's wiring takes a few dozen lines.
// Raised from 800 when five parts were added in one go — operations
// (metrics, readiness, backups), the community services, the council and
// volunteers, the citizens' close notices and the region import's file
// readers — each wired in 17–32 lines through its own package.
const appBudget = 960

// TestAppOnlyWires keeps package app a composition root: its non-test Go
// files stay within appBudget lines.
func TestAppOnlyWires(t *testing.T) {
	dir := filepath.Join("..", "app")
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	var sizes []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(string(b), "\n")
		total += n
		sizes = append(sizes, filepath.Base(f)+" "+strconv.Itoa(n))
	}
	if total == 0 {
		t.Fatal("found no Go files in internal/app")
	}
	if total > appBudget {
		t.Errorf("internal/app holds %d lines outside tests (%s), more than its budget of %d: move rules, handlers and jobs to the packages that own them",
			total, strings.Join(sizes, ", "), appBudget)
	}
}
