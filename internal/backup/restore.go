package backup

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"

	"cityloop/internal/auditlog"
	"cityloop/internal/blob"
	"cityloop/internal/pii"
	"cityloop/internal/store/sqlkit"
	"cityloop/internal/store/sqlstore"
)

// Report is what a restore found: every table's rows against the
// manifest's, the audit chain's verification, and the photos checked.
type Report struct {
	Manifest *Manifest
	Tables   []TableCount
	// Audit is the chain's verification; nil when no keyring was given
	// (the chain's HMACs cannot be checked without the keys).
	Audit         *auditlog.Verification
	PhotosChecked int
	Problems      []string // anything that did not match; empty for a good restore
}

// TableCount is one table's rows in the backup and after the restore.
type TableCount struct {
	Table          string
	Backup, Stored int64
}

// RestoreOptions say where to restore.
type RestoreOptions struct {
	File    string // the backup
	DSN     string // an empty store: sqlite:FILE (the file must not exist) or an empty PostgreSQL database
	DataDir string // where the blobs go; files already there must be the same
	// Keys is the keyring the backup's store was sealed with (the same
	// CITYLOOP_PII_KEYS or pii.keys), to verify the audit chain; nil
	// skips that check and says so.
	Keys *pii.Keyring
	// Photos is how many photos, picked at random, are read back and
	// checked against their content id (default 20).
	Photos int
}

// Restore unpacks the backup into an empty store and data directory and
// verifies the result.
func Restore(ctx context.Context, o RestoreOptions) (*Report, error) {
	if o.Photos <= 0 {
		o.Photos = 20
	}
	tmpDir, err := os.MkdirTemp(o.DataDir, ".cityloop-restore-")
	if err != nil {
		return nil, fmt.Errorf("restore: temporary directory in %s: %w", o.DataDir, err)
	}
	defer os.RemoveAll(tmpDir)
	m, dbFile, err := unpack(o.File, tmpDir, o.DataDir)
	if err != nil {
		return nil, err
	}
	if err := load(ctx, m, dbFile, o.DSN); err != nil {
		return nil, err
	}
	return verify(ctx, m, o)
}

// unpack reads the archive: the manifest, the database copy into tmpDir,
// the blobs and checkpoints into dataDir (each checked against the
// manifest's sum).
func unpack(file, tmpDir, dataDir string) (*Manifest, string, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, "", fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, "", fmt.Errorf("restore: %s is not a CityLoop backup (not gzip): %w", file, err)
	}
	tr := tar.NewReader(zr)
	var m *Manifest
	sums := map[string]string{}
	dbFile := ""
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, "", fmt.Errorf("restore: read %s: %w", file, err)
		}
		name := path.Clean(h.Name)
		if h.Typeflag != tar.TypeReg || strings.HasPrefix(name, "../") || path.IsAbs(name) {
			return nil, "", fmt.Errorf("restore: %s holds an unexpected entry %q", file, h.Name)
		}
		switch {
		case name == "manifest.json":
			m = &Manifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 256<<20)).Decode(m); err != nil {
				return nil, "", fmt.Errorf("restore: read the manifest: %w", err)
			}
			if m.Format != Format {
				return nil, "", fmt.Errorf("restore: backup format %d; this version reads %d", m.Format, Format)
			}
			for _, b := range m.Blobs {
				sums[b.Path] = b.SHA256
			}
		case m == nil:
			return nil, "", fmt.Errorf("restore: %s does not start with its manifest", file)
		case name == m.Database:
			dbFile = filepath.Join(tmpDir, "db")
			if err := writeFile(dbFile, tr, ""); err != nil {
				return nil, "", err
			}
		case name == Checkpoints:
			if err := writeFile(filepath.Join(dataDir, Checkpoints), tr, ""); err != nil {
				return nil, "", err
			}
		default:
			sum, ok := sums[name]
			if !ok {
				return nil, "", fmt.Errorf("restore: %s holds %q, which its manifest does not list", file, name)
			}
			if err := writeFile(filepath.Join(dataDir, filepath.FromSlash(name)), tr, sum); err != nil {
				return nil, "", err
			}
		}
	}
	if m == nil || dbFile == "" {
		return nil, "", fmt.Errorf("restore: %s lacks its manifest or database", file)
	}
	return m, dbFile, nil
}

// writeFile writes r to p, creating directories; with want set it checks
// the content's SHA-256 and leaves an existing identical file alone.
func writeFile(p string, r io.Reader, want string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if want != "" {
		if got, err := fileSum(p); err == nil {
			if got != want {
				return fmt.Errorf("restore: %s exists with other content; restore into an empty data directory", p)
			}
			return nil
		}
	}
	tmp := p + ".restoring"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("restore: write %s: %w", p, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("restore: write %s: %w", p, err)
	}
	if want != "" {
		if got, err := fileSum(tmp); err != nil || got != want {
			os.Remove(tmp)
			return fmt.Errorf("restore: %s does not match its checksum in the manifest; the backup is damaged", p)
		}
	}
	return os.Rename(tmp, p)
}

