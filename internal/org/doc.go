// Package org owns who and where: the versioned region tree (city → district
// → street → community → unit grid), posts and accounts, and jurisdiction.
// It is plain Go: no net/http, no database/sql.
package org
