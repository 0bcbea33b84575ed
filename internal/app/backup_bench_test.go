package app

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"cityloop/internal/backup"
)

// BenchmarkBackup_DemoCity backs up the demo city at its real size
// (100,000 cases, SQLite) while the node is open, beside the floor: a bare
// copy of the database file and its WAL, which is neither
// consistent under writes nor holds the photos. It prints a table with the
// time, the size and the ratio to the floor.
//
//	go test -run '^$' -bench BenchmarkBackup_DemoCity -benchtime 3x ./internal/app/
func BenchmarkBackup_DemoCity(b *testing.B) {
	a := demoCityApp(b, 100_000)
	ctx := context.Background()
	file := strings.TrimPrefix(a.Cfg.DB, "sqlite:")
	out := b.TempDir()
	var floor, full time.Duration
	var floorSize, fullSize int64
	b.Run("floor-file-copy", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			start := time.Now()
			n, err := copyFile(file, filepath.Join(out, fmt.Sprintf("copy-%d.db", i)))
			if err != nil {
				b.Fatal(err)
			}
			w, err := copyFile(file+"-wal", filepath.Join(out, fmt.Sprintf("copy-%d.db-wal", i)))
			if err != nil && !os.IsNotExist(err) {
				b.Fatal(err)
			}
			floor, floorSize = time.Since(start), n+w
		}
	})
	b.Run("backup", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			p := filepath.Join(out, fmt.Sprintf("b-%d.backup", i))
			start := time.Now()
			if _, err := backup.Run(ctx, backup.Options{DSN: a.Cfg.DB, DataDir: a.Cfg.DataDir, Out: p}); err != nil {
				b.Fatal(err)
			}
			full = time.Since(start)
			st, _ := os.Stat(p)
			fullSize = st.Size()
		}
	})
	if floor > 0 && full > 0 {
		fmt.Printf("\n%-22s %12s %14s\n", "demo city (100k cases)", "time (last)", "size (bytes)")
		fmt.Printf("%-22s %12s %14d\n", "floor: file copy", floor.Round(time.Millisecond), floorSize)
		fmt.Printf("%-22s %12s %14d\n", "cityloop backup", full.Round(time.Millisecond), fullSize)
		fmt.Printf("%-22s %11.1fx %13.2fx\n", "ratio", float64(full)/float64(floor), float64(fullSize)/float64(floorSize))
	}
}

func copyFile(from, to string) (int64, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if err != nil {
		out.Close()
		return n, err
	}
	return n, out.Close()
}
