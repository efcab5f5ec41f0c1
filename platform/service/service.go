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

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/logging"
	"github.com/nastavnik/nastavnik/platform/notify"
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
	// SystemOnly names the methods only the gateway's own identity may call
	// (authentication); nil for none.
	SystemOnly func(fullMethod string) bool
}

// Env is what a service's Register gets to build its implementation.
type Env struct {
	Pool   *pgxpool.Pool
	Server grpc.ServiceRegistrar
	// Signer signs the caller's identity into calls to other services, so
	// they answer within the caller's scope.
	Signer *identity.Signer
	// Registry is a connection to the registry (Spec.UsesRegistry).
	Registry *grpc.ClientConn
	// Metrics registers the service's own metrics beside the server's.
	Metrics prometheus.Registerer
	// Notify is the notifications' e-mail configuration.
	Notify notify.Config
	// Logger is the service's logger.
	Logger *slog.Logger
	// Go runs fn in the background while the service serves; its context
	// ends when the service stops, and the service waits for it.
	Go func(fn func(ctx context.Context) error)
}

// LoadConfig reads the service's configuration from the environment.
func (s Spec) LoadConfig() (Config, error) { return config.Load[Config](s.Defaults) }

// Service is a started service: listening, not yet serving.
type Service struct {
	srv        *grpcserver.Server
	pool       *pgxpool.Pool
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
		// dns:///name:port balances over every replica the name resolves to.
		registry, err = grpc.NewClient(cfg.RegistryAddr, grpc.WithTransportCredentials(insecure.NewCredentials()),
			grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"round_robin":{}}]}`))
		if err != nil {
			return nil, fmt.Errorf("REGISTRY_ADDR: %w", err)
		}
	}
	pool, err := database.Open(ctx, cfg.Database)
	if err != nil {
		return nil, err
	}
	if cfg.Database.Migrate && spec.Migrations != nil {
		if err := database.Migrate(ctx, pool, spec.Migrations, logger); err != nil {
			pool.Close()
			return nil, err
		}
	}
	srv, err := grpcserver.New(grpcserver.Options{
		Name: spec.Name, Config: cfg.Server, Logger: logger, Authenticate: signer.Authenticator(spec.SystemOnly),
		Errors: spec.Errors,
		Ready:  func(ctx context.Context) error { return pool.Ping(ctx) },
	})
	if err != nil {
		pool.Close()
		return nil, err
	}
	svc := &Service{srv: srv, pool: pool, registry: registry}
	env := Env{Pool: pool, Server: srv.GRPC(), Signer: signer, Registry: registry, Metrics: srv.Registry(),
		Notify: cfg.Notify, Logger: logger,
		Go: func(fn func(ctx context.Context) error) { svc.background = append(svc.background, fn) }}
	if err := spec.Register(env); err != nil {
		pool.Close()
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
func Main(ctx context.Context, spec Spec) error {
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
