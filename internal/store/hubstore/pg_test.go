package hubstore_test

import (
	"database/sql"
	"net/url"
	"testing"

	"github.com/google/uuid"
)

func freshSchema(t *testing.T, base string) string {
	t.Helper()
	db, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	schema := "t_hub_" + uuid.NewString()[:8]
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if d, err := sql.Open("pgx", base); err == nil {
			_, _ = d.Exec("DROP SCHEMA " + schema + " CASCADE")
			d.Close()
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
