// Package backup writes and restores a node's whole state as one file: the
// database (SQLite through VACUUM INTO, a consistent copy taken in one read
// transaction while the node keeps writing; PostgreSQL through pg_dump's
// custom format on a snapshot exported from a transaction that also counts
// the tables), the photo and evidence blobs, the audit checkpoints, and a
// manifest with the tables' row counts, every blob's SHA-256 and the
// fingerprints of the key files (never the keys themselves: a backup on a
// shared disk must not open the sealed personal data).
//
// The database is copied before the blobs: blobs are written before any
// row names them (a photo is stored, then cited), so every blob the copied
// database refers to is on disk by the time the blobs are copied.
//
// The file is a gzip-compressed tar: manifest.json first, then db/…,
// photos/…, evidence/… and the checkpoint file.
package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"cityloop/internal/auditlog"
	"cityloop/internal/store/sqlkit"
)

// Format is the manifest's format version.
const Format = 1

// BlobDirs are the directories under the data directory whose files are
// backed up; KeyFiles the files only fingerprinted; Checkpoints the audit
// checkpoint file, copied (it is signed, not secret).
var (
	BlobDirs    = []string{"photos", "evidence"}
	KeyFiles    = []string{"pii.keys", "web.secret"}
	Checkpoints = auditlog.CheckpointFile
)

// Manifest describes a backup.
type Manifest struct {
	Format    int              `json:"format"`
	CreatedAt time.Time        `json:"created_at"`
	Dialect   string           `json:"dialect"`  // sqlite | postgres
	Database  string           `json:"database"` // entry name of the database copy
	Tables    map[string]int64 `json:"tables"`   // rows per table in the copy
	Blobs     []Blob           `json:"blobs"`
	Keys      []KeyFingerprint `json:"keys"`
}

