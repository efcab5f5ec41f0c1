package notify

import "time"

// Backoff is the wait before attempt n+1 after n failed attempts: Base
// doubled per attempt, capped at Max (30 s and 1 h when zero). It is
// deterministic, so tests can step a clock over it.
type Backoff struct {
	Base time.Duration
	Max  time.Duration
}

// Delay is the wait after the n-th failed attempt (n ≥ 1).
func (b Backoff) Delay(n int) time.Duration {
	base, ceiling := b.Base, b.Max
	if base <= 0 {
		base = 30 * time.Second
	}
	if ceiling <= 0 {
		ceiling = time.Hour
	}
	d := base
	for i := 1; i < n; i++ {
		d *= 2
		if d >= ceiling {
			return ceiling
		}
	}
	return min(d, ceiling)
}
