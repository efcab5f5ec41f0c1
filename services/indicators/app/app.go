// Package app describes the indicators service for the shared service runner:
// monitoring forms with their rules, campaigns and the organisations' reports.
// It is exported so that the gateway's end-to-end tests can run the real
// service in-process.
package app

import (
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/services/indicators/internal/directory"
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
	Migrations:   store.Migrations(),
	UsesRegistry: true,
	Register: func(env service.Env) error {
		server.New(store.New(env.Pool), directory.New(env.Signer, env.Registry)).Register(env.Server)
		return nil
	},
}
