// Package service assembles a nastavnik gRPC service the same way for every
// service: configuration from the environment, logging, the database with its
// migrations, the gRPC server with the shared interceptor chain, and shutdown
// in reverse order of start.
package service

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/grpcclient"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/logging"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/pagination"
)

// Config is a service's configuration, read from the environment.
type Config struct {
	Server   config.Server
	Database config.Database
	// IdentityKey verifies the identities the gateway signs (base64, at least
	// 32 bytes). It is a secret shared by the gateway and every service.
	IdentityKey string `env:"IDENTITY_KEY"`
	// RegistryAddr is the registry's gRPC address, for services that ask it
	// about organisations (Spec.UsesRegistry).
	RegistryAddr string `env:"REGISTRY_ADDR"`
	// Notify is the e-mail of the services' notifications (NASTAVNIK_SMTP_*).
	Notify notify.Config
	// Now is the clock of the request handlers (not from the environment:
	// tests set it to move time without waiting); nil is time.Now.
	Now func() time.Time
}

// Validate reports every configuration problem.
func (c Config) Validate() error {
	var keyErr error
	if _, err := identity.ParseKey(c.IdentityKey); err != nil {
		keyErr = fmt.Errorf("IDENTITY_KEY %w", err)
	}
	return errors.Join(c.Server.Validate(), c.Database.Validate(), keyErr, c.Notify.Validate())
}

// Spec describes one service.
type Spec struct {
	// Name appears in logs and is the default schema.
	Name string
	// Defaults are the values of environment variables that are not set.
	Defaults map[string]string
	// Migrations are the service's embedded goose migrations; nil for none.
	Migrations fs.FS
	// Register puts the service's implementations on the gRPC server.
	Register func(env Env) error
	// UsesRegistry makes REGISTRY_ADDR required and Env.Registry a client
	// connection to it.
	UsesRegistry bool
	// Errors is the service's one mapping from its errors to gRPC codes,
	// applied by the interceptor chain to whatever a handler returns.
	Errors grpcerr.Table
	// Idempotent are the full names of the methods that take an idempotency
	// key (creates and report transitions: writes a client may repeat); the
	// service needs the idempotency_keys table (package idempotency).
	Idempotent []string
	// SystemOnly names the methods only the gateway's own identity may call
	// (authentication); nil for none.
	SystemOnly func(fullMethod string) bool
}

// Env is what a service's Register gets to build its implementation.
type Env struct {
	Pool *pgxpool.Pool
	// ReadPool is for read-only paths that tolerate replication lag: a pool
	// on DATABASE_READ_URL (a replica) when set, else Pool itself.
	ReadPool *pgxpool.Pool
	// Metrics registers the service's own metrics, served on /metrics.
	Metrics prometheus.Registerer
	// Logger is the service's logger.
	Logger *slog.Logger
	Server grpc.ServiceRegistrar
	// Signer signs the caller's identity into calls to other services, so
	// they answer within the caller's scope.
	Signer *identity.Signer
	// Registry is a connection to the registry (Spec.UsesRegistry).
	Registry *grpc.ClientConn
	// Notify is the notifications' e-mail configuration.
	Notify notify.Config
	// Now is the clock the request handlers read (Config.Now); background
	// work keeps its own.
	Now func() time.Time
	// Go runs fn in the background while the service serves; its context
	// ends when the service stops, and the service waits for it.
	Go func(fn func(ctx context.Context) error)
}

// StartOutbox runs the service's outbox (platform/notify) in the background:
// every NASTAVNIK_NOTIFY_INTERVAL, its jobs (the schedulers that enqueue what
// is due), then a drain of what is due (expanded through the registry, sent by
// SMTP as NASTAVNIK_SMTP_* configures).
func (e Env) StartOutbox(s notify.Service, jobs ...func(ctx context.Context, now time.Time) error) {
	ob := notify.New(notify.Platform{Config: e.Notify, Pool: e.Pool, Signer: e.Signer, Registry: e.Registry,
		Metrics: e.Metrics, Logger: e.Logger}, s)
	e.Go(func(ctx context.Context) error { return ob.Run(ctx, e.Notify.Interval, jobs...) })
}

// LoadConfig reads the service's configuration from the environment.
func (s Spec) LoadConfig() (Config, error) { return config.Load[Config](s.Defaults) }

// Service is a started service: listening, not yet serving.
type Service struct {
	srv        *grpcserver.Server
	pool       *pgxpool.Pool
	readPool   *pgxpool.Pool // nil without DATABASE_READ_URL
	registry   *grpc.ClientConn
	background []func(ctx context.Context) error
}

