package web

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"

	"cityloop/internal/address"
	"cityloop/internal/basemap"
	"cityloop/internal/org"
)

// BaseMap is the base map's settings (the preset, its tiles, the roads file).
type BaseMap = basemap.Settings

// baseMap is the resolved base map: its spec for the pages, the
// Content-Security-Policy that lets its tiles load, and the city's vector
// layer, encoded once per atlas (a region import makes a new atlas).
type baseMap struct {
	spec  string
	csp   string
	roads *address.Index

	mu    sync.Mutex
	atlas *org.Atlas
	layer []byte
}

func (b *baseMap) init(set basemap.Settings) error {
	sp, err := basemap.Resolve(set)
	if err != nil {
		return err
	}
	js, err := json.Marshal(sp)
	if err != nil {
		return err
	}
	b.spec = string(js)
	if b.roads, err = basemap.LoadRoads(set.Roads, set.RoadsCRS, set.DemoRoads); err != nil {
		return err
	}
	if src := sp.ImgSrc(); len(src) > 0 {
		b.csp = "default-src 'self'; img-src 'self' data: blob: " + strings.Join(src, " ") + "; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
	}
	return nil
}

// handleBaseLayer serves the city's vector base layer (public data: the
// outlines and road names anyone sees on a map).
func (s *Server) handleBaseLayer(w http.ResponseWriter, r *http.Request) error {
	at := s.World.Atlas()
	var roads *address.Index
	if s.Cases != nil && s.Cases.Addresses != nil {
		roads = s.Cases.Addresses()
	}
	s.base.mu.Lock()
	layer := s.base.layer
	if s.base.atlas != at || layer == nil {
		var err error
		if layer, err = basemap.Layer(at, roads); err != nil {
			s.base.mu.Unlock()
			return err
		}
		s.base.atlas, s.base.layer = at, layer
	}
	s.base.mu.Unlock()
	w.Header().Set("Content-Type", "application/geo+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write(layer)
	return err
}

// Addresses is the roads index loaded by Init, for casework.Service's
// Addresses: the layer's roads and the intake's addresses are one source.
func (s *Server) Addresses() *address.Index { return s.base.roads }
