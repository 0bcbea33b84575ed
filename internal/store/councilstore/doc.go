// Package councilstore keeps volunteers, their activities and attendance,
// and the community council's topics, opinions and votes (package council)
// on SQLite or PostgreSQL, in its own tables and version table. Volunteers'
// phones are sealed with the node's keyring (SetKeyring).
package councilstore
