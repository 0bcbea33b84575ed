package demo

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	sqlstore "cityloop/internal/demo/zztmpstore"
	"cityloop/internal/org"
)

type sqlSink struct {
	*sqlstore.DB
	m Memory
}

func (s *sqlSink) ApplyImport(ctx context.Context, p org.ImportPlan, at time.Time) error {
	t0 := time.Now()
	err := s.DB.ApplyImport(ctx, p, at)
	println("import", time.Since(t0).String())
	return err
}

func (s *sqlSink) PutPhoto(ctx context.Context, data []byte) (string, error) {
	return s.m.PutPhoto(ctx, data)
}

func TestE2ETmp(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DEMO_E2E"))
	if n == 0 {
		t.Skip()
	}
	dir := t.TempDir()
	if d := os.Getenv("DEMO_DIR"); d != "" {
		dir = d
	}
	begin := time.Now()
	db, err := sqlstore.Open(context.Background(), "sqlite:"+filepath.Join(dir, "demo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	dict, cal := mustEnv(t)
	sum, err := Build(context.Background(), &sqlSink{DB: db}, dict, cal, Options{Seed: 1, Cases: n, Now: time.Now(), PasswordHash: "x",
		Progress: func(d, tot int) {
			t.Logf("%d/%d %s", d, tot, time.Since(begin))
		}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v total %s", sum, time.Since(begin))
}

func TestBigTmp(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("DEMO_BIG"))
	if n == 0 {
		t.Skip()
	}
	dict, cal := mustEnv(t)
	s := &countSink{}
	sum, err := Build(context.Background(), s, dict, cal, Options{Seed: 1, Cases: n, Now: testNow, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d cases %d events %s", sum.Cases, sum.Events, sum.Duration)
}
