// Package fault holds the fault test of the whole platform: PostgreSQL in a
// cluster of its own, the services and the gateway as real processes, and
// clients whose every acknowledged write must survive a service killed with
// SIGKILL and a database restart, neither lost nor applied twice. The
// package has no code of its own; see fault_test.go.
package fault
