package app

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"cityloop/internal/auth"
	"cityloop/internal/casework"
	"cityloop/internal/demo"
	"cityloop/internal/org"
)

// DemoInfo is what a demo generation wrote.
type DemoInfo struct {
	demo.Summary
}

// Print writes a short summary.
func (d *DemoInfo) Print(w io.Writer) {
	fmt.Fprintf(w, "Demo city: %d districts, %d streets, %d communities, %d unit grids, %d accounts, %d cases (%d timeline events) in %s\n",
		d.Districts, d.Streets, d.Communities, d.Grids, d.Accounts, d.Cases, d.Events, d.Duration.Round(100*time.Millisecond))
	var keys []string
	for st, n := range d.ByStatus {
		keys = append(keys, fmt.Sprintf("%s %d", casework.StatusNames[st][0], n))
	}
	sort.Strings(keys)
	fmt.Fprintf(w, "  by status: %s\n", strings.Join(keys, ", "))
}

// demoSink writes the demo city into the store and the photo directory.
type demoSink struct{ a *App }

func (s demoSink) ApplyImport(ctx context.Context, plan org.ImportPlan, at time.Time) error {
	return s.a.Store.ApplyImport(ctx, plan, at)
}

func (s demoSink) CreateAccount(ctx context.Context, acc *org.Account) error {
	return s.a.Store.CreateAccount(ctx, acc)
}

func (s demoSink) BulkCreateCases(ctx context.Context, cases []*casework.Case, events [][]casework.Event) error {
	return s.a.Store.BulkCreateCases(ctx, cases, events)
}

func (s demoSink) PutPhoto(ctx context.Context, data []byte) (string, error) {
	id, err := s.a.Blobs.Put(ctx, data)
	if err != nil {
		return "", err
	}
	return id, photoAdapter{s.a.Store}.RecordPhoto(ctx, id, "image/png", len(data), "demo", s.a.Now())
}

// GenerateDemo writes the deterministic demo city into the (empty) store and
// reloads the region tree. Progress goes to w as a bar.
func (a *App) GenerateDemo(ctx context.Context, cases int, seed int64, w io.Writer) (*DemoInfo, error) {
	hash, err := auth.HashPassword("demo", auth.DefaultParams())
	if err != nil {
		return nil, err
	}
	if cases == 0 {
		cases = -1 // demo treats 0 as "default"; here 0 means none
	}
	var bar *progressbar.ProgressBar
	if w != nil && cases > 0 {
		bar = progressbar.NewOptions(cases, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription("生成示范城市 demo city"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("cases"),
			progressbar.OptionThrottle(200*time.Millisecond), progressbar.OptionClearOnFinish())
	}
	sum, err := demo.Build(ctx, demoSink{a}, a.World.Dict(), a.Cal, demo.Options{
		Seed: seed, Cases: cases, Now: a.Now(), PasswordHash: hash,
		Progress: func(done, total int) {
			if bar != nil {
				_ = bar.Set(done)
			}
		},
	})
	if bar != nil {
		_ = bar.Finish()
	}
	if err != nil {
		return nil, err
	}
	if err := a.World.loadRegions(ctx); err != nil {
		return nil, err
	}
	// The demo also has an auditor, who reads the audit trail and nothing else.
	aud := &org.Account{ID: NewID(), Username: "auditor", Name: "审计员", PasswordHash: hash,
		Grants: []org.Grant{{Post: org.PostAuditor}}, CreatedAt: a.Now()}
	if err := a.Store.CreateAccount(ctx, aud); err != nil {
		return nil, fmt.Errorf("create demo auditor: %w", err)
	}
	sum.Accounts++
	for _, r := range sum.Rules {
		if _, err := a.World.PutRule(ctx, org.SystemActor, r); err != nil {
			return nil, fmt.Errorf("add demo routing rule %s: %w", r.ID, err)
		}
	}
	return &DemoInfo{Summary: sum}, nil
}

// DemoAccounts lists the demo's accounts as "username  post" lines, or
// nothing when the store does not hold the demo city.
func (a *App) DemoAccounts(ctx context.Context) []string {
	accs, err := a.Store.FindAccounts(ctx)
	if err != nil {
		return nil
	}
	var lines []string
	others, supervisors := 0, 0
	isDemo := false
	for _, acc := range accs {
		if acc.Username == "admin" || acc.Username == "operator" {
			isDemo = true
		}
		if strings.HasPrefix(acc.Username, "handler_") {
			others++
			continue
		}
		if strings.HasPrefix(acc.Username, "supervisor_") {
			supervisors++
			continue
		}
		var posts []string
		for _, g := range acc.Grants {
			p := org.PostNames[g.Post][0]
			if g.Department != "" {
				p += " · " + g.Department
			}
			if g.Region != "" {
				p += " · " + g.Region
			}
			posts = append(posts, p)
		}
		lines = append(lines, fmt.Sprintf("%-12s %s", acc.Username, strings.Join(posts, ", ")))
	}
	if !isDemo || !a.Cfg.Demo {
		return nil
	}
	sort.Strings(lines)
	if others > 0 {
		lines = append(lines, fmt.Sprintf("handler_<department>  处置单位 of each other department (%d accounts)", others))
	}
	if supervisors > 0 {
		lines = append(lines, fmt.Sprintf("supervisor_<street>   监督员 of each other street (%d accounts)", supervisors))
	}
	return lines
}
