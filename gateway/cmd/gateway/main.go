// Command gateway serves nastavnik to people and scripts: the REST/JSON API over
// the gRPC services, the OpenAPI document and the web pages. Configuration
// comes from the environment (see README).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/gateway/internal/server"
	pconfig "github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/logging"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	pconfig.TuneGC()
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	level, _ := pconfig.ParseLogLevel(cfg.LogLevel)
	return server.Run(ctx, cfg, logging.New(os.Stderr, level, "gateway"))
}
