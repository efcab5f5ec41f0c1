// Package app describes the roadmap service for the shared service runner:
// roadmaps, items, schedules and progress. It understands deadlines
// (DeadlineService), keeps roadmaps (RoadmapService) and tells people of
// items handed down and of what is overdue (its notification outbox).
package app

import (
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/directory"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/server"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/store"
)

// Spec is the roadmap service.
var Spec = service.Spec{
	Name: "roadmap",
	Defaults: map[string]string{
		"GRPC_ADDR":       "127.0.0.1:9102",
		"METRICS_ADDR":    "127.0.0.1:9202",
		"DATABASE_SCHEMA": "roadmap",
		"REGISTRY_ADDR":   "127.0.0.1:9101",
	},
	Errors:       server.Errors,
	Migrations:   store.Migrations(),
	UsesRegistry: true,
	// The edits of one roadmap take a key: a retry after a replica went away
	// mid-call gets the first answer, not a 409 for a version it moved on
	// itself (the list: idempotency.RoadmapMethods).
	Idempotent: idempotency.RoadmapMethods,
	Register: func(env service.Env) error {
		st := store.New(env.Pool)
		server.New(st, directory.New(env.Signer, env.Registry)).WithClock(env.Now).Register(env.Server)
		notify.RegisterOutboxService(env.Server, "roadmap", env.Pool, env.Logger)
		return startNotices(env, st)
	},
}
