package sensing

// IntakeCounters count the telemetry a node's MQTT subscription took in
// since the node started: what the monitoring page and GET
// /api/v1/sensing/figures show.
type IntakeCounters struct {
	Filter   string `json:"filter"`
	Received int64  `json:"received"`
	Invalid  int64  `json:"invalid"`
	Stored   int64  `json:"stored"`
	Acked    int64  `json:"acked"`
	Batches  int64  `json:"batches"`
	Retries  int64  `json:"retries"`
}
