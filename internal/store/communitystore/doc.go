// Package communitystore keeps community services on SQLite or PostgreSQL:
// the merchants of 门前五包 (package merchant) with their sealed contacts
// and responsibility zones, the loop cases linked to them, and the cursors
// of its background passes, in tables no other store names (own goose table
// community_goose_db_version). It never imports api, web, app or another
// store but sqlkit.
package communitystore
