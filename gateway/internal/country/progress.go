package country

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// bar is a progress bar on one terminal line: what, done of total, the rate
// and the time left. A nil writer draws nothing.
type bar struct {
	mu          sync.Mutex
	w           io.Writer
	what        string
	done, total int
	start, last time.Time
}

func newBar(w io.Writer, what string, total int) *bar {
	b := &bar{w: w, what: what, total: total, start: time.Now()}
	b.draw(true)
	return b
}

func (b *bar) add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.done += n
	b.draw(false)
}

// draw redraws the line at most five times a second, or now when forced.
func (b *bar) draw(force bool) {
	if b.w == nil || !force && time.Since(b.last) < 200*time.Millisecond {
		return
	}
	b.last = time.Now()
	const width = 30
	frac := 1.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	elapsed := time.Since(b.start)
	rate := float64(b.done) / max(elapsed.Seconds(), 1e-9)
	eta := "—"
	if b.done > 0 && b.done < b.total {
		eta = time.Duration(float64(b.total-b.done) / rate * float64(time.Second)).Round(time.Second).String()
	}
	fill := int(frac * width)
	fmt.Fprintf(b.w, "\r%-32s [%s%s] %d/%d %5.1f%% %8.0f/s ETA %-8s", b.what, strings.Repeat("=", fill), strings.Repeat(" ", width-fill),
		b.done, b.total, frac*100, rate, eta)
}

// finish draws the final line with the elapsed time and ends it.
func (b *bar) finish() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.w == nil {
		return
	}
	b.draw(true)
	fmt.Fprintf(b.w, " in %s\n", time.Since(b.start).Round(100*time.Millisecond))
}
