package basemap

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"cityloop/internal/errs"
	"cityloop/internal/geo"
)

// Settings is the configuration of a city's base map.
type Settings struct {
	// Preset: "city" (the default: the vector layer from the city's own
	// data), "tianditu", "amap" or "xyz".
	Preset string
	Key    string // 天地图's tk
	// URL is the XYZ template ({z}, {x}, {y}, optional {s}) of "xyz"; a
	// URL with no preset means "xyz".
	URL string
	// HTTPHosts are the hosts (comma-separated) a tile URL may reach over
	// plain http, e.g. an intranet tile server; any other must be https.
	HTTPHosts string
	// CRS of an xyz server's tiles: wgs84 (the default) or gcj02.
	CRS string
	// Roads is the file of road centre-lines and address points drawn on
	// the vector layer and read for addresses, in RoadsCRS; without one
	// DemoRoads gives the demo city's (see [LoadRoads]).
	Roads, RoadsCRS string
	DemoRoads       bool
}

// Tile is one tile layer for Leaflet.
type Tile struct {
	URL         string `json:"url"`
	Subdomains  string `json:"subdomains,omitempty"`
	Attribution string `json:"attribution,omitempty"`
	MaxZoom     int    `json:"max_zoom"`
}

// Spec is what the pages draw: tile layers in a coordinate system, and
// whether to draw the city's vector layer (always under the data; alone
// when there are no tiles, as roads and outlines over the tiles otherwise).
type Spec struct {
	Preset string  `json:"preset"`
	CRS    geo.CRS `json:"crs"` // the tiles' system; the page shifts WGS-84 data to it
	Tiles  []Tile  `json:"tiles"`
	Vector bool    `json:"vector"`
}

const tiandituURL = "https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=%s"

// Resolve checks s and gives the spec the pages draw. Every tile URL must
// be https, or http to one of HTTPHosts, with {z}, {x} and {y}; no user
// name or password in it (it would reach every browser).
func Resolve(s Settings) (Spec, error) {
	preset := strings.ToLower(strings.TrimSpace(s.Preset))
	if preset == "" {
		preset = "city"
		if strings.TrimSpace(s.URL) != "" {
			preset = "xyz"
		}
	}
	var sp Spec
	switch preset {
	case "city":
		sp = Spec{Preset: preset, CRS: geo.WGS84, Tiles: []Tile{}, Vector: true}
	case "tianditu":
		key := strings.TrimSpace(s.Key)
		if key == "" || strings.ContainsAny(key, "&?#/ ") {
			return Spec{}, errs.Invalid("basemap tianditu needs its key: set basemap-key (CITYLOOP_BASEMAP_KEY) to the tk 天地图 issued for this site")
		}
		// 天地图 is CGCS2000, which differs from WGS-84 by centimetres: no shift.
		sp = Spec{Preset: preset, CRS: geo.WGS84, Tiles: []Tile{
			{URL: fmt.Sprintf(tiandituURL, "vec", "vec", url.QueryEscape(key)), Subdomains: "01234567", Attribution: "天地图", MaxZoom: 18},
			{URL: fmt.Sprintf(tiandituURL, "cva", "cva", url.QueryEscape(key)), Subdomains: "01234567", MaxZoom: 18},
		}}
	case "amap":
		// 高德's tiles are drawn in GCJ-02; the page moves every WGS-84
		// point onto them.
		sp = Spec{Preset: preset, CRS: geo.GCJ02, Tiles: []Tile{
			{URL: "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}", Subdomains: "1234", Attribution: "高德地图", MaxZoom: 18},
		}}
	case "xyz":
		crs, err := geo.ParseCRS(s.CRS)
		if err != nil || crs == geo.BD09 {
			return Spec{}, errs.Invalid("basemap-crs %q: an xyz server's tiles are wgs84 or gcj02", s.CRS)
		}
		sp = Spec{Preset: preset, CRS: crs, Tiles: []Tile{{URL: strings.TrimSpace(s.URL), Subdomains: "abc", MaxZoom: 19}}}
	default:
		return Spec{}, errs.Invalid("basemap %q is not a preset; use city, tianditu, amap or xyz", s.Preset)
	}
	hosts := splitHosts(s.HTTPHosts)
	for _, t := range sp.Tiles {
		if err := checkTileURL(t.URL, hosts); err != nil {
			return Spec{}, err
		}
	}
	return sp, nil
}

func splitHosts(s string) []string {
	var out []string
	for _, h := range strings.Split(s, ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			out = append(out, h)
		}
	}
	return out
}

// checkTileURL is the URL policy for templates the browser fetches: the
// server never does, so there is no address check (internal/egress is for
// the server's own requests), but the scheme, the placeholders and the
// absence of credentials are checked here, once, at start-up.
func checkTileURL(raw string, httpHosts []string) error {
	if raw == "" {
		return errs.Invalid("basemap xyz needs tile-url, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png")
	}
	for _, p := range []string{"{z}", "{x}", "{y}"} {
		if !strings.Contains(raw, p) {
			return errs.Invalid("tile URL %q has no %s; a template needs {z}, {x} and {y}", raw, p)
		}
	}
	u, err := url.Parse(sample(raw))
	if err != nil || u.Host == "" {
		return errs.Invalid("tile URL %q is not an absolute URL", raw)
	}
	if u.User != nil {
		return errs.Invalid("tile URL %q holds a user name or password; every browser would see it", raw)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !slices.Contains(httpHosts, strings.ToLower(u.Hostname())) {
			return errs.Invalid("tile URL %q is plain http to %s; use https, or list the host in basemap-http-hosts (an intranet tile server)", raw, u.Hostname())
		}
	default:
		return errs.Invalid("tile URL %q must be https (or http to a host in basemap-http-hosts)", raw)
	}
	return nil
}

// sample fills the placeholders so that the template parses as a URL.
func sample(t string) string {
	return strings.NewReplacer("{s}", "a", "{z}", "0", "{x}", "0", "{y}", "0", "{-y}", "0", "{r}", "").Replace(t)
}

// ImgSrc are the origins the page's Content-Security-Policy must allow
// images from: one per subdomain of each tile layer.
func (sp Spec) ImgSrc() []string {
	var out []string
	for _, t := range sp.Tiles {
		subs := []string{"a"}
		if strings.Contains(t.URL, "{s}") && t.Subdomains != "" {
			subs = strings.Split(t.Subdomains, "")
		}
		for _, s := range subs {
			u, err := url.Parse(sample(strings.ReplaceAll(t.URL, "{s}", s)))
			if err == nil && u.Host != "" {
				if o := u.Scheme + "://" + u.Host; !slices.Contains(out, o) {
					out = append(out, o)
				}
			}
		}
	}
	return out
}