// load puts the database copy into the empty store at dsn.
func load(ctx context.Context, m *Manifest, dbFile, dsn string) error {
	pg := strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
	if pg != (m.Dialect == "postgres") {
		return fmt.Errorf("restore: the backup is of a %s database; restore it into the same kind (--db)", m.Dialect)
	}
	if !pg {
		target := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
		if i := strings.IndexByte(target, '?'); i >= 0 {
			target = target[:i]
		}
		if _, err := os.Stat(target); !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("restore: %s exists; restore into a new file (the store must be empty)", target)
		}
		in, err := os.Open(dbFile)
		if err != nil {
			return err
		}
		defer in.Close()
		return writeFile(target, in, "")
	}
	p, err := sqlkit.Open(ctx, dsn, sqlkit.Options{Name: "restore"})
	if err != nil {
		return fmt.Errorf("restore: open the database: %w", err)
	}
	var n int
	err = p.W.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&n)
	p.Close()
	if err != nil {
		return fmt.Errorf("restore: read the database: %w", err)
	}
	if n > 0 {
		return fmt.Errorf("restore: the database holds %d tables; restore into an empty database", n)
	}
	out, err := exec.CommandContext(ctx, "pg_restore", "--no-owner", "--exit-on-error", "--dbname="+dsn, dbFile).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restore: pg_restore: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return nil
}

// verify counts the restored tables against the manifest, verifies the
// audit chain and reads back random photos.
func verify(ctx context.Context, m *Manifest, o RestoreOptions) (*Report, error) {
	rep := &Report{Manifest: m}
	p, err := sqlkit.Open(ctx, o.DSN, sqlkit.Options{Name: "restore"})
	if err != nil {
		return nil, fmt.Errorf("restore: open the restored database: %w", err)
	}
	defer p.Close()
	list := `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`
	if p.Postgres {
		list = postgresTables
	}
	got, err := countTables(ctx, p.R, list)
	if err != nil {
		return nil, err
	}
	for t, n := range m.Tables {
		rep.Tables = append(rep.Tables, TableCount{Table: t, Backup: n, Stored: got[t]})
		if got[t] != n {
			rep.Problems = append(rep.Problems, fmt.Sprintf("table %s: %d rows restored, %d in the backup", t, got[t], n))
		}
	}
	sortTables(rep.Tables)
	if err := checkPhotos(ctx, p.R, o, rep); err != nil {
		return nil, err
	}
	if o.Keys != nil {
		st, err := sqlstore.Open(ctx, o.DSN)
		if err != nil {
			return nil, fmt.Errorf("restore: open the restored store: %w", err)
		}
		defer st.Close()
		st.SetKeyring(o.Keys) // the chain's HMACs are checked with the store's keyring
		v, err := auditlog.Verify(ctx, st, o.Keys, filepath.Join(o.DataDir, Checkpoints))
		if err != nil {
			return nil, fmt.Errorf("restore: verify the audit chain: %w", err)
		}
		rep.Audit = &v
		if v.Broken() {
			why := "a checkpoint line does not authenticate"
			if v.Break != nil {
				why = fmt.Sprintf("record %d: %s", v.Break.Seq, v.Break.Reason)
			}
			rep.Problems = append(rep.Problems, "the audit chain does not verify (wrong keys, or a damaged backup): "+why)
		}
	}
	return rep, nil
}

// checkPhotos reads back photos the restored store cites, picked at random,
// and checks each against its content id.
func checkPhotos(ctx context.Context, db *sql.DB, o RestoreOptions, rep *Report) error {
	rows, err := db.QueryContext(ctx, `SELECT id FROM photos ORDER BY random() LIMIT $1`, o.Photos)
	if err != nil {
		return fmt.Errorf("restore: pick photos: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	dir, err := blob.NewDir(filepath.Join(o.DataDir, "photos"))
	if err != nil {
		return err
	}
	for _, id := range ids {
		rc, err := dir.Open(ctx, id)
		if err != nil {
			rep.Problems = append(rep.Problems, "photo "+id+" is missing")
			continue
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil || blob.ID(data) != id {
			rep.Problems = append(rep.Problems, "photo "+id+" does not match its content id")
			continue
		}
		rep.PhotosChecked++
	}
	return nil
}

// ExistingKeys is the keyring a restore verifies with: spec (the
// CITYLOOP_PII_KEYS value) or dataDir/pii.keys when it exists, else nil.
// Unlike a serving node it never makes a new key, which could verify
// nothing.
func ExistingKeys(spec, dataDir string) (*pii.Keyring, error) {
	path := filepath.Join(dataDir, "pii.keys")
	if spec == "" {
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
	}
	k, _, err := pii.LoadKeyring(spec, path)
	return k, err
}
