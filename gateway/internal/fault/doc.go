// Package fault holds the fault tests of the whole platform, run against the
// real binaries (built once per test binary) as processes of their own over
// a PostgreSQL cluster of the test's own. TestFaults kills a service with
// SIGKILL and crashes the database; TestReplicas runs two replicas of every
// service behind the gateway and stops one of each with SIGTERM, then the
// other with SIGKILL. In both, clients keep a ledger of their acknowledged
// writes, each of which must survive, neither lost nor applied twice. The
// package has no code of its own; see the _test.go files.
package fault