// Blob is one file of the blob directories.
type Blob struct {
	Path   string `json:"path"` // slash-separated, e.g. photos/ab/ab12…
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// KeyFingerprint names a key file and the SHA-256 of its content, so that
// an operator can tell which keys a backup needs without the backup
// holding them.
type KeyFingerprint struct {
	File   string `json:"file"`
	SHA256 string `json:"sha256"`
}

// Options say what to back up.
type Options struct {
	DSN     string // sqlite:FILE or postgres://…
	DataDir string // where photos/, evidence/ and the key files are
	Out     string // the backup file; written to a temporary name and renamed
	Now     func() time.Time
}

// Run writes a backup of o.DSN and o.DataDir to o.Out and returns its
// manifest. A failed run leaves no file at o.Out.
func Run(ctx context.Context, o Options) (*Manifest, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	tmpDir, err := os.MkdirTemp(filepath.Dir(o.Out), ".cityloop-backup-")
	if err != nil {
		return nil, fmt.Errorf("backup: temporary directory beside %s: %w", o.Out, err)
	}
	defer os.RemoveAll(tmpDir)
	m := &Manifest{Format: Format, CreatedAt: o.Now().UTC()}
	dbFile := filepath.Join(tmpDir, "db")
	if err := snapshot(ctx, o.DSN, dbFile, m); err != nil {
		return nil, err
	}
	for _, dir := range BlobDirs {
		bs, err := listBlobs(o.DataDir, dir)
		if err != nil {
			return nil, err
		}
		m.Blobs = append(m.Blobs, bs...)
	}
	for _, name := range KeyFiles {
		sum, err := fileSum(filepath.Join(o.DataDir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		m.Keys = append(m.Keys, KeyFingerprint{File: name, SHA256: sum})
	}
	tmpOut := filepath.Join(tmpDir, "out")
	if err := writeArchive(tmpOut, m, dbFile, o.DataDir); err != nil {
		return nil, err
	}
	if err := os.Rename(tmpOut, o.Out); err != nil {
		return nil, fmt.Errorf("backup: move into place: %w", err)
	}
	return m, nil
}

// snapshot copies the database into file and counts its tables.
func snapshot(ctx context.Context, dsn, file string, m *Manifest) error {
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "backup"})
	if err != nil {
		return fmt.Errorf("backup: open the database: %w", err)
	}
	defer p.Close()
	if !p.Postgres {
		m.Dialect, m.Database = "sqlite", "db/cityloop.db"
		// VACUUM INTO reads the database in one transaction: the copy is
		// the state of one moment, whatever the node writes meanwhile.
		if _, err := p.W.ExecContext(ctx, `VACUUM INTO ?`, file); err != nil {
			return fmt.Errorf("backup: copy the SQLite database: %w", err)
		}
		cp, err := sql.Open("sqlite", "file:"+file+"?mode=ro")
		if err != nil {
			return fmt.Errorf("backup: open the copy: %w", err)
		}
		defer cp.Close()
		m.Tables, err = countTables(ctx, cp, `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`)
		return err
	}
	m.Dialect, m.Database = "postgres", "db/cityloop.pgdump"
	// The counts and pg_dump see the same snapshot: this transaction
	// exports it and stays open while pg_dump runs on it.
	conn, err := p.W.Conn(ctx)
	if err != nil {
		return fmt.Errorf("backup: connect: %w", err)
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return fmt.Errorf("backup: begin the snapshot: %w", err)
	}
	defer tx.Rollback()
	var snap string
	if err := tx.QueryRowContext(ctx, `SELECT pg_export_snapshot()`).Scan(&snap); err != nil {
		return fmt.Errorf("backup: export the snapshot: %w", err)
	}
	if m.Tables, err = countTables(ctx, tx, postgresTables); err != nil {
		return err
	}
	out, err := exec.CommandContext(ctx, "pg_dump", "--format=custom", "--no-owner", "--snapshot="+snap, "--file="+file, "--dbname="+dsn).CombinedOutput()
	if err != nil {
		return fmt.Errorf("backup: pg_dump: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

const postgresTables = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

// countTables counts the rows of every table the query lists.
func countTables(ctx context.Context, db querier, list string) (map[string]int64, error) {
	rows, err := db.QueryContext(ctx, list)
	if err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("list tables: %w", err)
		}
		names = append(names, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list tables: %w", err)
	}
	out := make(map[string]int64, len(names))
	for _, n := range names {
		var c int64
		// The names come from the catalogue, not from input; quoted all the same.
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+strings.ReplaceAll(n, `"`, `""`)+`"`).Scan(&c); err != nil {
			return nil, fmt.Errorf("count %s: %w", n, err)
		}
		out[n] = c
	}
	return out, nil
}

// listBlobs lists the files under dataDir/dir with their sums.
func listBlobs(dataDir, dir string) ([]Blob, error) {
	root := filepath.Join(dataDir, dir)
	var out []Blob
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if errors.Is(err, fs.ErrNotExist) && p == root {
			return fs.SkipDir
		}
		if err != nil || d.IsDir() || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dataDir, p)
		if err != nil {
			return err
		}
		sum, err := fileSum(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, Blob{Path: filepath.ToSlash(rel), Size: info.Size(), SHA256: sum})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("backup: list %s: %w", dir, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// writeArchive writes the manifest, the database copy, the blobs and the
// checkpoint file into a gzip-compressed tar at out.
func writeArchive(out string, m *Manifest, dbFile, dataDir string) error {
	f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("backup: create %s: %w", out, err)
	}
	defer f.Close()
	zw, _ := gzip.NewWriterLevel(f, gzip.BestSpeed)
	tw := tar.NewWriter(zw)
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: "manifest.json", Mode: 0o600, Size: int64(len(mb)), ModTime: m.CreatedAt}); err != nil {
		return err
	}
	if _, err := tw.Write(mb); err != nil {
		return err
	}
	files := []struct{ name, path string }{{m.Database, dbFile}}
	for _, b := range m.Blobs {
		files = append(files, struct{ name, path string }{b.Path, filepath.Join(dataDir, filepath.FromSlash(b.Path))})
	}
	if _, err := os.Stat(filepath.Join(dataDir, Checkpoints)); err == nil {
		files = append(files, struct{ name, path string }{Checkpoints, filepath.Join(dataDir, Checkpoints)})
	}
	for _, e := range files {
		if err := addFile(tw, e.name, e.path, m.CreatedAt); err != nil {
			return fmt.Errorf("backup: add %s: %w", e.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	return f.Close()
}

func addFile(tw *tar.Writer, name, path string, at time.Time) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: info.Size(), ModTime: at}); err != nil {
		return err
	}
	// A blob is never rewritten in place (written under a temporary name
	// and renamed), so its size cannot change while it is copied.
	_, err = io.CopyN(tw, f, info.Size())
	return err
}

func sortTables(ts []TableCount) {
	sort.Slice(ts, func(i, j int) bool { return ts[i].Table < ts[j].Table })
}
