package config

import (
	"flag"
	"fmt"
	"io"
	"net"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"cityloop/internal/egress"
)

// Config is every setting of a node.
type Config struct {
	Addr        string        // HTTP listen address
	Advertise   string        // base URL other nodes reach this one at (default http://ADDR)
	PublicURL   string        // base URL the public reaches the city at, for links in feeds (default http://ADDR)
	DB          string        // sqlite:FILE or postgres://…
	DataDir     string        // photos and the default SQLite file
	Demo        bool          // generate the demo city on an empty store
	DemoCases   int           // cases in the generated demo
	DemoSeed    int64         // seed of the demo
	TokenTTL    time.Duration // bearer token lifetime
	SweepEvery  time.Duration // how often the overdue sweep runs
	MaxPhotoMiB int           // largest photo upload
	PIIKeys     string        // "id:BASE64KEY,…" AES-256 keys for personal data; first is current
	RetainDays  int           // personal data of closed cases is erased after this many days (0 = keep)
	PublicRate  int           // anonymous writes per minute per client address (0 = unlimited)
	LogLevel    string        // debug, info, warn, error
	Quiet       bool          // log only errors per request

	// Sensors over MQTT (see internal/ingest/mqtt); no address, no MQTT.
	MQTTAddr          string        // broker host:port or mqtt://host:port
	MQTTClientID      string        // one id for every node: the session moves with the sensing service
	MQTTGroup         string        // shared-subscription group ("" = one plain session)
	MQTTUsername      string        // broker credentials
	MQTTPassword      string        //
	MQTTSessionExpiry time.Duration // how long the broker queues for us while no node is connected

	TileURL string // map tile URL template for the web pages ("" = the built-in default)
	// The base map (internal/basemap): a preset (city, tianditu, amap,
	// xyz), 天地图's key, an xyz server's crs and the hosts its tiles may
	// come from over plain http.
	BaseMap, BaseMapKey, BaseMapCRS, BaseMapHTTPHosts string
	// Roads is a CSV or GeoJSON file of road centre-lines and address
	// points, in RoadsCRS, for reverse geocoding ("" = the demo's roads or none).
	Roads, RoadsCRS string
	KPIBook         string // a city's indicator book (JSON, see internal/kpi); "" = the shipped one
	// AssessmentSchemes is a city's assessment schemes (JSON, see
	// internal/assess/schemes.json); "" = the shipped ones.
	AssessmentSchemes string
	// SuggestTerms is a city's category suggestion terms (JSON, see
	// internal/suggest); "" = the shipped ones.
	SuggestTerms string

	// EgressAllow lets webhooks and the 12345 hotline reach addresses that
	// are otherwise refused (private, loopback, link-local…): CIDR prefixes,
	// addresses, HOST:PORT entries or "loopback" (see internal/egress).
	EgressAllow string

	// Evidence of enforcement (internal/evidence): the largest upload, a
	// body-camera video, and the largest photo (decoded in memory to strip
	// its EXIF); audio and documents have their own smaller limits.
	EvidenceMaxMiB   int
	EvidencePhotoMiB int
	// Outbound notifications (internal/outbox): e-mail over SMTP and SMS
	// through a gateway's signed webhook. A channel whose settings are
	// empty sends nothing; its messages stay queued and GET /api/v1/outbox
	// says why.
	SMTPHost         string // mail server; "" = no e-mail
	SMTPPort         int    // 587 (STARTTLS), 25, or 465 (TLS from the start)
	SMTPUsername     string // "" = no authentication
	SMTPPassword     string //
	SMTPFrom         string // sender, e.g. "智慧城管 <noreply@example.gov.cn>"
	SMSWebhookURL    string // the SMS gateway's URL; "" = no SMS (it must pass the egress policy)
	SMSWebhookSecret string // HMAC-SHA256 key shared with the gateway, at least 32 characters
	// Analysis (internal/analysis): the year the plan's targets are
	// measured against (0 = the year before the period) and residents per
	// region code for heat per 1,000 residents ("CODE=N,…").
	AnalysisBaselineYear int
	AnalysisPopulation   string

	// The enforcement bureau as its documents name it (执法文书): the full
	// name under the seal and the abbreviation that starts every 文号
	// (示范城管罚决字〔2026〕第0001号).
	BureauName  string
	BureauShort string

	// CitizenAfterPhoto is what the citizen's tracking page does with the
	// disposal (after) photos: "show" them, or "withhold" them when the
	// city will not publish people's faces. Blurring people needs a
	// detection model this build does not ship, so there is no "blur".
	CitizenAfterPhoto string
	// Operations (internal/metrics, internal/backup): who may scrape
	// /metrics besides an administrator's bearer token, a separate listen
	// address that serves only /metrics, and the scheduled backup.
	MetricsToken string        // bearer token of the scraper ("" = administrators only)
	MetricsAddr  string        // HOST:PORT serving /metrics without a token ("" = none)
	BackupDir    string        // directory of scheduled backups ("" = no scheduled backup)
	BackupEvery  time.Duration // how often the scheduled backup runs
	BackupKeep   int           // how many scheduled backups to keep
	// GridGapM is how far, in metres, a reported point that lies in no
	// grid (a sliver between grids of an imported boundary file) may be
	// from the nearest grid and still go to it; 0 refuses such points.
	GridGapM int
}

