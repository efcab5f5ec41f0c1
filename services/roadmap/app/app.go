// Package app describes the roadmap service for the shared service runner:
// roadmaps, items, schedules and progress. Its RPCs arrive with the roadmap
// issue; until then it serves health and metrics on the shared plumbing.
package app

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/service"
)

// Spec is the roadmap service.
var Spec = service.Spec{
	Name: "roadmap",
	Defaults: map[string]string{
		"GRPC_ADDR":       "127.0.0.1:9102",
		"METRICS_ADDR":    "127.0.0.1:9202",
		"DATABASE_SCHEMA": "roadmap",
	},
	Register: func(*pgxpool.Pool, grpc.ServiceRegistrar) error { return nil },
}
