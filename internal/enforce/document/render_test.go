package document

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"cityloop/internal/enforce"
	"cityloop/internal/errs"
)

// mustRenderer builds a renderer on the system's font, or skips naming the
// package to install: the font is outside Go, like PostgreSQL is.
func mustRenderer(t testing.TB, o Options) *Renderer {
	t.Helper()
	r, err := New(o)
	if errs.Is(err, errs.KindUnavailable) {
		t.Skipf("no Chinese TrueType font: %v (apt-get install -y %s)", err, FontPackage)
	}
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

var (
	pdftotextOnce sync.Once
	pdftotextPath string
)

// pdftotext finds poppler's pdftotext, installing poppler-utils with apt
// when it is missing and this runs as root; it skips only when neither works.
func pdftotext(t *testing.T) string {
	t.Helper()
	pdftotextOnce.Do(func() {
		if p, err := exec.LookPath("pdftotext"); err == nil {
			pdftotextPath = p
			return
		}
		if os.Geteuid() == 0 {
			if _, err := exec.LookPath("apt-get"); err == nil {
				cmd := exec.Command("apt-get", "install", "-y", "poppler-utils")
				cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Logf("apt-get install poppler-utils: %v\n%s", err, out)
				}
			}
		}
		pdftotextPath, _ = exec.LookPath("pdftotext")
	})
	if pdftotextPath == "" {
		t.Skip("pdftotext is not installed and could not be installed (apt-get install -y poppler-utils)")
	}
	return pdftotextPath
}

// extract returns the text of pdf with all white space removed, so a name
// or an amount wrapped over two lines still matches.
func extract(t *testing.T, pdf []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext(t), "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return squeeze(string(out))
}

func squeeze(s string) string {
	return strings.Join(strings.Fields(s), "")
}

func TestRender_EveryDocument(t *testing.T) {
	r := mustRenderer(t, Options{})
	c := SampleCase()
	for _, e := range Catalog() {
		t.Run(string(e.Code), func(t *testing.T) {
			num, err := NumberFor("某城管", e.Code, 2026, 7)
			if err != nil {
				t.Fatal(err)
			}
			pdf, err := r.Render(e.Code, num, c)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
			}
			text := extract(t, pdf)
			want := []string{e.Zh, c.Bureau, c.Party.Name, num.String(), "第1页共"}
			if e.Code != RectificationOrder { // the order names the facts, not the case
				want = append(want, c.Cause)
			}
			switch e.Code {
			case PenaltyDecision, PenaltyNotice:
				want = append(want, "罚款人民币1500元", "壹仟伍佰元整", c.Basis.Prohibition, c.Basis.Penalty, "陈述", "（印章）")
			case ClosingRegister:
				want = append(want, "1500元", "壹仟伍佰元整", c.Closing.Archivist)
			case InquiryRecord:
				want = append(want, c.Inquiry.QA[1].A, c.Officers[0].Certificate)
			case InspectionRecord:
				want = append(want, "约2000块", c.Officers[1].Certificate)
			case RectificationOrder:
				want = append(want, c.Correction.Requirement, "2026年3月5日18时00分")
			case ServiceReceipt:
				want = append(want, c.Service.Method, "某城管罚决字〔2026〕第0001号")
			case FilingApproval:
				want = append(want, "法制审核意见", "赵静", c.Party.IDNumber)
			}
			for _, w := range want {
				if !strings.Contains(text, squeeze(w)) {
					t.Errorf("the PDF text lacks %q\n%s", w, text)
				}
			}
			if strings.Contains(text, "<no value>") {
				t.Errorf("a template printed <no value>:\n%s", text)
			}
		})
	}
}

func TestRender_Organisation(t *testing.T) {
	r := mustRenderer(t, Options{})
	c := SampleCase()
	c.Party = Party{Name: "某某餐饮管理有限公司", Kind: enforce.Organisation, IDNumber: "91320100MA1XXXXX0Y",
		Representative: "钱多多", Address: "某市某区中山路100号", Phone: "025-00000000"}
	c.Decision = Decision{Kinds: []enforce.Kind{enforce.KindWarning, enforce.KindFine}, Fine: 20000.5}
	c.Hearing.Eligible = true
	pdf, err := r.Render(PenaltyNotice, Number{Prefix: "某城管罚告字", Year: 2026, Seq: 12}, c)
	if err != nil {
		t.Fatal(err)
	}
	text := extract(t, pdf)
	for _, w := range []string{"警告、罚款", "罚款人民币20000.50元", "贰万元伍角", "要求举行听证", "五日内"} {
		if !strings.Contains(text, w) {
			t.Errorf("the notice lacks %q\n%s", w, text)
		}
	}
	pdf, err = r.Render(PenaltyDecision, Number{Prefix: "某城管罚决字", Year: 2026, Seq: 12}, c)
	if err != nil {
		t.Fatal(err)
	}
	text = extract(t, pdf)
	for _, w := range []string{"统一社会信用代码：91320100MA1XXXXX0Y", "法定代表人（负责人）：钱多多", "法人或者其他组织", "和要求听证的权利"} {
		if !strings.Contains(text, w) {
			t.Errorf("the decision lacks %q\n%s", w, text)
		}
	}
}

