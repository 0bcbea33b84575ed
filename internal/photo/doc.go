// Package photo makes an uploaded photo safe to keep and to show: it checks
// that the whole file is the image it claims to be, refuses decompression
// bombs before decoding, and re-encodes the pixels so that nothing else of
// the upload survives — no EXIF (GPS position, camera serial, an owner's
// name or phone), no XMP or comments, no data appended after the image.
// EXIF orientation is applied to the pixels before it is dropped, so a
// phone photo still stands the right way up.
//
// The package is pure: it works on bytes, does no I/O and imports no
// adapter. Every upload path calls [Sanitize] before blob.Store.Put.
package photo
