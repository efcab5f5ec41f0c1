package server

import (
	"sync"

	"github.com/nastavnik/nastavnik/services/indicators/internal/rules"
)

// checksSize bounds the reports whose last check a replica keeps: a check
// holds the report's values (the map the store holds too) and a few bytes a
// rule.
const checksSize = 2048

// checks are the last check of the violations of each report this replica
// wrote, by report id, which the next write's check starts from
// (rules.Recheck): whatever the report's values are then, only the rules
// reading values that differ are evaluated again. A full cache forgets an
// entry picked by the map's iteration order (random replacement).
type checks struct {
	mu sync.Mutex
	m  map[string]*rules.Checked
}

func (c *checks) get(id string) *rules.Checked {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[id]
}

func (c *checks) put(id string, v *rules.Checked) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*rules.Checked)
	}
	if _, ok := c.m[id]; !ok && len(c.m) >= checksSize {
		for k := range c.m {
			delete(c.m, k)
			break
		}
	}
	c.m[id] = v
}
