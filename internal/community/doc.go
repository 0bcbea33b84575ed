// Package community puts the community services together (issue 17): the
// merchants of 门前五包 on their store, the job that links loop cases to
// them, and, on a new demo city, shops along the demo's roads. [Wire] is
// the one call app makes; the rules live in package merchant.
package community
