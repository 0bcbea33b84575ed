package bulletin

import (
	"fmt"
	"os"

	"cityloop/internal/enforce/document"
)

// Font is the Chinese TrueType font of the PDFs, found as the penalty
// documents find theirs (document.FindFont: the override, else the
// Debian CJK fonts, with an error naming the package to install).
type Font struct {
	Path string
	data []byte
}

// FindFont loads the font named by override (CITYLOOP_DOCUMENT_FONT), or
// the first CJK TrueType font of document.FontPaths that exists.
func FindFont(override string) (*Font, error) {
	f, err := document.FindFont(override, document.FontPaths)
	if err != nil {
		return nil, fmt.Errorf("bulletin PDF font: %w", err)
	}
	// document checked the font (TrueType outlines, Chinese glyphs); the
	// PDF library needs its bytes, which document keeps to itself.
	data, err := os.ReadFile(f.Path)
	if err != nil {
		return nil, fmt.Errorf("bulletin PDF font: read %s: %w", f.Path, err)
	}
	return &Font{Path: f.Path, data: data}, nil
}
