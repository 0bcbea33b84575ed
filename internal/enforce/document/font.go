package document

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/image/font/sfnt"

	"cityloop/internal/errs"
)

// FontEnv is the environment variable that names a TrueType font to use
// instead of searching FontPaths; app passes its value as Options.FontPath.
const FontEnv = "CITYLOOP_DOCUMENT_FONT"

// FontPackage is the Debian package that provides the first of FontPaths;
// the error for a missing font names it and .ci/run installs it.
const FontPackage = "fonts-droid-fallback"

// FontPaths are the TrueType CJK fonts of Debian packages, best first:
// Droid Sans Fallback covers the most characters (rare ones in names
// included); AR PL SungtiL GB is a Song face but only GB2312. The PDF
// library reads glyf-outline TrueType only, so the OpenType/CFF (.otf) and
// collection (.ttc) files of fonts-noto-cjk, fonts-wqy-microhei and
// fonts-arphic-uming cannot be used and are not listed.
var FontPaths = []FontCandidate{
	{"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", "fonts-droid-fallback"},
	{"/usr/share/fonts-droid-fallback/truetype/DroidSansFallbackFull.ttf", "fonts-droid-fallback"},
	{"/usr/share/fonts-droid-fallback/truetype/DroidSansFallback.ttf", "fonts-droid-fallback"},
	{"/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf", "fonts-arphic-gbsn00lp"},
	{"/usr/share/fonts/truetype/arphic-gkai00mp/gkai00mp.ttf", "fonts-arphic-gkai00mp"},
}

// FontCandidate is a font file and the Debian package that installs it.
type FontCandidate struct {
	Path    string
	Package string
}

// Font is a loaded and checked TrueType font: its bytes are read once and
// given to every render.
type Font struct {
	Path string
	data []byte
	sf   *sfnt.Font
}

// probe are characters every document prints; a font without them is no
// Chinese font, whatever its name says.
const probe = "行政处罚决定书当事人罚款元整第号页共"

// LoadFont reads and checks the font at path: TrueType outlines (what the
// PDF library embeds), and glyphs for Chinese text.
func LoadFont(path string) (*Font, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, errs.E(errs.KindUnavailable, "字体文件 %s 不存在 / the font file %s does not exist", path, path).WithField("font", "not_found")
		}
		return nil, fmt.Errorf("read font %s: %w", path, err)
	}
	return parseFont(path, b)
}

func parseFont(path string, b []byte) (*Font, error) {
	unusable := func(why string) error {
		return errs.E(errs.KindUnavailable, "字体 %s 不能用于生成 PDF：%s；请安装 Debian 软件包 %s（apt-get install -y %s）或用 %s 指定一个 TrueType (.ttf) 中文字体 / the font %s cannot be used: %s; install the Debian package %s or set %s to a TrueType Chinese font",
			path, why, FontPackage, FontPackage, FontEnv, path, why, FontPackage, FontEnv).WithField("font", "unusable")
	}
	if len(b) < 12 {
		return nil, unusable("文件太短 / too short")
	}
	switch tag := string(b[:4]); {
	case tag == "ttcf":
		return nil, unusable("这是字体集合 (.ttc) / a font collection (.ttc)")
	case tag == "OTTO":
		return nil, unusable("这是 CFF 轮廓的 OpenType 字体 (.otf) / an OpenType font with CFF outlines")
	case binary.BigEndian.Uint32(b[:4]) != 0x00010000 && tag != "true":
		return nil, unusable("不是 TrueType 字体 / not a TrueType font")
	}
	sf, err := sfnt.Parse(b)
	if err != nil {
		return nil, unusable("无法解析 / cannot be parsed: " + err.Error())
	}
	var buf sfnt.Buffer
	var missing []string
	for _, r := range probe {
		if gi, err := sf.GlyphIndex(&buf, r); err != nil || gi == 0 {
			missing = append(missing, string(r))
		}
	}
	if len(missing) > 0 {
		return nil, unusable("缺少汉字字形 " + strings.Join(missing, "") + " / has no Chinese glyphs")
	}
	return &Font{Path: path, data: b, sf: sf}, nil
}

// FindFont loads the font at override when it is set, and otherwise the
// first of candidates that exists. When none does, the error names the
// Debian package to install.
func FindFont(override string, candidates []FontCandidate) (*Font, error) {
	if strings.TrimSpace(override) != "" {
		f, err := LoadFont(filepath.Clean(override))
		if err != nil {
			return nil, fmt.Errorf("load the font named by %s: %w", FontEnv, err)
		}
		return f, nil
	}
	var tried []string
	for _, c := range candidates {
		if _, err := os.Stat(c.Path); err != nil {
			tried = append(tried, c.Path)
			continue
		}
		return LoadFont(c.Path)
	}
	return nil, errs.E(errs.KindUnavailable, "未找到可生成 PDF 的中文 TrueType 字体：请安装 Debian 软件包 %s（apt-get install -y %s），或用环境变量 %s 指定 .ttf 字体文件 / no Chinese TrueType font found: install the Debian package %s or set %s to a .ttf file",
		FontPackage, FontPackage, FontEnv, FontPackage, FontEnv).With("tried", tried).With("package", FontPackage)
}

// Missing returns the characters of s the font has no glyph for, each once;
// they would print as blanks, which a legal document must not do silently.
func (f *Font) Missing(s string) []rune {
	var buf sfnt.Buffer
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if r < 0x80 || seen[r] {
			continue // ASCII: every candidate has it
		}
		seen[r] = true
		if r == '\n' || r == '\t' {
			continue
		}
		if gi, err := f.sf.GlyphIndex(&buf, r); err != nil || gi == 0 {
			out = append(out, r)
		}
	}
	return out
}
