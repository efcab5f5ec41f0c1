// Package config reads process configuration from the environment and validates
// it at start, reporting every problem at once and never printing secrets.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Validator is a configuration that can check itself.
type Validator interface {
	Validate() error
}

// Load parses T from the environment, where defaults fill variables that are
// not set, and validates it. Parse errors name the variable; Validate reports
// every other problem joined into one error.
func Load[T Validator](defaults map[string]string) (T, error) {
	vars := env.ToMap(os.Environ())
	for k, v := range defaults {
		if _, ok := vars[k]; !ok {
			vars[k] = v
		}
	}
	cfg, err := env.ParseAsWithOptions[T](env.Options{Environment: vars})
	if err != nil {
		return cfg, fmt.Errorf("config: %w", namedParseErrors[T](err))
	}
	if err := cfg.Validate(); err != nil {
		return cfg, fmt.Errorf("config: %w", err)
	}
	return cfg, nil
}

// Server is the configuration every gRPC service shares.
type Server struct {
	// GRPCAddr is where the gRPC API listens.
	GRPCAddr string `env:"GRPC_ADDR" envDefault:"127.0.0.1:9090"`
	// MetricsAddr is where /metrics and /healthz are served over plain HTTP.
	MetricsAddr string `env:"METRICS_ADDR" envDefault:"127.0.0.1:9091"`
	// ShutdownTimeout bounds how long in-flight requests may run after SIGTERM.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"LOG_LEVEL" envDefault:"info"`
}

// Validate reports every problem of the server configuration.
func (s Server) Validate() error {
	var errs []error
	errs = append(errs, CheckAddr("GRPC_ADDR", s.GRPCAddr), CheckAddr("METRICS_ADDR", s.MetricsAddr))
	if s.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("SHUTDOWN_TIMEOUT must be positive, got %s", s.ShutdownTimeout))
	}
	if _, err := ParseLogLevel(s.LogLevel); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Database is the configuration of a service's own PostgreSQL schema.
type Database struct {
	// URL is a libpq connection string or URL. It may carry a password, so it is
	// never printed.
	URL string `env:"DATABASE_URL"`
	// ReadURL, when set, is where read-only paths that tolerate a little
	// replication lag (the dashboards' aggregates, the business gauges) read:
	// a streaming replica, such as CloudNativePG's "-ro" service. Empty: they
	// read through URL. It may carry a password, so it is never printed.
	ReadURL string `env:"DATABASE_READ_URL"`
	// Schema is the schema the service owns; it becomes the search_path.
	Schema string `env:"DATABASE_SCHEMA"`
	// MaxConns caps the pool per process.
	MaxConns int32 `env:"DATABASE_MAX_CONNS" envDefault:"10"`
	// Migrate applies the embedded migrations at start.
	Migrate bool `env:"DATABASE_MIGRATE" envDefault:"true"`
	// MigrateOnly makes the process apply the embedded migrations and exit
	// (a deployment's migration Job), without serving.
	MigrateOnly bool `env:"DATABASE_MIGRATE_ONLY" envDefault:"false"`
	// ConnectTimeout bounds how long a starting service waits for PostgreSQL
	// to answer, retrying with capped exponential backoff.
	ConnectTimeout time.Duration `env:"DATABASE_CONNECT_TIMEOUT" envDefault:"2m"`
	// IdleInTransactionTimeout ends a pool session whose open transaction
	// has waited longer than this for its next statement (PostgreSQL's
	// idle_in_transaction_session_timeout): a caller stuck while holding a
	// transaction no longer holds its locks and its snapshot, which keeps
	// vacuum from cleaning up, until the process dies. The service's own
	// transactions wait between statements only for Go work and short
	// calls to other services. Zero leaves the server's setting.
	IdleInTransactionTimeout time.Duration `env:"DATABASE_IDLE_IN_TRANSACTION_TIMEOUT" envDefault:"1m"`
	// StatementTimeout cancels a pool statement that runs longer
	// (statement_timeout): a backstop for the background jobs, which have
	// no deadline, and for callers gone mid-statement. Migrations run on
	// their own connections without it, so a long CREATE INDEX is never
	// cut; imports write in batches of seconds. Zero leaves the server's
	// setting.
	StatementTimeout time.Duration `env:"DATABASE_STATEMENT_TIMEOUT" envDefault:"5m"`
}

