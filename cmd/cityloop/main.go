package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"cityloop/internal/app"
	"cityloop/internal/config"
)

const usage = `cityloop — 智慧城管平台 / smart urban management platform

Usage:
  cityloop serve [--addr HOST:PORT] [--db sqlite:FILE | postgres://…] [--demo]
  cityloop demo [--cases N] [--seed S] [--db …]     generate the demo city into an empty store
  cityloop migrate [--db …]                          create or upgrade the database schema
  cityloop import regions FILE.geojson [--db …]      import regions and unit grids
  cityloop calendar YYYY-MM [--lang zh|en]           print working days and hours of a month
  cityloop pii rotate [--db …]                        re-seal personal data and partner secrets with the current key
  cityloop audit verify [--db …] [--checkpoints F]    check the audit trail's keyed chain and checkpoints (exit 1 if broken)
  cityloop config                                     print the effective settings (secrets masked)
  cityloop backup --out FILE [--db …] [--data DIR]    back up the database, photos and evidence into one file (online)
  cityloop restore FILE [--db …] [--data DIR]         restore a backup into an empty store and verify it
  cityloop simulate sensors|cameras [--addr URL] [--mqtt HOST:PORT]   feed demo devices or AI cameras to a running node

Run "cityloop COMMAND --help" for the flags of a command. Every flag can also be
set with a CITYLOOP_* environment variable (see "cityloop config").
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		if errors.Is(err, errBroken) {
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "cityloop:", message(err))
		os.Exit(1)
	}
}

func message(err error) string { return app.Describe(err) }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], stdout, stderr)
	case "demo":
		return cmdDemo(ctx, args[1:], stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], stdout, stderr)
	case "import":
		return cmdImport(ctx, args[1:], stdout, stderr)
	case "calendar":
		return cmdCalendar(args[1:], stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], stdout, stderr)
	case "pii":
		return cmdPII(ctx, args[1:], stdout, stderr)
	case "simulate":
		return cmdSimulate(ctx, args[1:], stdout, stderr)
	case "backup":
		return cmdBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		return cmdRestore(ctx, args[1:], stdout, stderr)
	case "config":
		fs := newFlags("config", "Print the effective settings, with secrets masked.", stderr)
		cfg, err := config.Load(fs, args[1:])
		if err != nil {
			return err
		}
		cfg.Dump(stdout)
		return nil
	}
	return fmt.Errorf("unknown command %q\n\n%s", args[0], usage)
}

func newFlags(name, about string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("cityloop "+name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: cityloop %s [flags]\n\n%s\n\nFlags:\n", name, about)
		fs.PrintDefaults()
	}
	return fs
}

func logger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: lvl}))
}

func cmdServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Serve CityLoop over HTTP. With no flags: SQLite in ./data, http://127.0.0.1:8080,\nand a demo city generated on first start.", stderr)
	cfg, err := config.Load(fs, args)
	if err != nil {
		return err
	}
	log := logger(cfg, stderr)
	a, err := app.Open(ctx, cfg, log, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.EnsureAdmin(ctx); err != nil {
		return err
	}
	if err := a.Listen(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "CityLoop 智慧城管平台 is serving http://%s  (store: %s)\n", a.Addr(), a.Store.Dialect())
	if a.DemoSummary != nil {
		a.DemoSummary.Print(stdout)
	}
	if a.FirstPassword != "" {
		fmt.Fprintf(stdout, "First start: administrator \"admin\" has the one-time password %s — sign in and change it now; it is not shown again.\n", a.FirstPassword)
	}
	if accounts := a.DemoAccounts(ctx); len(accounts) > 0 {
		fmt.Fprintln(stdout, "Demo accounts (password \"demo\"):")
		for _, line := range accounts {
			fmt.Fprintln(stdout, "  "+line)
		}
	}
	fmt.Fprintln(stdout, "API: http://"+a.Addr()+"/api/openapi.json   Stop with Ctrl+C.")
	return a.Run(ctx)
}

// openTool opens the store for a maintenance command: the flags names,
// no demo generation, no first administrator.
func openTool(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer, names ...string) (*app.App, error) {
	cfg, err := config.Load(fs, args, names...)
	if err != nil {
		return nil, err
	}
	cfg.Demo = false
	return app.Open(ctx, cfg, logger(cfg, stderr), stderr)
}

func cmdDemo(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("demo", "Generate the deterministic demo city (regions, grids, departments, accounts, cases)\ninto an empty store. Long runs show a progress bar.", stderr)
	cases := fs.Int("cases", 100_000, "number of cases over the past 24 months")
	seed := fs.Int64("seed", 1, "seed: the same seed gives the same city")
	a, err := openTool(ctx, fs, args, stderr, "db", "data", "log-level")
	if err != nil {
		return err
	}
	defer a.Close()
	if a.World.Atlas().Len() > 0 {
		return fmt.Errorf("the store %s already holds a city; use an empty database (e.g. --db sqlite:data/demo2.db)", a.Store.Dialect())
	}
	info, err := a.GenerateDemo(ctx, *cases, *seed, stderr)
	if err != nil {
		return err
	}
	info.Print(stdout)
	return nil
}

func cmdMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Create or upgrade the database schema, then exit.", stderr)
	a, err := openTool(ctx, fs, args, stderr, "db", "data")
	if err != nil {
		return err
	}
	defer a.Close()
	fmt.Fprintf(stdout, "schema is up to date (%s)\n", a.Store.Dialect())
	return nil
}

func cmdImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "regions" {
		return fmt.Errorf("usage: cityloop import regions FILE [--dry-run] [--db …]")
	}
	fs := newFlags("import regions FILE", "Import regions (properties: code, name, level, parent) from a GeoJSON FeatureCollection, a zipped\nShapefile (.shp, .dbf, .prj, .cpg) or a GeoPackage. Broken geometry is repaired and every repair listed;\na feature that cannot be repaired rejects the whole file, and every problem is listed with its feature index.", stderr)
	dry := fs.Bool("dry-run", false, "check and repair the file and print the report, but import nothing")
	// Accept the file before or after the flags.
	rest := args[1:]
	var file string
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		file, rest = rest[0], rest[1:]
	}
	cfg, err := config.Load(fs, rest, "db", "data")
	if err != nil {
		return err
	}
	if file == "" && fs.NArg() == 1 {
		file = fs.Arg(0)
	}
	if file == "" || fs.NArg() > 1 {
		return fmt.Errorf("give exactly one regions FILE")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	cfg.Demo = false
	a, err := app.Open(ctx, cfg, logger(cfg, stderr), stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	plan, err := a.ImportRegionFile(ctx, data, *dry)
	if err != nil {
		return err
	}
	for _, line := range plan.RepairLines() {
		fmt.Fprintln(stdout, line)
	}
	verb := "imported"
	if plan.DryRun {
		verb = "dry run, nothing imported; would import"
	}
	fmt.Fprintf(stdout, "%s: %d added, %d changed (new versions), %d unchanged; %d feature(s) repaired\n", verb, plan.Added, plan.Changed, plan.Unchanged, len(plan.Repairs))
	return nil
}

func cmdCalendar(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("calendar YYYY-MM", "Print a month of the working calendar: working days, weekends, public holidays,\nadjusted working days (调休), and the working hours.", stderr)
	lang := fs.String("lang", "zh", "zh or en")
	// Accept the month before or after the flags.
	var month string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		month, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if month == "" && fs.NArg() > 0 {
		month = fs.Arg(0)
	}
	if month == "" {
		return fmt.Errorf("usage: cityloop calendar YYYY-MM")
	}
	return app.PrintCalendar(stdout, month, *lang)
}

// errBroken makes main exit 1 after the message has been printed.
var errBroken = errors.New("the audit trail is broken")

func cmdAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return fmt.Errorf("usage: cityloop audit verify [--db …] [--data DIR] [--pii-keys …] [--checkpoints FILE]")
	}
	fs := newFlags("audit verify", `Check the audit trail from the first record to the last. Each record carries
