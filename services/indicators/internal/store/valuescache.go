package store

import (
	"sync"

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

// cachedValues are the decoded values of a report's row and of last
// year's accepted report of its organisation (prev; prevID empty when there
// is none). A save reads the report under lock with the keys it holds: the
// database leaves out the values it has (UpdateReport), so neither
// PostgreSQL nor the service turns the same JSON into text and back on every
// save. The maps are never changed in place (see Mutation).
type cachedValues struct {
	row    rowKey
	values map[string]form.Value
	prevID string
	prev   rowKey
	prevV  map[string]form.Value
}

// valuesCache is the cachedValues by report id; a full cache forgets an
// entry picked by the map's iteration order (random replacement).
type valuesCache struct {
	mu sync.Mutex
	m  map[string]cachedValues
}

func (c *valuesCache) get(id string) (cachedValues, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[id]
	return v, ok
}

func (c *valuesCache) put(id string, v cachedValues) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]cachedValues)
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= valuesCacheSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = v
}
