// Command roadmap serves roadmaps, their items, schedules and progress
// over gRPC. Configuration comes from the environment (see README).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // IANA zones even on hosts without them

	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/roadmap/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := service.Main(ctx, app.Spec); err != nil {
		fmt.Fprintln(os.Stderr, "roadmap:", err)
		os.Exit(1)
	}
}