// Default is what `cityloop serve` with no flags uses.
func Default() Config {
	return Config{
		Addr: "127.0.0.1:8080", DataDir: "data", Demo: true, DemoCases: 100_000, DemoSeed: 1,
		TokenTTL: 12 * time.Hour, SweepEvery: 30 * time.Second, MaxPhotoMiB: 10, LogLevel: "info", RetainDays: 730, PublicRate: 60,
		MQTTClientID: "cityloop-sensing", MQTTSessionExpiry: time.Hour, SMTPPort: 587,
		EvidenceMaxMiB: 2048, EvidencePhotoMiB: 30,
		BureauName: "示范市城市管理综合行政执法局", BureauShort: "示范城管",
		CitizenAfterPhoto: "show",
		BackupEvery:       24 * time.Hour, BackupKeep: 7,
		GridGapM: 30,
	}
}

type setting struct {
	name, env, usage string
	secret           bool // printed masked (a password inside a URL, key material)
	get              func(c *Config) string
	set              func(c *Config, v string) error
}

func settings() []setting {
	return []setting{
		{"addr", "CITYLOOP_ADDR", "HTTP listen address HOST:PORT", false,
			func(c *Config) string { return c.Addr }, func(c *Config, v string) error { c.Addr = v; return nil }},
		{"advertise", "CITYLOOP_ADVERTISE", "base URL at which other nodes reach this one, e.g. http://10.0.0.5:8080 (default http://ADDR); with several nodes, sensing requests go to the node that holds the sensing service", false,
			func(c *Config) string { return c.Advertise }, func(c *Config, v string) error { c.Advertise = v; return nil }},
		{"public-url", "CITYLOOP_PUBLIC_URL", "base URL the public reaches this city's platform at, e.g. https://cityloop.example.gov.cn; links in Open311 (media_url, discovery) use it, never the request's Host header (default http://ADDR)", false,
			func(c *Config) string { return c.PublicURL }, func(c *Config, v string) error { c.PublicURL = v; return nil }},
		{"db", "CITYLOOP_DB", "database: sqlite:FILE or postgres://user@host/db (default sqlite:DATA/cityloop.db)", true,
			func(c *Config) string { return c.DB }, func(c *Config, v string) error { c.DB = v; return nil }},
		{"data", "CITYLOOP_DATA", "directory for photos and the default SQLite file", false,
			func(c *Config) string { return c.DataDir }, func(c *Config, v string) error { c.DataDir = v; return nil }},
		{"demo", "CITYLOOP_DEMO", "generate the demo city when the store is empty", false,
			func(c *Config) string { return strconv.FormatBool(c.Demo) }, func(c *Config, v string) error { return parseBool(v, &c.Demo) }},
		{"demo-cases", "CITYLOOP_DEMO_CASES", "number of cases in a generated demo city", false,
			func(c *Config) string { return strconv.Itoa(c.DemoCases) }, func(c *Config, v string) error { return parseInt(v, &c.DemoCases) }},
		{"demo-seed", "CITYLOOP_DEMO_SEED", "seed of the generated demo city", false,
			func(c *Config) string { return strconv.FormatInt(c.DemoSeed, 10) },
			func(c *Config, v string) error {
				n, err := strconv.ParseInt(v, 10, 64)
				c.DemoSeed = n
				return err
			}},
		{"token-ttl", "CITYLOOP_TOKEN_TTL", "lifetime of API bearer tokens", false,
			func(c *Config) string { return c.TokenTTL.String() }, func(c *Config, v string) error { return parseDur(v, &c.TokenTTL) }},
		{"sweep-every", "CITYLOOP_SWEEP_EVERY", "how often overdue cases are marked and escalated", false,
			func(c *Config) string { return c.SweepEvery.String() }, func(c *Config, v string) error { return parseDur(v, &c.SweepEvery) }},
		{"max-photo-mib", "CITYLOOP_MAX_PHOTO_MIB", "largest photo upload in MiB", false,
			func(c *Config) string { return strconv.Itoa(c.MaxPhotoMiB) }, func(c *Config, v string) error { return parseInt(v, &c.MaxPhotoMiB) }},
		{"pii-keys", "CITYLOOP_PII_KEYS", "AES-256 keys for reporters' names and phones, \"id:BASE64,…\", first is current (default: DATA/pii.keys, created on first start)", true,
			func(c *Config) string { return c.PIIKeys }, func(c *Config, v string) error { c.PIIKeys = v; return nil }},
		{"retain-days", "CITYLOOP_RETAIN_DAYS", "erase reporters' names and phones of closed cases after this many days (0 keeps them)", false,
			func(c *Config) string { return strconv.Itoa(c.RetainDays) }, func(c *Config, v string) error { return parseInt(v, &c.RetainDays) }},
		{"public-rate", "CITYLOOP_PUBLIC_RATE", "anonymous writes (citizen reports, sign-ins, uploads) allowed per minute per address; 0 = no limit", false,
			func(c *Config) string { return strconv.Itoa(c.PublicRate) }, func(c *Config, v string) error { return parseInt(v, &c.PublicRate) }},
		{"log-level", "CITYLOOP_LOG_LEVEL", "debug, info, warn or error", false,
			func(c *Config) string { return c.LogLevel }, func(c *Config, v string) error { c.LogLevel = v; return nil }},
		{"quiet", "CITYLOOP_QUIET", "log only failed requests", false,
			func(c *Config) string { return strconv.FormatBool(c.Quiet) }, func(c *Config, v string) error { return parseBool(v, &c.Quiet) }},
		{"mqtt-addr", "CITYLOOP_MQTT_ADDR", "MQTT broker for sensor telemetry, HOST:PORT or mqtt://HOST:PORT (empty: no MQTT, devices post over HTTP)", false,
			func(c *Config) string { return c.MQTTAddr }, func(c *Config, v string) error { c.MQTTAddr = v; return nil }},
		{"mqtt-client-id", "CITYLOOP_MQTT_CLIENT_ID", "MQTT client id; give every node the same one, so the broker's session moves with the sensing service", false,
			func(c *Config) string { return c.MQTTClientID }, func(c *Config, v string) error { c.MQTTClientID = v; return nil }},
		{"mqtt-group", "CITYLOOP_MQTT_GROUP", "shared-subscription group over four sessions (for EMQX; empty: one plain persistent session, right for Mosquitto)", false,
			func(c *Config) string { return c.MQTTGroup }, func(c *Config, v string) error { c.MQTTGroup = v; return nil }},
		{"mqtt-username", "CITYLOOP_MQTT_USERNAME", "MQTT user name", false,
			func(c *Config) string { return c.MQTTUsername }, func(c *Config, v string) error { c.MQTTUsername = v; return nil }},
		{"mqtt-password", "CITYLOOP_MQTT_PASSWORD", "MQTT password (prefer the environment variable to the flag)", true,
			func(c *Config) string { return c.MQTTPassword }, func(c *Config, v string) error { c.MQTTPassword = v; return nil }},
		{"mqtt-session-expiry", "CITYLOOP_MQTT_SESSION_EXPIRY", "how long the broker keeps queueing readings while no node is connected", false,
			func(c *Config) string { return c.MQTTSessionExpiry.String() }, func(c *Config, v string) error { return parseDur(v, &c.MQTTSessionExpiry) }},
		{"tile-url", "CITYLOOP_TILE_URL", "map tile URL template for the web pages, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png (empty: the built-in default)", false,
			func(c *Config) string { return c.TileURL }, func(c *Config, v string) error { c.TileURL = v; return nil }},
		{"basemap", "CITYLOOP_BASEMAP", "base map under every map: city (the default: districts, streets and named roads drawn from the city's own data, offline), tianditu (天地图, needs basemap-key), amap (高德, GCJ-02; points are shifted onto it) or xyz (tile-url)", false,
			func(c *Config) string { return c.BaseMap }, func(c *Config, v string) error { c.BaseMap = v; return nil }},
		{"basemap-key", "CITYLOOP_BASEMAP_KEY", "天地图's key (tk) for basemap tianditu; it is sent to every browser, as 天地图 requires", false,
			func(c *Config) string { return c.BaseMapKey }, func(c *Config, v string) error { c.BaseMapKey = v; return nil }},
		{"basemap-crs", "CITYLOOP_BASEMAP_CRS", "coordinate system of an xyz tile server: wgs84 (default) or gcj02", false,
			func(c *Config) string { return c.BaseMapCRS }, func(c *Config, v string) error { c.BaseMapCRS = v; return nil }},
		{"basemap-http-hosts", "CITYLOOP_BASEMAP_HTTP_HOSTS", "hosts a tile URL may reach over plain http, comma-separated (an intranet tile server); any other must be https", false,
			func(c *Config) string { return c.BaseMapHTTPHosts }, func(c *Config, v string) error { c.BaseMapHTTPHosts = v; return nil }},
		{"roads", "CITYLOOP_ROADS", "a CSV (road,number,lng,lat[,line]) or GeoJSON file of road centre-lines and address points for readable addresses (empty: the demo city's roads with --demo, else none)", false,
			func(c *Config) string { return c.Roads }, func(c *Config, v string) error { c.Roads = v; return nil }},
		{"roads-crs", "CITYLOOP_ROADS_CRS", "coordinate system of the roads file: wgs84 (default), gcj02 or bd09", false,
			func(c *Config) string { return c.RoadsCRS }, func(c *Config, v string) error { c.RoadsCRS = v; return nil }},
		{"kpi-book", "CITYLOOP_KPI_BOOK", "a JSON file with the city's indicator book (targets, formulas, versions; start from internal/kpi/defaults.json); empty: the shipped one", false,
			func(c *Config) string { return c.KPIBook }, func(c *Config, v string) error { c.KPIBook = v; return nil }},
		{"assessment-schemes", "CITYLOOP_ASSESSMENT_SCHEMES", "a JSON file with the city's assessment schemes (考核方案: weights, thresholds, deductions, double-counted channels, grades; start from internal/assess/schemes.json); checked against the indicator book at start; empty: the shipped ones", false,
			func(c *Config) string { return c.AssessmentSchemes }, func(c *Config, v string) error { c.AssessmentSchemes = v; return nil }},
		{"suggest-terms", "CITYLOOP_SUGGEST_TERMS", "a JSON file with the words that suggest a report's category (weights, variants, misspellings; start from internal/suggest/data/terms.json); empty: the shipped ones", false,
			func(c *Config) string { return c.SuggestTerms }, func(c *Config, v string) error { c.SuggestTerms = v; return nil }},
		{"egress-allow", "CITYLOOP_EGRESS_ALLOW", "private, loopback or other internal addresses that webhooks and the 12345 hotline may reach, e.g. \"10.20.0.0/16,hotline.gov.internal:8443\" or \"loopback\" (empty: public addresses only)", false,
			func(c *Config) string { return c.EgressAllow }, func(c *Config, v string) error { c.EgressAllow = v; return nil }},
		{"evidence-max-mib", "CITYLOOP_EVIDENCE_MAX_MIB", "largest enforcement evidence upload in MiB (a body-camera video; tus resumable, sent in chunks of at most 64 MiB)", false,
			func(c *Config) string { return strconv.Itoa(c.EvidenceMaxMiB) }, func(c *Config, v string) error { return parseInt(v, &c.EvidenceMaxMiB) }},
		{"evidence-photo-mib", "CITYLOOP_EVIDENCE_PHOTO_MIB", "largest enforcement evidence photo in MiB", false,
			func(c *Config) string { return strconv.Itoa(c.EvidencePhotoMiB) }, func(c *Config, v string) error { return parseInt(v, &c.EvidencePhotoMiB) }},
		{"smtp-host", "CITYLOOP_SMTP_HOST", "mail server for outbound e-mail notifications (empty: e-mail stays queued)", false,
			func(c *Config) string { return c.SMTPHost }, func(c *Config, v string) error { c.SMTPHost = v; return nil }},
		{"smtp-port", "CITYLOOP_SMTP_PORT", "mail server port: 587 (STARTTLS), 25, or 465 (TLS from the start)", false,
			func(c *Config) string { return strconv.Itoa(c.SMTPPort) }, func(c *Config, v string) error { return parseInt(v, &c.SMTPPort) }},
		{"smtp-username", "CITYLOOP_SMTP_USERNAME", "mail server user (empty: no authentication); the password is sent only over TLS", false,
			func(c *Config) string { return c.SMTPUsername }, func(c *Config, v string) error { c.SMTPUsername = v; return nil }},
		{"smtp-password", "CITYLOOP_SMTP_PASSWORD", "mail server password (prefer the environment variable to the flag)", true,
			func(c *Config) string { return c.SMTPPassword }, func(c *Config, v string) error { c.SMTPPassword = v; return nil }},
		{"smtp-from", "CITYLOOP_SMTP_FROM", "sender of notifications, e.g. \"智慧城管 <noreply@example.gov.cn>\"", false,
			func(c *Config) string { return c.SMTPFrom }, func(c *Config, v string) error { c.SMTPFrom = v; return nil }},
		{"sms-webhook-url", "CITYLOOP_SMS_WEBHOOK_URL", "SMS gateway URL that receives signed JSON POSTs (empty: SMS stays queued); must pass the egress policy", false,
			func(c *Config) string { return c.SMSWebhookURL }, func(c *Config, v string) error { c.SMSWebhookURL = v; return nil }},
		{"sms-webhook-secret", "CITYLOOP_SMS_WEBHOOK_SECRET", "HMAC-SHA256 key shared with the SMS gateway, at least 32 characters; signs requests and checks its receipts", true,
			func(c *Config) string { return c.SMSWebhookSecret }, func(c *Config, v string) error { c.SMSWebhookSecret = v; return nil }},
		{"analysis-baseline-year", "CITYLOOP_ANALYSIS_BASELINE_YEAR", "year the plan's targets (incidence −50 %, complaints −30 %) are measured against; 0 = the calendar year before the period", false,
			func(c *Config) string { return strconv.Itoa(c.AnalysisBaselineYear) }, func(c *Config, v string) error { return parseInt(v, &c.AnalysisBaselineYear) }},
		{"analysis-population", "CITYLOOP_ANALYSIS_POPULATION", "residents per region or grid code for heat per 1,000 residents, e.g. \"320101=850000,32010100100101=1200\" (empty: heat per km²)", false,
			func(c *Config) string { return c.AnalysisPopulation }, func(c *Config, v string) error { c.AnalysisPopulation = v; return nil }},
		{"bureau-name", "CITYLOOP_BUREAU_NAME", "the enforcement bureau's full name printed on its documents (执法机关名称)", false,
			func(c *Config) string { return c.BureauName }, func(c *Config, v string) error { c.BureauName = v; return nil }},
		{"bureau-short", "CITYLOOP_BUREAU_SHORT", "the bureau's abbreviation that starts every document number (机关代字), e.g. 示范城管 → 示范城管罚决字〔2026〕第0001号", false,
			func(c *Config) string { return c.BureauShort }, func(c *Config, v string) error { c.BureauShort = v; return nil }},
		{"citizen-after-photo", "CITYLOOP_CITIZEN_AFTER_PHOTO", "the disposal (after) photos on the citizen's tracking page: show, or withhold (people in them are not blurred: that needs a detection model this build does not ship)", false,
			func(c *Config) string { return c.CitizenAfterPhoto }, func(c *Config, v string) error { c.CitizenAfterPhoto = v; return nil }},
		{"metrics-token", "CITYLOOP_METRICS_TOKEN", "bearer token with which a Prometheus scraper reads /metrics, at least 32 characters (empty: only an administrator's token)", true,
			func(c *Config) string { return c.MetricsToken }, func(c *Config, v string) error { c.MetricsToken = v; return nil }},
		{"metrics-addr", "CITYLOOP_METRICS_ADDR", "separate HOST:PORT that serves only /metrics, without a token (keep it on a private network); empty: none", false,
			func(c *Config) string { return c.MetricsAddr }, func(c *Config, v string) error { c.MetricsAddr = v; return nil }},
		{"backup-dir", "CITYLOOP_BACKUP_DIR", "directory where the scheduled backup writes (cityloop backup's format); empty: no scheduled backup", false,
			func(c *Config) string { return c.BackupDir }, func(c *Config, v string) error { c.BackupDir = v; return nil }},
		{"backup-every", "CITYLOOP_BACKUP_EVERY", "how often the scheduled backup runs, e.g. 24h", false,
			func(c *Config) string { return c.BackupEvery.String() }, func(c *Config, v string) error { return parseDur(v, &c.BackupEvery) }},
		{"backup-keep", "CITYLOOP_BACKUP_KEEP", "how many scheduled backups to keep in --backup-dir (older ones are deleted)", false,
			func(c *Config) string { return strconv.Itoa(c.BackupKeep) }, func(c *Config, v string) error { return parseInt(v, &c.BackupKeep) }},
		{"grid-gap-m", "CITYLOOP_GRID_GAP_M", "a point in no grid (a gap between the grids of the boundary file) goes to the nearest grid within this many metres; 0 = refuse it (422)", false,
			func(c *Config) string { return strconv.Itoa(c.GridGapM) }, func(c *Config, v string) error {
				if err := parseInt(v, &c.GridGapM); err != nil || c.GridGapM < 0 {
					return fmt.Errorf("grid-gap-m must be a whole number of metres, 0 or more (got %q)", v)
				}
				return nil
			}},
	}
}