an HMAC-SHA256 under the audit key (derived from the personal-data keyring,
CITYLOOP_PII_KEYS or DATA/pii.keys) of its content and the record before it;
records from before the chain was keyed keep their plain SHA-256 and still
verify. The chain is compared with the signed checkpoints (record count and
head hash) that serving nodes append to DATA/`+app.AuditCheckpointFile+`: a
log with fewer records than a checkpoint counted was truncated, a different
hash at a checkpointed record means the log was rewritten.

Prints the first broken record and exits with status 1 if any record was
changed, removed, reordered or forged, if the log was cut or re-linked, or if
a checkpoint line does not authenticate. After a key rotation keep the old
keys in the keyring (after the current one): records keep the key id they
were signed with.`, stderr)
	file := fs.String("checkpoints", "", "checkpoint file to compare with (default DATA/"+app.AuditCheckpointFile+"; a copy from another node works too)")
	a, err := openTool(ctx, fs, args[1:], stderr, "db", "data", "pii-keys")
	if err != nil {
		return err
	}
	defer a.Close()
	v, err := a.VerifyAudit(ctx, *file)
	if err != nil {
		return err
	}
	if v.CheckpointProblem != nil {
		fmt.Fprintf(stdout, "审计检查点文件异常 / audit checkpoint file %s is damaged or forged: %v\n", v.CheckpointFile, v.CheckpointProblem)
	}
	if v.Break != nil {
		fmt.Fprintf(stdout, "审计日志已被篡改 / audit trail BROKEN at record %d: %s (%d records before it verified)\n", v.Break.Seq, v.Break.Reason, v.Checked)
	}
	if v.Broken() {
		return errBroken
	}
	fmt.Fprintf(stdout, "audit trail intact: %d records verified (%d unkeyed v1 records from before the key), %d of %d checkpoints matched (%s)\n",
		v.Checked, v.Unkeyed, v.Checkpoints, v.CheckpointsRead, v.CheckpointFile)
	if v.CheckpointsRead == 0 {
		fmt.Fprintln(stdout, "warning: no checkpoints found, so records cut from the end would not show; check --data or --checkpoints")
	}
	return nil
}

func cmdPII(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		return fmt.Errorf("usage: cityloop pii rotate [--db …] [--pii-keys NEW,OLD]")
	}
	fs := newFlags("pii rotate", "Re-seal every reporter's name and phone, the hub's subscription secrets, the\n12345 pull token and the outbox's recipients with the current (first) key.\nKey rotation: put a new key first in CITYLOOP_PII_KEYS (or DATA/pii.keys), keep\nthe old ones after it, run this, then remove the old keys. New audit records are\nsigned with the new key at once; records signed before verify only while their\nkey is in the ring, so keep the old keys (or a copy of the ring) for \"cityloop audit verify\".", stderr)
	a, err := openTool(ctx, fs, args[1:], stderr, "db", "data", "pii-keys")
	if err != nil {
		return err
	}
	defer a.Close()
	return a.Reseal(ctx, func(what string, n int) {
		fmt.Fprintf(stdout, "re-sealed %d %s with the current key\n", n, what)
	})
}
