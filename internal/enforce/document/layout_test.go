package document

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestParseLayout_Errors(t *testing.T) {
	tests := []struct {
		name, src string
		line      int
		says      string
	}{
		{"unknown directive", "title 决定书\nheadline x\n", 2, "未知指令"},
		{"no title", "para 正文\n", 1, "缺少 title"},
		{"continuation first", "  orphan\ntitle x\n", 1, "续行"},
		{"field without bar", "title x\nfield 当事人\n", 2, "标签 | 内容"},
		{"empty label", "title x\nfield | {{.Party.Name}}\n", 2, "标签 | 内容"},
		{"bad space", "title x\n\n# comment\nspace lots\n", 4, "space"},
		{"pagebreak with text", "title x\npagebreak now\n", 2, "pagebreak"},
		{"empty para", "title x\npara\n", 2, "缺少文字"},
		{"template syntax", "title x\npara {{.Party.Name\n", 2, "模板语法错误"},
		{"unknown function", "title x\n\npara {{shout .Party.Name}}\n", 3, "shout"},
		{"syntax on a continuation", "title x\npara 第一段\n  {{if .Party.Name}}\n", 2, "模板语法错误"},
		{"not utf-8", "title \xff\n", 1, "UTF-8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseLayout("penalty_decision.tpl", []byte(tt.src))
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("ParseLayout = %v, want an invalid error", err)
			}
			if e.Details["template"] != "penalty_decision.tpl" || e.Details["line"] != tt.line {
				t.Errorf("details %v, want template penalty_decision.tpl line %d", e.Details, tt.line)
			}
			if !strings.Contains(e.Message, "penalty_decision.tpl") || !strings.Contains(e.Message, tt.says) {
				t.Errorf("message %q should name the template and say %q", e.Message, tt.says)
			}
		})
	}
}

func TestLayout_Execute(t *testing.T) {
	src := "title {{.Doc.Zh}}\n" +
		"number {{.Number}}\n" +
		"text {{if .Party.IsOrganisation}}法定代表人：{{.Party.Representative}}{{end}}\n" +
		"field 当事人 | {{.Party.Name}}\n" +
		"field 备注 | \n" +
		"list {{range .Evidence}}{{.}}\n" +
		"  {{end}}\n" +
		"para 罚款{{amount .Decision.Fine}}元（{{words .Decision.Fine}}）\n" +
		"  第二段\n" +
		"space 10\n" +
		"date {{date .IssuedAt}}\n"
	l, err := ParseLayout("x.tpl", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	c := SampleCase()
	decision, _ := Lookup(PenaltyDecision)
	items, err := l.execute(&View{Case: c, Number: "N", Doc: decision})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.label+"="+strings.Join(it.lines, "/"))
	}
	want := []string{"=行政处罚决定书", "=N", "当事人=张三丰", "备注=", "=" + strings.Join(c.Evidence, "/"),
		"=罚款1500元（壹仟伍佰元整）/第二段", "=", "=2026年3月30日"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("items\n got %q\nwant %q", got, want)
	}
}

func TestLayout_ExecuteError(t *testing.T) {
	l, err := ParseLayout("x.tpl", []byte("title x\n\npara {{.Party.Nmae}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = l.execute(&View{Case: SampleCase()})
	if e, ok := errs.As(err); !ok || e.Details["line"] != 3 || !strings.Contains(e.Message, "Nmae") {
		t.Errorf("execute = %v, want an error at line 3 naming the field", err)
	}
}

func TestLoadTemplates_Override(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("penalty_decision.tpl", "header {{.Bureau}}\ntitle 行政处罚决定书（本市格式）\nnumber {{.Number}}\npara 当事人：{{.Party.Name}}\n")
	write("README.txt", "not a template")
	ts, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	items, err := ts[PenaltyDecision].execute(&View{Case: SampleCase()})
	if err != nil || items[1].lines[0] != "行政处罚决定书（本市格式）" {
		t.Errorf("the city's template was not used: %v %v", items, err)
	}
	if len(ts) != len(Catalog()) {
		t.Errorf("%d templates, want one per code (%d)", len(ts), len(Catalog()))
	}

	tests := []struct {
		name, file, src, says string
	}{
		{"misspelt field", "rights_notice.tpl", "title 权利告知书\n\npara {{.Party.Nmae}}\n", "rights_notice.tpl 第 3 行"},
		{"syntax", "penalty_notice.tpl", "title 告知书\npara {{if}}\n", "penalty_notice.tpl 第 2 行"},
		{"unknown code", "penalty_desicion.tpl", "title x\n", "penalty_desicion.tpl 不对应任何文书代码"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			if err := os.WriteFile(filepath.Join(d, tt.file), []byte(tt.src), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadTemplates(d)
			if !errs.Is(err, errs.KindInvalid) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("LoadTemplates = %v, want an invalid error saying %q", err, tt.says)
			}
		})
	}
	if _, err := LoadTemplates(filepath.Join(dir, "missing")); !errs.Is(err, errs.KindInvalid) {
		t.Errorf("a missing directory: %v, want invalid", err)
	}
}

// FuzzParseLayout: a city's template file never panics the parser, and a
// refused one is an invalid-input error naming the template and a line
// inside the file.
func FuzzParseLayout(f *testing.F) {
	for _, e := range Catalog() {
		src, err := embedded.ReadFile("templates/" + string(e.Code) + ".tpl")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	for _, s := range []string{"", "title", "title x\n  \tcont\nfield a|b|c\n", "space 0\ntitle x", "title {{", "\r\ntitle x\r\n  y\r\n", "title {{range .Evidence}}{{end}}\nlist {{.}}"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Only parsing: executing a fuzzed template may loop as long as it
		// likes ({{range 1e12}}), as any template a city's admin writes may.
		l, err := ParseLayout("f.tpl", src)
		if err != nil {
			e, ok := errs.As(err)
			if !ok || e.Kind != errs.KindInvalid {
				t.Fatalf("%v is not an invalid-input error", err)
			}
			line, _ := e.Details["line"].(int)
			if e.Details["template"] != "f.tpl" || line < 1 || line > strings.Count(string(src), "\n")+1 {
				t.Fatalf("error %q points at line %v of a %d-line file", e.Message, e.Details["line"], strings.Count(string(src), "\n")+1)
			}
			return
		}
		if l == nil || len(l.blocks) == 0 {
			t.Fatal("an accepted template has no blocks")
		}
	})
}