func parseBool(v string, dst *bool) error {
	b, err := strconv.ParseBool(v)
	*dst = b
	return err
}

func parseInt(v string, dst *int) error {
	n, err := strconv.Atoi(v)
	*dst = n
	return err
}

func parseDur(v string, dst *time.Duration) error {
	d, err := time.ParseDuration(v)
	*dst = d
	return err
}

type flagValue struct {
	s   setting
	cfg *Config
}

func (f flagValue) String() string {
	if f.cfg == nil {
		return ""
	}
	return f.s.get(f.cfg)
}
func (f flagValue) Set(v string) error { return f.s.set(f.cfg, v) }
func (f flagValue) IsBoolFlag() bool   { return f.s.name == "demo" || f.s.name == "quiet" }

// Register adds the named settings (all when names is empty) as flags of fs.
// Environment variables are applied first by Load, so flags win.
func (c *Config) Register(fs *flag.FlagSet, names ...string) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	for _, s := range settings() {
		if len(names) == 0 || want[s.name] {
			fs.Var(flagValue{s: s, cfg: c}, s.name, s.usage+" (env "+s.env+")")
		}
	}
}

// FromEnv applies CITYLOOP_* variables.
func (c *Config) FromEnv(getenv func(string) string) error {
	for _, s := range settings() {
		if v := getenv(s.env); v != "" {
			if err := s.set(c, v); err != nil {
				return fmt.Errorf("%s=%q: %w", s.env, v, err)
			}
		}
	}
	return nil
}