// Start opens the database, migrates it when configured to, and opens the
// listeners.
func Start(ctx context.Context, spec Spec, cfg Config, logger *slog.Logger) (*Service, error) {
	key, err := identity.ParseKey(cfg.IdentityKey)
	if err != nil {
		return nil, fmt.Errorf("IDENTITY_KEY %w", err)
	}
	pagination.SetKey(key)
	notify.SetUnsubscribeKey(key)
	signer, err := identity.NewSigner(key)
	if err != nil {
		return nil, err
	}
	var registry *grpc.ClientConn
	if spec.UsesRegistry {
		if err := config.CheckTarget("REGISTRY_ADDR", cfg.RegistryAddr); err != nil {
			return nil, err
		}
		// Connections are lazy: the registry may start after this service.
		// dns:///name:port or a list balances over every replica.
		registry, err = grpcclient.Dial(cfg.RegistryAddr)
		if err != nil {
			return nil, fmt.Errorf("REGISTRY_ADDR: %w", err)
		}
	}
	pool, err := database.Connect(ctx, cfg.Database, logger)
	if err != nil {
		return nil, err
	}
	readPool, err := database.OpenRead(ctx, cfg.Database)
	if err != nil {
		pool.Close()
		return nil, err
	}
	closePools := func() {
		if readPool != nil {
			readPool.Close()
		}
		pool.Close()
	}
	if cfg.Database.Migrate && spec.Migrations != nil {
		if err := database.Migrate(ctx, pool, spec.Migrations, logger); err != nil {
			closePools()
			return nil, err
		}
	}
	keys, err := idempotency.New(pool, spec.Idempotent)
	if err != nil {
		closePools()
		return nil, err
	}
	srv, err := grpcserver.New(grpcserver.Options{
		Name: spec.Name, Config: cfg.Server, Logger: logger, Authenticate: signer.Authenticator(spec.SystemOnly),
		Errors: spec.Errors,
		Unary:  []grpc.UnaryServerInterceptor{keys.Unary(spec.Errors)},
		Ready:  func(ctx context.Context) error { return pool.Ping(ctx) },
	})
	if err != nil {
		closePools()
		return nil, err
	}
	srv.Registry().MustRegister(database.NewPoolCollector(map[string]*pgxpool.Pool{"primary": pool, "read": readPool}))
	svc := &Service{srv: srv, pool: pool, readPool: readPool, registry: registry}
	env := Env{Pool: pool, ReadPool: pool, Server: srv.GRPC(), Signer: signer, Registry: registry, Metrics: srv.Registry(),
		Notify: cfg.Notify, Logger: logger, Now: cfg.Now,
		Go: func(fn func(ctx context.Context) error) { svc.background = append(svc.background, fn) }}
	if readPool != nil {
		env.ReadPool = readPool
	}
	if env.Now == nil {
		env.Now = time.Now
	}
	if err := spec.Register(env); err != nil {
		closePools()
		return nil, fmt.Errorf("register: %w", err)
	}
	return svc, nil
}

// Addr is the gRPC address.
func (s *Service) Addr() string { return s.srv.Addr() }

// MetricsAddr is the address of /metrics, /healthz and /readyz.
func (s *Service) MetricsAddr() string { return s.srv.MetricsAddr() }

// Serve serves until ctx ends, then stops gracefully and closes the database.
func (s *Service) Serve(ctx context.Context) error {
	defer s.pool.Close()
	if s.readPool != nil {
		defer s.readPool.Close()
	}
	if s.registry != nil {
		defer s.registry.Close()
	}
	g, gctx := errgroup.WithContext(ctx)
	for _, fn := range s.background {
		g.Go(func() error { return fn(gctx) })
	}
	g.Go(func() error { return s.srv.Serve(gctx) })
	return g.Wait()
}

// Main is a whole service process: configuration from the environment, JSON
// logs to stderr, serving until ctx ends.
//
// With DATABASE_MIGRATE_ONLY=true it applies the service's migrations and
// exits instead (only the DATABASE_* variables are read then).
func Main(ctx context.Context, spec Spec) error {
	if db, err := config.Load[config.Database](spec.Defaults); err == nil && db.MigrateOnly {
		return MigrateOnly(ctx, spec, db, logging.New(os.Stderr, slog.LevelInfo, spec.Name))
	}
	config.TuneGC()
	cfg, err := spec.LoadConfig()
	if err != nil {
		return err
	}
	level, _ := config.ParseLogLevel(cfg.Server.LogLevel)
	logger := logging.New(os.Stderr, level, spec.Name)
	svc, err := Start(ctx, spec, cfg, logger)
	if err != nil {
		return err
	}
	return svc.Serve(ctx)
}

// MigrateOnly applies the service's embedded migrations to the database of
// db and returns.
func MigrateOnly(ctx context.Context, spec Spec, db config.Database, logger *slog.Logger) error {
	pool, err := database.Connect(ctx, db, logger)
	if err != nil {
		return err
	}
	defer pool.Close()
	if spec.Migrations == nil {
		return nil
	}
	if err := database.Migrate(ctx, pool, spec.Migrations, logger); err != nil {
		return err
	}
	logger.InfoContext(ctx, "migrated; exiting (DATABASE_MIGRATE_ONLY)")
	return nil
}
