// Package pii owns how CityLoop protects personal data at rest and on
// screen: AES-256-GCM sealing of fields such as a reporter's phone number
// under a rotating [Keyring], HMAC blind indexes so such fields can be looked
// up without decrypting them, and the masks used when a person may see that
// a value exists but not the value itself.
//
// It is pure: keys arrive as a spec string from config, values as strings
// from the store. It imports only the standard library and
// cityloop/internal/errs, and must not import store, HTTP or domain packages.
package pii
