// Package app describes the registry service for the shared service runner. It
// is exported so that the gateway's end-to-end tests can run the real service
// in-process.
package app

import (
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/registry/internal/server"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

// Spec is the registry service: regions, municipalities, organisations.
var Spec = service.Spec{
	Name: "registry",
	Defaults: map[string]string{
		"GRPC_ADDR":       "127.0.0.1:9101",
		"METRICS_ADDR":    "127.0.0.1:9201",
		"DATABASE_SCHEMA": "registry",
	},
	Errors:     server.Errors,
	Migrations: store.Migrations(),
	Idempotent: idempotency.RegistryMethods,
	Register: func(env service.Env) error {
		server.New(store.New(env.Pool)).WithClock(env.Now).Register(env.Server)
		return nil
	},
	SystemOnly: server.SystemOnly,
}
