package enforcestore_test

import (
	"os"
	"testing"

	"cityloop/internal/store/storetest"
)

func TestDocNumbers_SQLite(t *testing.T) {
	storetest.RunEnforceDocNumbers(t, func(t *testing.T) storetest.DocNumberStore { return mustOpen(t, sqliteDSN(t)) })
}

func TestDocNumbers_PostgreSQL(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set: skipping the PostgreSQL contract of document numbers")
	}
	storetest.RunEnforceDocNumbers(t, func(t *testing.T) storetest.DocNumberStore { return mustOpen(t, postgresDSN(t)) })
}
