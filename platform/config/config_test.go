package config_test

import (
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/service"
)

func TestLoadNamesTheBadVariable(t *testing.T) {
	defaults := map[string]string{"DATABASE_SCHEMA": "registry", "DATABASE_URL": "postgres://registry@127.0.0.1/nastavnik",
		"IDENTITY_KEY": "bmFzdGF2bmlrLXRlc3QtaWRlbnRpdHkta2V5LTAxMjM0NTY3ODlhYmNkZWY="}
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // every variable the error must name
	}{
		{name: "defaults are valid", env: nil},
		{name: "duration that does not parse", env: map[string]string{"SHUTDOWN_TIMEOUT": "soon"}, wantErr: []string{"SHUTDOWN_TIMEOUT"}},
		{name: "every problem at once", env: map[string]string{
			"GRPC_ADDR": "9090", "LOG_LEVEL": "loud", "DATABASE_URL": "", "DATABASE_MAX_CONNS": "0"},
			wantErr: []string{"GRPC_ADDR", "LOG_LEVEL", "DATABASE_URL", "DATABASE_MAX_CONNS"}},
		{name: "schema injection", env: map[string]string{"DATABASE_SCHEMA": "registry; drop"}, wantErr: []string{"DATABASE_SCHEMA"}},
		{name: "session timeouts negative or below a millisecond", env: map[string]string{
			"DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": "-1s", "DATABASE_STATEMENT_TIMEOUT": "500us"},
			wantErr: []string{"DATABASE_IDLE_IN_TRANSACTION_TIMEOUT", "DATABASE_STATEMENT_TIMEOUT"}},
		{name: "session timeouts off", env: map[string]string{
			"DATABASE_IDLE_IN_TRANSACTION_TIMEOUT": "0", "DATABASE_STATEMENT_TIMEOUT": "0s"}},
		{name: "identity key too short", env: map[string]string{"IDENTITY_KEY": "c2hvcnQ="}, wantErr: []string{"IDENTITY_KEY"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := config.Load[service.Config](defaults)
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Load() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Load() = nil, want an error naming %v", tc.wantErr)
			}
			for _, name := range tc.wantErr {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("Load() = %q, want it to name %s", err, name)
				}
			}
		})
	}
}

func TestDatabaseURLIsNeverPrinted(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://registry:s3cret-pw@127.0.0.1/nastavnik")
	t.Setenv("DATABASE_MAX_CONNS", "0")
	_, err := config.Load[service.Config](map[string]string{"DATABASE_SCHEMA": "registry"})
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("Load() = %v, want an error that does not contain the password", err)
	}
}

func TestCheckTarget(t *testing.T) {
	for target, ok := range map[string]bool{
		"127.0.0.1:9101": true, "registry:9090": true, "dns:///registry:9090": true, "passthrough:///10.0.0.1:9090": true,
		"127.0.0.1:9101,127.0.0.1:9111": true, "a:1, b:2": true,
		"": false, "registry": false, "dns:///registry": false, "unix:///tmp/x:1": false, "dns:///": false,
		"a:1,": false, "a:1,b": false, "dns:///a:1,dns:///b:1": false,
	} {
		if err := config.CheckTarget("REGISTRY_ADDR", target); (err == nil) != ok {
			t.Errorf("%q: %v, want ok=%v", target, err, ok)
		}
	}
}
