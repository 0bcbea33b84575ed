package sqlstore_test

import (
	"testing"

	"cityloop/internal/store/storetest"
)

func TestAuditSQLite(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) storetest.AuditStore { return mustOpenSQLite(t) })
}

func TestAuditPostgres(t *testing.T) {
	postgresURL(t)
	storetest.RunAudit(t, func(t *testing.T) storetest.AuditStore { return mustOpenPostgres(t) })
}