// Validate reports every problem of the database configuration.
func (d Database) Validate() error {
	var errs []error
	if d.URL == "" {
		errs = append(errs, errors.New("DATABASE_URL is required"))
	}
	if d.Schema == "" || strings.ContainsAny(d.Schema, "\"'; ") {
		errs = append(errs, fmt.Errorf("DATABASE_SCHEMA must be a plain schema name, got %q", d.Schema))
	}
	if d.MaxConns < 1 || d.MaxConns > 1000 {
		errs = append(errs, fmt.Errorf("DATABASE_MAX_CONNS must be within 1..1000, got %d", d.MaxConns))
	}
	if d.ConnectTimeout < 0 {
		errs = append(errs, fmt.Errorf("DATABASE_CONNECT_TIMEOUT must not be negative, got %s", d.ConnectTimeout))
	}
	if d.IdleInTransactionTimeout != 0 && d.IdleInTransactionTimeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT must be 0 or at least 1ms, got %s", d.IdleInTransactionTimeout))
	}
	if d.StatementTimeout != 0 && d.StatementTimeout < time.Millisecond {
		errs = append(errs, fmt.Errorf("DATABASE_STATEMENT_TIMEOUT must be 0 or at least 1ms, got %s", d.StatementTimeout))
	}
	return errors.Join(errs...)
}

// CheckAddr checks that a listen or dial address is host:port.
func CheckAddr(name, addr string) error {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return fmt.Errorf("%s must be host:port, got %q", name, addr)
	}
	return nil
}

// CheckTarget checks a gRPC dial target: host:port, a resolver target
// (dns:///host:port, passthrough:///host:port) or a comma-separated list of
// host:port, one per replica (see platform/grpcclient).
func CheckTarget(name, target string) error {
	if strings.Contains(target, ",") {
		for _, a := range strings.Split(target, ",") {
			if _, _, err := net.SplitHostPort(strings.TrimSpace(a)); err != nil || strings.TrimSpace(a) == "" {
				return fmt.Errorf("%s must be host:port, dns:///host:port or host:port,host:port,…, got %q", name, target)
			}
		}
		return nil
	}
	rest := target
	if scheme, after, ok := strings.Cut(target, ":///"); ok {
		if scheme != "dns" && scheme != "passthrough" {
			return fmt.Errorf("%s: resolver %q is not dns or passthrough, got %q", name, scheme, target)
		}
		rest = after
	}
	if _, _, err := net.SplitHostPort(rest); err != nil || rest == "" {
		return fmt.Errorf("%s must be host:port, dns:///host:port or host:port,host:port,…, got %q", name, target)
	}
	return nil
}

// ParseLogLevel turns debug/info/warn/error into a slog level.
func ParseLogLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("LOG_LEVEL must be debug, info, warn or error, got %q", s)
	}
	return l, nil
}

// namedParseErrors rewrites the parser's errors, which name struct fields, so
// that they name the environment variable the operator has to fix.
func namedParseErrors[T any](err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return err
	}
	keys := map[string]string{}
	collectKeys(reflect.TypeFor[T](), keys)
	out := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) && keys[pe.Name] != "" {
			e = fmt.Errorf("%s cannot be read as %s: %w", keys[pe.Name], pe.Type, pe.Err)
		}
		out = append(out, e)
	}
	return errors.Join(out...)
}

func collectKeys(t reflect.Type, keys map[string]string) {
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Type.Kind() == reflect.Struct && f.Type.PkgPath() != "time" {
			collectKeys(f.Type, keys)
			continue
		}
		if tag, ok := f.Tag.Lookup("env"); ok {
			keys[f.Name] = strings.Split(tag, ",")[0]
		}
	}
}
