// Package vault keeps evidence files on disk and speaks the tus resumable
// upload protocol (https://tus.io) through tusd v2: uploads land in
// DIR/uploads (tusd's filestore, one file and one .info per upload, locked
// by tusd's filelocker so two requests never write one upload), and each
// finished file is checked, hashed and moved to DIR/content/ID before it
// is recorded:
//
//   - creation: the signed-in actor (passed in the request context by the
//     api, see evidence.WithActor) must have access to the declared case;
//     the declared type must be on the allow-list and the declared length
//     within its kind's limit; the officer is set from the actor, never
//     from the client's metadata; the upload id is a UUIDv7;
//   - completion: the bytes are sniffed (the declared type only chooses the
//     kind, the content must match it), SHA-256 hashed while read, and a
//     photo's EXIF capture time and GPS are read before photo.Sanitize
//     strips the block; then evidence.Service.Record writes the item and
//     its "uploaded" custody entry. A refused file is deleted at once.
//
// Uploads nobody finished are deleted after [StaleAfter] by [Vault.PurgeJob],
// a job on the jobs runner.
//
// The file name and note, where a party's name sits, are sealed with the pii
// keyring in the upload's .info file while it is under way.
//
// It mounts nothing: internal/api routes the tus methods to the
// UnroutedHandler that [Vault.Uploads] returns. It imports evidence, photo, pii,
// jobs and tusd; never api, web, app or a store (the evidence.Store comes
// in through evidence.Service).
package vault
