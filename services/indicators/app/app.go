// Package app describes the indicators service for the shared service runner:
// campaigns, forms, reports and indicator aggregation. Its RPCs arrive with the campaign
// issue; until then it serves health and metrics on the shared plumbing.
package app

import (
	"github.com/nastavnik/nastavnik/platform/service"
)

// Spec is the indicators service.
var Spec = service.Spec{
	Name: "indicators",
	Defaults: map[string]string{
		"GRPC_ADDR":       "127.0.0.1:9103",
		"METRICS_ADDR":    "127.0.0.1:9203",
		"DATABASE_SCHEMA": "indicators",
	},
	Register: func(service.Env) error { return nil },
}
