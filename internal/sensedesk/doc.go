// Package sensedesk owns the desk through which sensing works the loop: it
// implements sensing.Desk over casework.Service, opening the cases that
// readings and sightings propose (filing those of high-confidence rules),
// resolving them the loop's own way when readings return to normal, reading
// how people judged them, locating points and storing snapshots. It acts as
// [Actor], the platform's sensing system.
//
// It is pure: it imports sensing, casework, org, geo, photo and errs, and
// never imports a store, HTTP or app; it declares the small interfaces it
// needs of the photo store. Package sensing never imports casework (it
// declares the Desk interface), so the adapter between them lives here.
package sensedesk