// Finish fills derived defaults and validates.
func (c *Config) Finish() error {
	if c.DB == "" {
		c.DB = "sqlite:" + filepath.Join(c.DataDir, "cityloop.db")
	}
	if !strings.HasPrefix(c.DB, "sqlite:") && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return fmt.Errorf("--db must be sqlite:FILE or postgres://…, not %q", mask(c.DB))
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("--addr must be HOST:PORT: %w", err)
	}
	if c.Advertise != "" {
		u, err := url.Parse(c.Advertise)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
			return fmt.Errorf("--advertise must be a base URL such as http://10.0.0.5:8080, not %q", c.Advertise)
		}
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("--public-url must be a base URL such as https://cityloop.example.gov.cn or https://example.gov.cn/cityloop, not %q", c.PublicURL)
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if c.MQTTAddr != "" {
		if err := checkBroker(c.MQTTAddr); err != nil {
			return err
		}
		if c.MQTTClientID == "" {
			return fmt.Errorf("--mqtt-client-id must not be empty when --mqtt-addr is set")
		}
		if c.MQTTSessionExpiry < time.Second {
			return fmt.Errorf("--mqtt-session-expiry must be at least 1s, so the broker keeps the session across a restart")
		}
	}
	if c.AnalysisBaselineYear != 0 && (c.AnalysisBaselineYear < 2000 || c.AnalysisBaselineYear > 2100) {
		return fmt.Errorf("--analysis-baseline-year must be a year such as 2025, or 0 for the year before the period")
	}
	if c.DemoCases < 0 {
		return fmt.Errorf("--demo-cases must be 0 or more")
	}
	if c.MaxPhotoMiB < 1 || c.MaxPhotoMiB > 100 {
		return fmt.Errorf("--max-photo-mib must be 1–100")
	}
	if c.EvidenceMaxMiB < 1 || c.EvidenceMaxMiB > 65536 {
		return fmt.Errorf("--evidence-max-mib must be 1–65536")
	}
	if c.EvidencePhotoMiB < 1 || c.EvidencePhotoMiB > 100 || c.EvidencePhotoMiB > c.EvidenceMaxMiB {
		return fmt.Errorf("--evidence-photo-mib must be 1–100 and at most --evidence-max-mib")
	}
	if c.RetainDays < 0 {
		return fmt.Errorf("--retain-days must be 0 or more")
	}
	if c.SweepEvery < time.Second {
		return fmt.Errorf("--sweep-every must be at least 1s")
	}
	if _, err := egress.Parse(c.EgressAllow); err != nil {
		return fmt.Errorf("--egress-allow: %w", err)
	}
	if err := c.checkBureau(); err != nil {
		return err
	}
	switch c.CitizenAfterPhoto {
	case "", "show", "withhold":
	case "blur":
		return fmt.Errorf("--citizen-after-photo=blur is not available: blurring people needs a detection model this build does not ship; use withhold to keep the after-photos off the citizen's page")
	default:
		return fmt.Errorf("--citizen-after-photo must be show or withhold, not %q", c.CitizenAfterPhoto)
	}
	if err := c.checkOps(); err != nil {
		return err
	}
	return c.checkOutbox()
}

