// Package errs defines the kinds of error CityLoop distinguishes and the
// user-facing message each carries. It imports nothing but the standard
// library so every layer can use it; httpkit maps kinds to HTTP statuses.
//
// It imports nothing of CityLoop; every other package may import it.
package errs
