package app

import (
	"cityloop/internal/inspect"
	inspremind "cityloop/internal/inspect/remind"
	"cityloop/internal/store/inspectstore"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"time"

	demoseed "cityloop/internal/demo/seed"
	"cityloop/internal/enforce"
	"cityloop/internal/enforce/document"
	"cityloop/internal/enforce/loop"
	"cityloop/internal/evidence"
	"cityloop/internal/evidence/vault"
	"cityloop/internal/store/enforcestore"
	"cityloop/internal/store/evidencestore"
)

// wireEnforce adds mobile enforcement (移动执法): its store (own tables on
// the node's database, parties sealed with the node's keyring), the
// service linked to the loop, the /api/v1/enforcement routes, the sweep of
// legal clocks on the jobs runner, the evidence of its cases, random
// inspections (双随机一公开) with their reminder job, and, on a new demo city,
// its enforcers, penalty cases (one per 250 loop cases) and inspection plans.
func wireEnforce(a *App, _ *http.ServeMux) error {
	db, err := openStore(a, "enforcement", enforcestore.Open)
	if err != nil {
		return err
	}
	svc, err := enforce.NewService(db, loop.Adapter{Cases: a.Cases, Now: a.Now}, a.World.Atlas, a.Cal,
		func() time.Time { return a.Now().UTC() }, NewID)
	if err != nil {
		return err
	}
	a.api.Enforcement = svc
	desk := document.OpenDesk(os.Getenv(document.FontEnv), document.Desk{Cases: svc, Numbers: db,
		Bureau: a.Cfg.BureauName, Short: a.Cfg.BureauShort, Atlas: a.World.Atlas, Policy: svc.Policy, Now: a.Now})
	a.api.EnforcementDocuments, svc.Numbers = desk, desk // a decision takes its 文号 as it is issued
	a.resealers = append(a.resealers, resealer{"penalty-case parties (names, ID numbers, phones, addresses)", db.ResealParties},
		resealer{"places registered for camera reminders (names, phones, e-mail)", db.ResealPlaces})

	// The full-process record (全过程记录): evidence files under DATA/evidence
	// (tus uploads; shared storage with several nodes), each upload and read
	// checked against the penalty case's jurisdiction, and the hourly purge
	// of unfinished uploads idle for a week.
	edb, err := openStore(a, "evidence", evidencestore.Open)
	if err != nil {
		return err
	}
	svc.Exhibits = edb // records of evidence kinds count only with their files in the vault
	evs := &evidence.Service{Store: edb, Access: svc, Now: a.Now}
	v, err := vault.New(vault.Config{Dir: filepath.Join(a.Cfg.DataDir, "evidence"), BasePath: "/api/v1/enforcement/evidence-uploads/",
		Limits: evidence.LimitsMiB(a.Cfg.EvidenceMaxMiB, a.Cfg.EvidencePhotoMiB), Loc: a.Cal.Location(), NewID: NewID, Log: a.Log, Keys: a.keys}, evs)
	if err != nil {
		return err
	}
	a.api.Evidence, a.api.EvidenceUploads = v, v.Uploads()
	// 双随机一公开: random inspections on their own store.
	st, err := openStore(a, "inspections", inspectstore.Open)
	if err != nil {
		return err
	}
	a.resealers = append(a.resealers, resealer{"random-inspection values (contacts, phones, conflict reasons, unrevealed seeds)", st.ResealPII})
	insp := &inspect.Service{Store: st, Cal: a.Cal, Now: a.Now, NewID: NewID}
	a.api.Inspections = insp
	// Overdue inspection results: a text to each drawn inspector, through the outbox.
	rs := &inspremind.Sender{Plans: st, Outbox: inspremind.Later(func() any { return a.api.Outbox }), Now: a.Now, Loc: a.Cal.Location(), Log: a.Log}
	if err := a.schedule("enforcement", svc.ClocksJob(a.Cfg.SweepEvery), v.PurgeJob(a.Now), insp.RemindJob(rs.Remind, a.Log)); err != nil {
		return err
	}
	if a.DemoSummary == nil {
		return nil
	}
	return demoseed.MobileEnforcementOnDemo(context.Background(), a.Store, db, insp, a.World.Atlas(), a.Cal, svc.Books[0], svc.Policy, v, a.Cfg.DemoSeed, a.Cfg.DemoCases, a.Now().UTC())
}
