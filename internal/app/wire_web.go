package app

import (
	"net/http"
	"path/filepath"

	"cityloop/internal/bigscreen"
	"cityloop/internal/web"
)

// wireWeb mounts the web console, field app and citizen portal; the console serves "/".
func wireWeb(a *App, mux *http.ServeMux) error {
	secret, err := web.LoadSecret(filepath.Join(a.Cfg.DataDir, "web.secret"))
	if err != nil {
		return err
	}
	s := &web.Server{
		Cases: a.Cases, Accounts: a.Store, ForgetTokens: a.api.ForgetTokens, Photos: a.Store, Blobs: a.Blobs,
		World: a.World, Cal: a.Cal, Now: a.Now, Log: a.Log, Secret: secret, SessionTTL: a.Cfg.TokenTTL,
		Throttle:   a.api.Throttle, // shared with the API's sign-in
		Auditor:    a.api.Auditor,
		Jobs:       a.jobs,  // the admin page lists the background jobs
		Facilities: a.Store, // the citizens' nearest-toilet page
		BaseMap: web.BaseMap{Preset: a.Cfg.BaseMap, Key: a.Cfg.BaseMapKey, URL: a.Cfg.TileURL, CRS: a.Cfg.BaseMapCRS, HTTPHosts: a.Cfg.BaseMapHTTPHosts,
			Roads: a.Cfg.Roads, RoadsCRS: a.Cfg.RoadsCRS, DemoRoads: a.Cfg.Demo},
		MaxPhoto: int64(a.Cfg.MaxPhotoMiB) << 20,
		Demo:     a.Cfg.Demo, NewID: NewID,
		API:       mux, // the assessment pages read the API in process, as the person
		BigScreen: &bigscreen.Service{Cases: a.Cases, Days: a.Store, Heat: a.api.Analysis, Book: a.api.KPIs, Atlas: a.World.Atlas, Loc: a.Cal.Location(), Now: a.Now},
	}
	// The enforcement pages use the service wireEnforce (which runs first) gave the API.
	s.Enforcement, _ = a.api.Enforcement.(web.Enforcement)
	s.Inspections, _ = a.api.Inspections.(web.Inspections)
	a.api.Session = s.SessionActor                     // the field app's script uploads evidence and opens PDFs with it
	s.Evidence, _ = a.api.Evidence.(web.EvidenceVault) // the forms' photos go to the evidence vault
	s.SetOneTimeCodes(a.Store)                         // shared by every node, so any node checks a code
	s.SuggestTerms = a.Cfg.SuggestTerms
	// Blurring people needs a model this build lacks: the city may withhold instead.
	s.WithholdAfterPhotos = a.Cfg.CitizenAfterPhoto == "withhold"
	s.SetCodeSender(a.otpSender) // codes go out by SMS through the outbox (nil: no SMS configured)
	if a.sensing != nil {
		// The monitoring and parking pages read the live sensing state, which
		// one node holds: the gate runs them there (wireSensing ran first).
		ws := web.SensingService{Service: a.sensing}
		if a.mqttSub != nil {
			ws.Intake = a.mqttSub.Counters
		}
		s.Sensing, s.SensingGate = ws, a.sensingOwner.Gate
	}
	if err := s.Init(); err != nil {
		return err
	}
	a.Cases.Addresses = s.Addresses // the roads the base layer draws give every intake its address
	if !s.BundleBuilt() {
		a.Log.Warn("web: the front-end bundle is not built; pages work without maps and live updates until you run `make web`")
	}
	s.Routes(mux)
	if a.hubChanges != nil {
		a.Go(s.FollowHub(a.hubChanges)) // live updates from every node's changes
	}
	return nil
}
