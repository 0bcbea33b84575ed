package app

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"cityloop/internal/store/sqlstore"
)

// TestCrash_AcknowledgedCasesSurviveSIGKILL starts the real binary, has 64
// clients report cases concurrently (the load of issue 14's intake
// benchmark, so group commit batches many cases per transaction), kills
// the server with SIGKILL in the middle, restarts it, and checks that every
// case answered 201 is there: on SQLite, and on PostgreSQL when
// CITYLOOP_TEST_POSTGRES_URL is set.
func TestCrash_AcknowledgedCasesSurviveSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary; skipped with -short")
	}
	bin := buildBinary(t, t.TempDir())
	t.Run("sqlite", func(t *testing.T) {
		dir := t.TempDir()
		crashIntake(t, bin, dir, "sqlite:"+filepath.Join(dir, "crash.db"))
	})
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv("CITYLOOP_TEST_POSTGRES_URL")
		if url == "" {
			t.Skip("CITYLOOP_TEST_POSTGRES_URL is not set")
		}
		crashIntake(t, bin, t.TempDir(), freshPostgres(t, url))
	})
}

func crashIntake(t *testing.T, bin, dir, db string) {
	geo := filepath.Join(dir, "city.geojson")
	if err := os.WriteFile(geo, fixtureCity(), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "import", "regions", geo, "--db", db, "--data", dir).CombinedOutput(); err != nil {
		t.Fatalf("import: %v\n%s", err, out)
	}

	start := func() (*exec.Cmd, string) {
		return startBinary(t, bin, "serve", "--addr", "127.0.0.1:0", "--db", db, "--data", dir, "--demo=false", "--quiet", "--public-rate", "0")
	}
	srv, base := start()

	var mu sync.Mutex
	var acked []string
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	const clients = 64
	began := time.Now()
	for w := 0; w < clients; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 1))
			hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			for ctx.Err() == nil {
				body, _ := json.Marshal(map[string]any{"description": fmt.Sprintf("市民上报 %d", w), "category": "event:0102",
					"lng": 118.70 + r.Float64()*0.0999, "lat": 32.00 + r.Float64()*0.0999})
				res, err := hc.Post(base+"/api/v1/cases", "application/json", bytes.NewReader(body))
				if err != nil {
					continue // the server died under us: not acknowledged
				}
				var out struct{ ID string }
				err = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if res.StatusCode == 201 && err == nil {
					mu.Lock()
					acked = append(acked, out.ID)
					mu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.Wait()
	ran := time.Since(began)
	time.Sleep(200 * time.Millisecond)
	stop()
	wg.Wait()
	if len(acked) < 50 {
		t.Fatalf("only %d cases acknowledged before the kill; the test proves nothing", len(acked))
	}

	srv2, base2 := start()
	defer func() { _ = srv2.Process.Kill(); _ = srv2.Wait() }()
	if res, err := http.Get(base2 + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("restart failed: %v", err)
	}
	store, err := sqlstore.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	missing := 0
	for _, id := range acked {
		if _, err := store.FindCaseByID(context.Background(), id); err != nil {
			missing++
			if missing < 5 {
				t.Errorf("acknowledged case %s lost: %v", id, err)
			}
		}
	}
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged cases lost", missing, len(acked))
	}
	t.Logf("%d acknowledged cases (%.0f/s from %d clients) all survived SIGKILL", len(acked), float64(len(acked))/ran.Seconds(), clients)
}

// buildBinary builds cmd/cityloop into dir.
func buildBinary(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "cityloop")
	build := exec.Command("go", "build", "-o", bin, "cityloop/cmd/cityloop")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// startBinary starts bin with args (a serve command) and returns it with
// the base URL it prints once it listens.
func startBinary(t *testing.T, bin string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if i := strings.Index(sc.Text(), "http://"); i >= 0 {
			addr := strings.Fields(sc.Text()[i:])[0]
			go func() {
				for sc.Scan() {
				}
			}()
			return cmd, addr
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	t.Fatal("server did not print its address")
	return nil, ""
}
