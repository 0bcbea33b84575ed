package app

import (
	"net/http"
	"time"

	"cityloop/internal/api"
	"cityloop/internal/ingest/mqtt"
	"cityloop/internal/sensedesk"
	"cityloop/internal/sensing"
	"cityloop/internal/sensing/owner"
	"cityloop/internal/store/sensingstore"
)

// wireSensing adds the sensing part: its store (own tables and migrations
// on the same database), the service, the API's sensing service (routes under /api/v1/sensing) and
// its background work (case worker, ticks, downsampling, and MQTT ingestion
// when --mqtt-addr is set).
func wireSensing(a *App, mux *http.ServeMux) error {
	db, err := openStore(a, "sensing", sensingstore.Open)
	if err != nil {
		return err
	}
	// The state is loaded when this node takes the sensing service over
	// (owner.Owner): the other nodes hold none of it.
	desk := &sensedesk.Desk{Cases: a.Cases, Atlas: a.World.Atlas, Blobs: a.Blobs, Photos: a.Store,
		Now: func() time.Time { return a.Now() }, Log: a.Log}
	svc := &sensing.Service{Store: db, Desk: desk, Now: func() time.Time { return a.Now().UTC() }, NewID: NewID, Log: a.Log}
	a.sensing = svc

	// --mqtt-addr set: the node holding the sensing service subscribes
	// with one plain persistent session whose client id every node shares
	// (--mqtt-client-id), so the broker's queue for it survives both a
	// broker restart and a change of owner. --mqtt-group set: a shared
	// subscription $share/{group}/… over four sessions of that node instead
	// (faster; use EMQX: Mosquitto 2.0 may drop messages queued for shared
	// sessions when it restarts).
	var sub *mqtt.Subscriber
	if c := a.Cfg; c.MQTTAddr != "" {
		sub = mqtt.New(mqtt.Config{Addr: c.MQTTAddr, ClientID: c.MQTTClientID, Group: c.MQTTGroup, SessionExpiry: c.MQTTSessionExpiry,
			Username: c.MQTTUsername, Password: c.MQTTPassword, Log: a.Log}, svc)
	}
	// The api package serves /api/v1/sensing/…, each route through the
	// owner's gate, which passes it on to the node holding the state.
	// The owner names this node's URL in its lease, so that the other
	// nodes can pass sensing requests to it; known once the node listens.
	url := func() string { return owner.AdvertiseURL(a.Cfg.Advertise, a.Listener()) }
	o := owner.New(svc, a.jobs, a.node, url, func() time.Time { return a.Now() }, a.Log)
	if sub != nil {
		o.Ingest = sub
	}
	a.sensingOwner, a.mqttSub = o, sub
	ss := api.SensingService{Service: svc}
	if sub != nil {
		ss.Stats = sub.Counters
	}
	a.api.Sensing = ss
	a.api.SensingGate = o.Gate
	a.Go(o.Worker)
	a.Go(o.Run)
	return nil
}
