// Package app describes the indicators service for the shared service runner:
// monitoring forms with their rules, campaigns, the organisations' reports and
// the indicators aggregated from them.
// It is exported so that the gateway's end-to-end tests can run the real
// service in-process.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/indicators/internal/directory"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
	"github.com/nastavnik/nastavnik/services/indicators/internal/server"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// Spec is the indicators service.
var Spec = service.Spec{
	Name: "indicators",
	Defaults: map[string]string{
		"GRPC_ADDR":       "127.0.0.1:9103",
		"METRICS_ADDR":    "127.0.0.1:9203",
		"DATABASE_SCHEMA": "indicators",
		"REGISTRY_ADDR":   "127.0.0.1:9101",
	},
	Errors:       server.Errors,
	Migrations:   store.Migrations(),
	UsesRegistry: true,
	Idempotent:   idempotency.IndicatorsMethods,
	Register: func(env service.Env) error {
		st := store.New(env.Pool).ReadFrom(env.ReadPool)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		added, err := st.EnsureIndicators(ctx, indicator.Shipped)
		if err != nil {
			return fmt.Errorf("indicators: %w", err)
		}
		// The federal project's and the regional programme's targets, unless
		// set otherwise already.
		if err := st.EnsureTargets(ctx, indicator.ShippedTargets()); err != nil {
			return fmt.Errorf("indicators: targets: %w", err)
		}
		if added > 0 {
			// New indicators: the reports already there contribute to them too.
			if _, err := st.RebuildAggregates(ctx); err != nil {
				return fmt.Errorf("indicators: rebuild aggregates: %w", err)
			}
		}
		dir := directory.New(env.Signer, env.Registry)
		srv := server.New(st, dir).WithClock(env.Now)
		if err := srv.Instrument(env.Metrics, env.Logger, 30*time.Second); err != nil {
			return fmt.Errorf("indicators: metrics: %w", err)
		}
		srv.Register(env.Server)
		server.NewAggregates(srv, dir).Register(env.Server)
		// The operator's view of this service's outbox (GET /v1/outbox/indicators/…).
		notify.RegisterOutboxService(env.Server, "indicators", env.Pool, env.Logger)
		return startNotices(env, st)
	},
}