// checkOutbox checks the notification providers' settings: each channel is
// all or nothing, so a half-configured one fails at start, not at the
// first message.
func (c *Config) checkOutbox() error {
	if c.SMTPHost != "" {
		if c.SMTPPort < 1 || c.SMTPPort > 65535 {
			return fmt.Errorf("--smtp-port must be 1–65535")
		}
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			return fmt.Errorf("--smtp-from must be a sender address such as \"智慧城管 <noreply@example.gov.cn>\" when --smtp-host is set")
		}
		if c.SMTPUsername != "" && c.SMTPPassword == "" {
			return fmt.Errorf("--smtp-password (or CITYLOOP_SMTP_PASSWORD) must be set when --smtp-username is")
		}
	}
	if c.SMSWebhookURL != "" {
		u, err := url.Parse(c.SMSWebhookURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--sms-webhook-url must be an absolute http or https URL")
		}
		if len(c.SMSWebhookSecret) < 32 {
			return fmt.Errorf("--sms-webhook-secret (or CITYLOOP_SMS_WEBHOOK_SECRET) must be at least 32 characters when --sms-webhook-url is set")
		}
	}
	return nil
}

// checkBroker accepts HOST:PORT or mqtt://HOST:PORT.
func checkBroker(addr string) error {
	hostport := addr
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil || (u.Scheme != "mqtt" && u.Scheme != "tcp") {
			return fmt.Errorf("--mqtt-addr must be HOST:PORT or mqtt://HOST:PORT, not %q", addr)
		}
		hostport = u.Host
	}
	if h, _, err := net.SplitHostPort(hostport); err != nil || h == "" {
		return fmt.Errorf("--mqtt-addr must be HOST:PORT or mqtt://HOST:PORT, not %q", addr)
	}
	return nil
}

