// Package seed owns seeding a node's empty store with the demo city, as
// `cityloop serve` (on an empty store with the demo enabled) and
// `cityloop demo` do: [Run] writes demo.Build's city through the store and
// the photo directory, reloads the reference data's region tree, and adds
// the auditor's account, the routing rules (through the reference data)
// and about one public toilet per km². [AccountLines] lists the demo
// accounts for the start-up banner.
//
// It declares the small interfaces it needs ([Store], [Blobs], [World]);
// app wires the implementations. It imports demo and the domain packages
// (casework, catalog, org, geo, worktime, facility) and never imports a
// store, net/http, database/sql or app.
package seed