// TestRender_LongTextBreaksPages: facts of several pages wrap, break onto
// new pages, keep every character, and number the pages 第 N 页 共 M 页.
func TestRender_LongTextBreaksPages(t *testing.T) {
	r := mustRenderer(t, Options{})
	c := SampleCase()
	var facts strings.Builder
	for i := range 120 {
		facts.WriteString("当事人在人行道上堆放建筑材料，影响通行，第")
		facts.WriteString(strings.Repeat("〇", i%3))
		facts.WriteString("次巡查仍未清除。")
	}
	c.Facts = facts.String()
	c.Evidence = append(c.Evidence, strings.Repeat("ABCDEFGHIJ0123456789", 12)) // longer than a line
	pdf, err := r.Render(PenaltyDecision, Number{Prefix: "某城管罚决字", Year: 2026, Seq: 1}, c)
	if err != nil {
		t.Fatal(err)
	}
	text := extract(t, pdf)
	if !strings.Contains(text, "第1页共") || !strings.Contains(text, "第2页共") {
		t.Fatalf("no page numbers across pages:\n%s", text)
	}
	pages := strings.Count(text, "页共")
	if pages < 3 {
		t.Errorf("%d pages for about 2,400 characters of facts; want at least 3", pages)
	}
	last := "第" + strconv.Itoa(pages) + "页共" + strconv.Itoa(pages) + "页"
	if !strings.Contains(text, last) {
		t.Errorf("the last page is not numbered %q", last)
	}
	if got, want := strings.Count(text, "次巡查仍未清除"), 120; got != want {
		t.Errorf("%d of %d sentences survive wrapping and page breaks", got, want)
	}
	if !strings.Contains(text, strings.Repeat("ABCDEFGHIJ0123456789", 12)) {
		t.Error("a run of Latin letters longer than a line lost characters")
	}
}

// TestRender_ConcurrentAndDeterministic: one Renderer serves several
// requests at once, and the same case gives the same bytes (the PDF dates
// come from the case, not the clock), so a stored document can be checked
// against a fresh render.
func TestRender_ConcurrentAndDeterministic(t *testing.T) {
	r := mustRenderer(t, Options{})
	num := Number{Prefix: "某城管罚决字", Year: 2026, Seq: 9}
	want, err := r.Render(PenaltyDecision, num, SampleCase())
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	got := make([][]byte, 4)
	errc := make([]error, 4)
	for i := range got {
		wg.Go(func() { got[i], errc[i] = r.Render(PenaltyDecision, num, SampleCase()) })
	}
	wg.Wait()
	for i := range got {
		if errc[i] != nil {
			t.Fatalf("render %d: %v", i, errc[i])
		}
		if !bytes.Equal(got[i], want) {
			t.Errorf("render %d differs from the first (%d and %d bytes)", i, len(got[i]), len(want))
		}
	}
}

func TestRender_RefusesBadInput(t *testing.T) {
	r := mustRenderer(t, Options{})
	ok := Number{Prefix: "某城管罚决字", Year: 2026, Seq: 1}
	noParty := SampleCase()
	noParty.Party.Name = ""
	tests := []struct {
		name string
		code Code
		num  Number
		c    *Case
		kind errs.Kind
	}{
		{"unknown code", "penalty_desicion", ok, SampleCase(), errs.KindNotFound},
		{"no case", PenaltyDecision, ok, nil, errs.KindInvalid},
		{"bad number", PenaltyDecision, Number{Prefix: "某城管罚决字", Year: 2026}, SampleCase(), errs.KindInvalid},
		{"no party", PenaltyDecision, ok, noParty, errs.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pdf, err := r.Render(tt.code, tt.num, tt.c)
			if !errs.Is(err, tt.kind) || pdf != nil {
				t.Errorf("Render = %d bytes, %v; want no PDF and a %s error", len(pdf), err, tt.kind)
			}
		})
	}
}
