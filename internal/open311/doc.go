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
// The package reads and writes through the small interfaces in open311.go;
// hubstore implements them. It must not import database/sql.
package open311
