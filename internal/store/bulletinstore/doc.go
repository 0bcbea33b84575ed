// Package bulletinstore keeps the archive of assessment bulletins
// (package bulletin) on SQLite or PostgreSQL: each bulletin's record and
// its HTML, PDF and XLSX renderings, in the table bulletins, which no
// other store names. It never imports api, web, app or another store but
// sqlkit.
package bulletinstore
