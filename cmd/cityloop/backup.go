package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"cityloop/internal/app"
	"cityloop/internal/config"
)

func cmdBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("backup", `Write the whole state of a node into one file: the database (SQLite: an online
copy consistent under writes; PostgreSQL: pg_dump's custom format), the photo
and evidence files, the audit checkpoints and a manifest with every table's row
count, every file's SHA-256 and the fingerprints of the key files. The keys
themselves (pii.keys, web.secret, CITYLOOP_PII_KEYS) are never copied: keep
them apart, restore needs them to open personal data and verify the audit
trail. Nodes may keep serving meanwhile.`, stderr)
	out := fs.String("out", "", "the backup file to write (required)")
	cfg, err := config.Load(fs, args, "db", "data")
	if err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("--out FILE is required, e.g. --out cityloop-%s.backup", time.Now().Format("20060102"))
	}
	start := time.Now()
	m, err := app.Backup(ctx, cfg, *out)
	if err != nil {
		return err
	}
	var rows int64
	for _, n := range m.Tables {
		rows += n
	}
	info, _ := os.Stat(*out)
	fmt.Fprintf(stdout, "备份完成 / backup written: %s (%d bytes) in %s: %s database, %d tables, %d rows, %d files\n",
		*out, info.Size(), time.Since(start).Round(time.Millisecond), m.Dialect, len(m.Tables), rows, len(m.Blobs))
	for _, k := range m.Keys {
		fmt.Fprintf(stdout, "key file %s: sha256 %s (not in the backup; keep it apart)\n", k.File, k.SHA256)
	}
	return nil
}

func cmdRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("restore FILE", `Restore a backup into an empty store (a new SQLite file or an empty PostgreSQL
database) and data directory, then verify it: every table's rows against the
backup's count, the audit chain with the keys (CITYLOOP_PII_KEYS or
DATA/pii.keys, put there before restoring), and photos picked at random read
back against their content ids. Exits with status 1 if anything does not match.`, stderr)
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs.Usage()
		return fmt.Errorf("usage: cityloop restore FILE --db … [--data DIR]")
	}
	file := args[0]
	cfg, err := config.Load(fs, args[1:], "db", "data", "pii-keys")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	rep, err := app.Restore(ctx, cfg, file)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "恢复自 / restored from %s (taken %s, %s)\n", file, rep.Manifest.CreatedAt.Format(time.RFC3339), rep.Manifest.Dialect)
	for _, t := range rep.Tables {
		mark := "ok"
		if t.Backup != t.Stored {
			mark = "MISMATCH"
		}
		fmt.Fprintf(stdout, "  %-28s %10d rows  %s\n", t.Table, t.Stored, mark)
	}
	switch {
	case rep.Audit == nil:
		fmt.Fprintln(stdout, "audit chain: NOT verified — no keys (set CITYLOOP_PII_KEYS or put pii.keys in --data, then run `cityloop audit verify`)")
	case !rep.Audit.Broken():
		fmt.Fprintf(stdout, "audit chain: intact, %d records, %d checkpoints matched\n", rep.Audit.Checked, rep.Audit.Checkpoints)
	}
	fmt.Fprintf(stdout, "photos: %d picked at random read back and matched their ids\n", rep.PhotosChecked)
	for _, p := range rep.Problems {
		fmt.Fprintln(stdout, "PROBLEM:", p)
	}
	if len(rep.Problems) > 0 {
		return errBroken
	}
	fmt.Fprintln(stdout, "恢复并校验完成 / restore verified")
	return nil
}
