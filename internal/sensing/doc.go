// Package sensing turns what machines see into proposals for the closed
// loop: IoT devices and their readings, threshold rules with hysteresis, AI
// camera events with per-class policy, de-duplication tracks, measured
// precision, vending zones (疏导区), smart parking and waste sorting.
//
// The rules are pure: [Step] moves one rule's state by one reading, and
// [Decide] turns one camera event into a decision. [Service] does the
// bookkeeping around them through small interfaces — a [Store] for devices,
// readings and tracks, and a [Desk] that opens and resolves cases (app
// adapts casework.Service to it) — so this package imports neither
// net/http nor database/sql, nor casework.
//
// The equipment watches itself too: a device silent for three reporting
// intervals, or a camera with neither heartbeat nor event within its
// allowance, becomes a maintenance case ([MaintenanceCategory]) that closes
// itself when the device or camera is back.
//
// Telemetry topic scheme (MQTT, QoS 1):
//
//	cityloop/telemetry/{device_id}   {"ts": 1718000000.5 | "2024-06-10T22:00:00+08:00", "values": {"noise_db": 61.2}}
//
// ts is Unix seconds (fractions allowed), Unix milliseconds (numbers above
// 1e11) or RFC 3339; missing ts means "now". Values are numbers keyed by
// metric (see [Metrics]). Devices that cannot speak MQTT POST the same JSON,
// with "device_id", to /api/v1/sensing/telemetry.
package sensing
