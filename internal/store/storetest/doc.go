// Package storetest is the contract suite every CityLoop store must pass.
// sqlstore runs it on SQLite always and on PostgreSQL when
// CITYLOOP_TEST_POSTGRES_URL is set:
//
//	storetest.Run(t, func(t *testing.T) storetest.Store { return mustOpenStore(t) })
//
// Each subtest calls open for a store of its own and runs in parallel with
// the others, so open must give an empty, migrated store that it closes in
// t.Cleanup.
//
// It is for tests: it imports the domain packages and sqlstore's dialect names, never api, web or
// app.
package storetest
