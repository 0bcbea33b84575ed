package document

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"cityloop/internal/errs"
)

//go:embed templates/*.tpl
var embedded embed.FS

// View is what a template sees: the case's fields ({{.Party.Name}}), the
// document's number ({{.Number}}) and catalog entry ({{.Doc.Zh}}).
type View struct {
	*Case
	Number string
	Doc    Entry
}

// shanghai is China Standard Time without reading the zone database,
// which a minimal container may lack: UTC+8 has had no daylight saving
// since 1991.
var shanghai = time.FixedZone("CST", 8*3600)

// funcs are the helpers templates may call.
var funcs = template.FuncMap{
	// date prints 2026年3月5日 in China Standard Time, or a blank to fill in
	// by hand when t is zero.
	"date": func(t time.Time) string {
		if t.IsZero() {
			return "    年    月    日"
		}
		t = t.In(shanghai)
		return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
	},
	// datetime prints 2026年3月5日14时30分, or a blank.
	"datetime": func(t time.Time) string {
		if t.IsZero() {
			return "    年    月    日    时    分"
		}
		t = t.In(shanghai)
		return fmt.Sprintf("%d年%d月%d日%d时%02d分", t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute())
	},
	"amount": FormatAmount,
	"words":  AmountInWords,
	"join":   strings.Join,
	// officers prints 张三（执法证号：12345678）、李四（…）.
	"officers": func(os []Officer) string {
		parts := make([]string, len(os))
		for i, o := range os {
			parts[i] = fmt.Sprintf("%s（执法证号：%s）", o.Name, o.Certificate)
		}
		return strings.Join(parts, "、")
	},
	"inc": func(i int) int { return i + 1 },
	// days returns n, or def when n is zero (the statutory period).
	"days": func(n, def int) int {
		if n <= 0 {
			return def
		}
		return n
	},
	// blank returns s, or a run of spaces to write on when s is empty.
	"blank": func(s string) string {
		if strings.TrimSpace(s) == "" {
			return "            "
		}
		return s
	},
	// oneline replaces line breaks, for a value that must stay one paragraph.
	"oneline": func(s string) string { return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ") },
	"itoa":    strconv.Itoa,
}

// Templates holds the parsed layout of every document code.
type Templates map[Code]*Layout

// LoadTemplates parses the embedded default templates and, when dir is not
// empty, replaces each with dir/<code>.tpl where that file exists. Every
// template is filled in once with a full and an empty sample case, so a
// misspelt field fails here, at start-up, naming the file and the line,
// rather than when an officer prints. A .tpl file in dir that matches no
// document code is an error too (a typo would otherwise be ignored).
func LoadTemplates(dir string) (Templates, error) {
	ts := Templates{}
	for _, e := range catalog {
		name := string(e.Code) + ".tpl"
		src, err := embedded.ReadFile("templates/" + name)
		if err != nil {
			return nil, fmt.Errorf("read embedded template %s: %w", name, err)
		}
		l, err := ParseLayout(name, src)
		if err != nil {
			return nil, fmt.Errorf("embedded template: %w", err)
		}
		ts[e.Code] = l
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, errs.Invalid("文书模板目录 %s 不存在 / the template directory %s does not exist", dir, dir)
			}
			return nil, fmt.Errorf("read template directory %s: %w", dir, err)
		}
		for _, de := range entries {
			if de.IsDir() || !strings.HasSuffix(de.Name(), ".tpl") {
				continue
			}
			code := Code(strings.TrimSuffix(de.Name(), ".tpl"))
			if _, ok := Lookup(code); !ok {
				return nil, errs.Invalid("文书模板 %s 不对应任何文书代码 / the template %s matches no document code", de.Name(), de.Name())
			}
			src, err := os.ReadFile(filepath.Join(dir, de.Name()))
			if err != nil {
				return nil, fmt.Errorf("read template %s: %w", de.Name(), err)
			}
			l, err := ParseLayout(de.Name(), src)
			if err != nil {
				return nil, err
			}
			ts[code] = l
		}
	}
	full, empty := SampleCase(), &Case{Bureau: "某市城市管理综合行政执法局", Party: Party{Name: "某某"}}
	for _, e := range catalog { // in catalog order, so the first bad file is always the one named
		for _, c := range []*Case{full, empty} {
			if _, err := ts[e.Code].execute(&View{Case: c, Number: "某城管〔2026〕第0001号", Doc: e}); err != nil {
				return nil, err
			}
		}
	}
	return ts, nil
}
