package app

import (
	"net/http"

	"cityloop/internal/backup"
	"cityloop/internal/metrics"
	"cityloop/internal/probe"
)

// wireOps adds operations: /readyz's checks beside the database write
// (package probe), /metrics (package metrics), whose HTTP figures come
// from wrapping the mux (buildHandler applies a.observe), and the
// scheduled backup with --backup-dir (package backup).
func wireOps(a *App, _ *http.ServeMux) error {
	pp := probe.Parts{Migrations: a.Store.MigrationsPending, Jobs: a.jobs.Alive, Now: a.Now}
	mp := metrics.Parts{Census: a.Store.Census, Hub: a.hubChanges, Authenticate: a.api.Authenticate,
		Token: a.Cfg.MetricsToken, Addr: a.Cfg.MetricsAddr, Now: a.Now, Log: a.Log}
	if a.mqttSub != nil {
		pp.Broker, mp.MQTT = a.mqttSub.Connected, a.mqttSub.Counters
	}
	a.api.ReadyChecks = append(a.api.ReadyChecks, probe.Checks(pp)...)
	m := metrics.Wire(mp)
	a.jobs.OnFinish, a.api.Metrics, a.observe = m.ObserveJob, m.Handler, m.Instrument
	if m.Serve != nil {
		a.Go(m.Serve)
	}
	if c := a.Cfg; c.BackupDir != "" {
		return a.schedule("backup", backup.Schedule{DSN: c.DB, DataDir: c.DataDir, Dir: c.BackupDir, Every: c.BackupEvery, Keep: c.BackupKeep, Now: a.Now, Log: a.Log}.Job())
	}
	return nil
}
