// Package mqtt subscribes CityLoop to device telemetry on an MQTT v5 broker
// (Mosquitto here, EMQX in production) and feeds it to sensing in batches.
//
// Delivery: QoS 1 on a persistent session (clean start false, a session
// expiry), so the broker keeps queueing while the subscriber is away: a
// broker restart, a node restart, or the sensing service moving to another
// node, which connects with the same client id and so resumes the same
// session. Messages are acknowledged by hand, and only after the batch
// holding them is stored and its rule states written: a crash before that
// means the broker redelivers, and redelivery is harmless (readings are
// keyed by device, metric and time; rules skip readings they have seen).
//
// Optionally (Group) the subscription is shared ($share/{group}/…) over
// several sessions of the same node, which keeps more messages moving on a
// broker with small in-flight windows. Mosquitto 2.0 may lose QoS-1 messages
// queued for shared-subscription sessions across its own restart (a plain
// persistent session loses none; see the restart test), so on Mosquitto
// leave Group empty.
//
// It imports sensing (what it feeds) and never a store, api or web.
package mqtt
