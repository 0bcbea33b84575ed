package enforcestore_test

import (
	"os"
	"testing"

	"cityloop/internal/store/storetest"
)

func TestPublicationContract_SQLite(t *testing.T) {
	storetest.RunEnforcePublication(t, func(t *testing.T) storetest.PublicationStore { return mustOpen(t, sqliteDSN(t)) })
}

func TestPublicationContract_PostgreSQL(t *testing.T) {
	if os.Getenv(postgresEnv) == "" {
		t.Skip(postgresEnv + " is not set: skipping the PostgreSQL publication contract of the enforcement store")
	}
	storetest.RunEnforcePublication(t, func(t *testing.T) storetest.PublicationStore { return mustOpen(t, postgresDSN(t)) })
}
