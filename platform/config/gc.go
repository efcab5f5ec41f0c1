package config

import (
	"os"
	"runtime/debug"
)

// GC targets of a process unless GOGC or GOMEMLIMIT are set: a small live
// heap collected every time it doubles costs a tenth of the CPU of a busy
// save path, so the heap may grow to five times the live data, and the
// collector turns eager again near the memory limit. A process stays well
// under 150 MB resident.
const (
	gcPercent   = 400
	memoryLimit = 96 << 20
)

// TuneGC sets the collector's targets for a long-running process (the
// services and the gateway), unless the environment sets them.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
}
