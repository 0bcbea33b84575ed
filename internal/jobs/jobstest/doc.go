// Package jobstest holds what the tests of the jobs runner and of its
// stores share: [Run], the contract every [jobs.Store] must keep, run on
// jobstore's SQLite and PostgreSQL and on [Mem]; [ExactlyOnce], the test of
// several nodes on one database; [Mem], an in-memory store for the runner's
// own tests; and [Clock], a fake clock. It is imported only by tests.
//
// It is for tests: it imports jobs and errs only and is never imported by non-test code.
package jobstest
