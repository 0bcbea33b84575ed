package sqlstore_test

import (
	"testing"

	"cityloop/internal/store/storetest"
)

func TestAnalysisSQLite(t *testing.T) {
	storetest.RunAnalysis(t, func(t *testing.T) storetest.AnalysisStore { return mustOpenSQLite(t) })
}

func TestAnalysisPostgres(t *testing.T) {
	postgresURL(t)
	storetest.RunAnalysis(t, func(t *testing.T) storetest.AnalysisStore { return mustOpenPostgres(t) })
}
