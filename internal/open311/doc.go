// Package open311 serves Open311 GeoReport v2 under /open311/v2/ in XML and
// JSON: discovery, the service list (the dictionary's sub-classes in force),
// service definitions (attributes of every datatype), POST and GET service
// requests, GET token, and the widely used service request updates extension
// (GET servicerequestupdates, as specified by mySociety for FixMyStreet).
//
// A service request is a case: POST goes through casework.Service.Report,
// the one intake path; service_request_id is the case number; "open" and
// "closed" map from the loop's states (terminal states are closed). Errors
// use the specification's format ([{"code":…,"description":…}] and
// <errors><error>…</error></errors>) with the HTTP status as the code.
//
// What GET shows follows package disclose, the policy the citizen pages
// share: anyone (and any key without the detail right) reads rounded points,
// no address, masked descriptions (a hotline case's category instead),
// standard texts per step without staff notes or supervision, and photo
// links only to reporters' photos of public cases. A key issued with the
// explicit detail right, or a bearer token of a post that sees every case,
// reads the full text. Links are built from the configured public URL,
// never from the Host header. Issuing and revoking keys is audited.
//
// The package reads and writes through the small interfaces in open311.go;
// hubstore implements them. It must not import database/sql.
package open311
