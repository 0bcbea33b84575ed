// Package merchant owns the shops along the streets that keep their
// frontage (门前五包): the registry (name, unified social credit code,
// address, location, sealed contacts), each shop's responsibility zone with
// its five duties, the loop cases that lie in a zone (linked to the shop),
// and the yearly credit score (1,000 points, deductions per violation kind
// as data, grades A–D, the 文明商户 list).
//
// It is pure: it imports errs, geo, catalog and casework types only, never
// net/http or database/sql. The store is behind [Store]; the linking job
// reads loop cases through [CaseFinder].
package merchant
