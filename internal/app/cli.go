package app

import (
	"context"
	"io"

	"cityloop/internal/org"
	"cityloop/internal/simulate"
	"cityloop/internal/worktime"
)

// What the command line needs beyond opening a node, so that cmd imports
// app, config and errs only (internal/arch checks it).

// SimulateOptions say what `cityloop simulate` drives.
type SimulateOptions = simulate.Options

// Simulate feeds simulated devices or cameras to a running node until ctx ends.
func Simulate(ctx context.Context, o SimulateOptions) error { return simulate.Run(ctx, o) }

// cliActor is who imports from the command line, as the audit trail names it.
var cliActor = org.Actor{ID: "cli", Name: "命令行导入"}

// ImportRegionFile imports a regions file (GeoJSON, zipped Shapefile or
// GeoPackage) as the command line does; dry only previews it.
func (a *App) ImportRegionFile(ctx context.Context, data []byte, dry bool) (org.ImportPlan, error) {
	if dry {
		return a.World.PreviewRegions(ctx, data)
	}
	return a.World.ImportRegions(ctx, cliActor, data)
}

// PrintCalendar writes month (YYYY-MM) of the built-in working calendar.
func PrintCalendar(w io.Writer, month, lang string) error { return worktime.PrintMonth(w, month, lang) }

// Describe is err as the command line prints it (org.Describe): a
// user-facing message, with every problem of a refused region import on a
// line of its own.
func Describe(err error) string { return org.Describe(err) }
