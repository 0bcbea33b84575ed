package org

import (
	"errors"
	"strings"
	"testing"

	"cityloop/internal/errs"
)

func TestDescribe(t *testing.T) {
	plain := errors.New("disk full")
	if got := Describe(plain); got != "disk full" {
		t.Errorf("plain error: %q", got)
	}
	refused := errs.Invalid("the file has %d problem(s); nothing was imported", 2).With("problems", []ImportProblem{
		{Index: 0, Code: "3201", Reason: "no geometry"}, {Index: 3, Reason: "overlaps 320101"}})
	got := Describe(refused)
	lines := strings.Split(got, "\n")
	if len(lines) != 3 || lines[1] != "  feature 0 3201: no geometry" || lines[2] != "  feature 3 : overlaps 320101" {
		t.Errorf("refused import: %q", got)
	}
}