// Load builds a config from defaults, environment and the flags in args.
func Load(fs *flag.FlagSet, args []string, names ...string) (Config, error) {
	c := Default()
	if err := c.FromEnv(os.Getenv); err != nil {
		return c, err
	}
	c.Register(fs, names...)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	return c, c.Finish()
}

// Dump prints the effective settings with secrets masked.
func (c *Config) Dump(w io.Writer) {
	ss := settings()
	sort.Slice(ss, func(i, j int) bool { return ss[i].name < ss[j].name })
	for _, s := range ss {
		v := s.get(c)
		switch {
		case s.secret && (strings.HasSuffix(s.name, "password") || strings.HasSuffix(s.name, "-secret") || strings.HasSuffix(s.name, "-token")) && v != "":
			v = "****"
		case s.secret:
			v = mask(v)
		}
		fmt.Fprintf(w, "%-20s %-29s %s\n", s.name, s.env, v)
	}
}

// mask hides a password inside a URL-like value, and key material entirely.
func mask(v string) string {
	if strings.Contains(v, ":") && !strings.Contains(v, "://") && v != "" {
		// a keyring spec: show the key ids only
		var ids []string
		for _, part := range strings.Split(v, ",") {
			id, _, _ := strings.Cut(part, ":")
			ids = append(ids, id+":****")
		}
		return strings.Join(ids, ",")
	}
	at := strings.LastIndex(v, "@")
	scheme := strings.Index(v, "://")
	if at < 0 || scheme < 0 || at < scheme {
		return v
	}
	userinfo := v[scheme+3 : at]
	if i := strings.IndexByte(userinfo, ':'); i >= 0 {
		return v[:scheme+3] + userinfo[:i] + ":****" + v[at:]
	}
	return v
}

