package document

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestFindFont_NoneInstalled(t *testing.T) {
	dir := t.TempDir()
	_, err := New(Options{Fonts: []FontCandidate{{filepath.Join(dir, "DroidSansFallbackFull.ttf"), FontPackage}}})
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.KindUnavailable {
		t.Fatalf("New = %v, want an unavailable error", err)
	}
	for _, want := range []string{"fonts-droid-fallback", "apt-get install", FontEnv} {
		if !strings.Contains(e.Message, want) {
			t.Errorf("the message %q should name %q", e.Message, want)
		}
	}
	if e.Details["package"] != FontPackage {
		t.Errorf("details %v lack the package", e.Details)
	}
}

func TestLoadFont_Unusable(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name, path, says string
	}{
		{"missing file", filepath.Join(dir, "none.ttf"), "不存在"},
		{"collection", write("x.ttc", append([]byte("ttcf"), make([]byte, 64)...)), ".ttc"},
		{"cff", write("x.otf", append([]byte("OTTO"), make([]byte, 64)...)), "CFF"},
		{"not a font", write("x.ttf", []byte("this is not a font at all")), "TrueType"},
		{"truncated", write("y.ttf", append([]byte{0, 1, 0, 0}, make([]byte, 64)...)), "无法解析"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FindFont(tt.path, FontPaths)
			if !errs.Is(err, errs.KindUnavailable) || !strings.Contains(err.Error(), tt.says) {
				t.Errorf("FindFont(%s) = %v, want an unavailable error saying %q", tt.path, err, tt.says)
			}
			if err != nil && !strings.Contains(err.Error(), FontEnv) {
				t.Errorf("the error %v should name %s, the override that chose the file", err, FontEnv)
			}
		})
	}
}

// TestLoadFont_NoChinese: a Latin TrueType font (DejaVu, on most Debian
// machines) is refused: it would print every Chinese character blank.
func TestLoadFont_NoChinese(t *testing.T) {
	const dejavu = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
	if _, err := os.Stat(dejavu); err != nil {
		t.Skipf("%s is not installed (fonts-dejavu-core)", dejavu)
	}
	_, err := LoadFont(dejavu)
	if !errs.Is(err, errs.KindUnavailable) || !strings.Contains(err.Error(), "缺少汉字字形") {
		t.Errorf("LoadFont(DejaVu) = %v, want an error about Chinese glyphs", err)
	}
}

func TestRender_MissingGlyph(t *testing.T) {
	r := mustRenderer(t, Options{})
	c := SampleCase()
	c.Party.Name = "张\U0002A6A5" // a CJK Extension B character no Debian TrueType font draws
	if len(r.font.Missing(c.Party.Name)) == 0 {
		t.Skipf("the font %s draws U+2A6A5", r.FontPath())
	}
	_, err := r.Render(PenaltyDecision, Number{Prefix: "某城管罚决字", Year: 2026, Seq: 1}, c)
	if !errs.Is(err, errs.KindUnprocessable) || !strings.Contains(err.Error(), "\U0002A6A5") {
		t.Errorf("Render = %v, want an unprocessable error naming the character", err)
	}
}

// TestNew_Override: the font named by the override is the one used, and
// each Debian candidate installed here renders (the list is not stale).
func TestNew_Override(t *testing.T) {
	found := 0
	for _, c := range FontPaths {
		if _, err := os.Stat(c.Path); err != nil {
			continue
		}
		found++
		t.Run(filepath.Base(c.Path), func(t *testing.T) {
			r, err := New(Options{FontPath: c.Path})
			if err != nil {
				t.Fatal(err)
			}
			if r.FontPath() != c.Path {
				t.Errorf("FontPath = %s, want %s", r.FontPath(), c.Path)
			}
			pdf, err := r.Render(PenaltyDecision, Number{Prefix: "某城管罚决字", Year: 2026, Seq: 3}, SampleCase())
			if err != nil {
				t.Fatal(err)
			}
			if text := extract(t, pdf); !strings.Contains(text, "壹仟伍佰元整") {
				t.Errorf("with %s the PDF text lacks the amount:\n%s", c.Path, text)
			}
		})
	}
	if found == 0 {
		t.Skipf("none of the fonts is installed (apt-get install -y %s)", FontPackage)
	}
}
