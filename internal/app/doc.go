// Package app is the composition root: Open wires the store, the reference
// data, the services, HTTP and the jobs runner from a Config; Run serves
// until the context ends. End-to-end tests reuse it on :0.
//
// It is the only package that knows every other; nothing imports it but cmd/cityloop and its own
// tests.
package app
