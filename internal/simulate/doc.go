// Package simulate drives a running CityLoop's demo city from outside, as
// devices and cameras would: it registers them over the API and feeds them
// readings (over MQTT or HTTP) and AI events, now and then breaking a rule,
// so that a newcomer can watch cases appear, get confirmed and close. It
// talks to the node only through its public interfaces.
//
// It talks to a node only through its public interfaces (the HTTP API and MQTT); it imports
// sensing for topic and payload shapes and ingest/mqtt for the client, never app, api, web or a
// store.
package simulate
