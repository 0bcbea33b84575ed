package kpi

import (
	"fmt"
	"os"
)

// Load reads a city's indicator book from path; with no path it returns
// nil, and the shipped book is used. A book with mistakes is refused with
// the list of them, so a city never publishes figures from a half-read
// definition.
func Load(path string) (*Set, error) {
	if path == "" {
		return nil, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the indicator book: %w", err)
	}
	book, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("indicator book %s: %w: %s", path, err, Problems(err))
	}
	return book, nil
}
