// Package bounded is a map of at most a given number of entries by string
// key, safe for concurrent use, for a replica's caches of reports: a full
// map forgets an entry picked by the map's iteration order (random
// replacement), which keeps no bookkeeping on the hot path and suits caches
// whose entries are about equally likely to be wanted again.
package bounded

import "sync"

// Map holds at most its size's entries.
type Map[V any] struct {
	size int
	mu   sync.Mutex
	m    map[string]V
}

// New returns a map of at most size entries.
func New[V any](size int) *Map[V] {
	return &Map[V]{size: size, m: make(map[string]V)}
}

// Get returns the value of k, if held.
func (c *Map[V]) Get(k string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

// Put holds v for k, forgetting another entry when the map is full.
func (c *Map[V]) Put(k string, v V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[k]; !ok && len(c.m) >= c.size {
		for other := range c.m {
			delete(c.m, other)
			break
		}
	}
	c.m[k] = v
}
