package app

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"

	"cityloop/internal/web"
)

// wireWeb mounts the web console, field app and citizen portal, and serves "/".
func wireWeb(a *App, mux *http.ServeMux) error {
	secret, err := webSecret(filepath.Join(a.Cfg.DataDir, "web.secret"))
	if err != nil {
		return err
	}
	s := &web.Server{
		Cases: a.Cases, Accounts: webAccounts{a.Store, a.api}, Photos: a.Store, Blobs: a.Blobs,
		World: a.World, Cal: a.Cal, Now: a.Now, Log: a.Log, Secret: secret, SessionTTL: a.Cfg.TokenTTL,
		Throttle: a.api.Throttle, // shared with the API's sign-in
		Auditor:  a.api.Auditor,
		Jobs:     a.jobs, // the admin page lists the background jobs
		// Facilities answers the citizens' nearest-toilet page.
		Facilities: a.Store,
		// A city's own tile server, e.g. https://tiles.example.org/{z}/{x}/{y}.png;
		// without one the maps draw the grid polygons on a blank background.
		TileURL:  a.Cfg.TileURL,
		MaxPhoto: int64(a.Cfg.MaxPhotoMiB) << 20,
		Demo:     a.Cfg.Demo,
	}
	s.SetOneTimeCodes(a.Store) // shared by every node, so any node checks a code
	if a.sensing != nil {
		// The monitoring and parking pages read the live sensing state, which
		// one node holds: the gate runs them there (wireSensing ran first).
		s.Sensing = webSensing{Service: a.sensing, sub: a.mqttSub}
		s.SensingGate = a.sensingOwner.Gate
	}
	if err := s.Init(); err != nil {
		return err
	}
	if !s.BundleBuilt() {
		a.Log.Warn("web: the front-end bundle is not built; pages work without maps and live updates until you run `make web`")
	}
	s.Routes(mux)
	wireLiveFeed(a, s)
	a.hasHome = true
	return nil
}

// webSecret reads the key for CSRF tokens and tracking keys, creating a
// random one on first start. Several nodes must share it (put the data
// directory's web.secret on each).
func webSecret(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err == nil && len(b) >= 32 {
		return b, nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("read web secret: %w", err)
	}
	b = make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("make web secret: %w", err)
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("write web secret: %w", err)
	}
	return b, nil
}
