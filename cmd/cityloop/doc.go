// Command cityloop runs the CityLoop smart urban management platform.
//
// It parses flags and calls app; it imports nothing of CityLoop but app, config and errs
// (internal/arch checks it).
package main
