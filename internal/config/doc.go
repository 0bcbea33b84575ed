// Package config holds CityLoop's settings: defaults, flags and CITYLOOP_*
// environment variables, validation and a masked dump. It has no global
// state: each command builds its own Config.
//
// It imports only egress (to parse the outbound allow-list) and never reads the environment on its
// own: callers pass a getter.
package config