// checkBureau checks the names the documents print: the abbreviation goes
// into every document number, so it may hold none of the brackets, 第 or
// 号 that delimit one, and both must be printable text.
func (c *Config) checkBureau() error {
	c.BureauName, c.BureauShort = strings.TrimSpace(c.BureauName), strings.TrimSpace(c.BureauShort)
	printable := func(s string) bool {
		return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) })
	}
	if c.BureauName == "" || utf8.RuneCountInString(c.BureauName) > 64 || !printable(c.BureauName) {
		return fmt.Errorf("--bureau-name must be the bureau's name, 1–64 printable characters, e.g. 示范市城市管理综合行政执法局")
	}
	if c.BureauShort == "" || utf8.RuneCountInString(c.BureauShort) > 24 || !printable(c.BureauShort) || strings.ContainsAny(c.BureauShort, "〔〕[]【】()（）第号") {
		return fmt.Errorf("--bureau-short must be the abbreviation of document numbers, 1–24 characters without brackets, 第 or 号, e.g. 示范城管")
	}
	return nil
}

// checkOps checks the metrics and backup settings.
func (c *Config) checkOps() error {
	if c.MetricsToken != "" && len(c.MetricsToken) < 32 {
		return fmt.Errorf("--metrics-token must be at least 32 characters (e.g. from `openssl rand -hex 32`)")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("--metrics-addr must be HOST:PORT: %w", err)
		}
	}
	if c.BackupDir != "" && c.BackupEvery < time.Minute {
		return fmt.Errorf("--backup-every must be at least 1m")
	}
	if c.BackupKeep < 1 {
		return fmt.Errorf("--backup-keep must be 1 or more")
	}
	return nil
}
