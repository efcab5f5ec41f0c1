package store

import (
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
)

// valuesCacheSize bounds the reports whose decoded values a replica keeps:
// a report's pair of maps is some 20 KB, so at most ~40 MB.
const valuesCacheSize = 2048

// rowKey names one committed version of a report's row: its version and
// xmin, the transaction that wrote it. Every write of a report increments
// its version, and a transaction's id is never reused for another row
// version (short of a wraparound of 2³² transactions), so a key whose row
// the database still holds has the values cached under it — even when the
// write that cached them rolled back (its xmin is then in no row), and
// across replicas writing the same report.
type rowKey struct {
	version int64
	xmin    uint32
}

// cachedReport are the decoded values of a report's row and of last
// year's accepted report of its organisation (prev; prevID empty when there
// is none). A save reads the report under lock with the keys it holds: the
// database leaves out the values it has (UpdateReport), so neither
// PostgreSQL nor the service turns the same JSON into text and back on every
// save. The maps are never changed in place (see Mutation).
//
// When full, it also holds the whole report as that read gave it (or as the
// write after it left it) and the keys of the other rows the read joined:
// the campaign's and the organisation's place in it (their xmin) and the
// latest extension of its deadline (its id; 0 none). A write may then be
// computed from it and sent as one statement guarded by every key
// (reportUpdateCurrent) instead of a locked read first.
type cachedReport struct {
	row    rowKey
	values map[string]form.Value
	prevID string
	prev   rowKey
	prevV  map[string]form.Value

	full                    bool
	report                  reportRow
	campaignXmin, placeXmin uint32
	extensionID             int64
}
