// Package app describes the roadmap service for the shared service runner:
// roadmaps, items, schedules and progress. Today it understands deadlines
// (DeadlineService); roadmaps themselves come next.
package app

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/server"
)

// Spec is the roadmap service.
var Spec = service.Spec{
	Name: "roadmap",
	Defaults: map[string]string{
		"GRPC_ADDR":       "127.0.0.1:9102",
		"METRICS_ADDR":    "127.0.0.1:9202",
		"DATABASE_SCHEMA": "roadmap",
	},
	Register: func(_ *pgxpool.Pool, g grpc.ServiceRegistrar) error {
		server.New().Register(g)
		return nil
	},
}
