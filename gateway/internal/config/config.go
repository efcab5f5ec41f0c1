// Package config is the gateway's configuration, read from the environment.
package config

import (
	"errors"
	"fmt"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	pconfig "github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// Config configures the gateway process.
type Config struct {
	// HTTPAddr is where people and scripts reach the platform.
	HTTPAddr string `env:"HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	// MetricsAddr serves /metrics for Prometheus.
	MetricsAddr string `env:"METRICS_ADDR" envDefault:"127.0.0.1:9200"`
	// Service addresses (host:port, or a gRPC target such as dns:///registry:9101
	// to balance over replicas).
	RegistryAddr   string `env:"REGISTRY_ADDR" envDefault:"127.0.0.1:9101"`
	RoadmapAddr    string `env:"ROADMAP_ADDR" envDefault:"127.0.0.1:9102"`
	IndicatorsAddr string `env:"INDICATORS_ADDR" envDefault:"127.0.0.1:9103"`
	// RequestTimeout bounds one API request end to end.
	RequestTimeout time.Duration `env:"REQUEST_TIMEOUT" envDefault:"30s"`
	// MaxBodyBytes bounds a request body (an 8 MiB import file is ~11 MiB as base64 JSON).
	MaxBodyBytes int64 `env:"MAX_BODY_BYTES" envDefault:"12582912"`
	// ShutdownTimeout bounds how long in-flight requests may run after SIGTERM.
	ShutdownTimeout time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"20s"`
	LogLevel        string        `env:"LOG_LEVEL" envDefault:"info"`
	// IdentityKey signs the callers' identities for the services (base64, at
	// least 32 bytes); every service must have the same.
	IdentityKey string `env:"IDENTITY_KEY"`
	// TrustForwarded takes the client's address from X-Forwarded-For and TLS
	// from X-Forwarded-Proto: set it only behind a proxy that sets them.
	TrustForwarded bool `env:"TRUST_FORWARDED" envDefault:"false"`
	// AuthCacheTTL is how long a resolved session or token is remembered
	// (0 asks the registry on every request; at most 5s): a credential ended
	// elsewhere stops working within it, one ended through this gateway at once.
	AuthCacheTTL time.Duration `env:"AUTH_CACHE_TTL" envDefault:"5s"`
	// AuthCacheSize bounds the remembered credentials.
	AuthCacheSize int `env:"AUTH_CACHE_SIZE" envDefault:"20000"`
	// WriteConcurrency bounds the writes (API and page requests other than
	// GET, HEAD and OPTIONS) served at once; the others wait their turn, so
	// that readers are not queued behind a flood of saves. 0: no limit (the
	// default: on a shared 2-core machine a limit cost the saves more
	// throughput than it gave the readers, see README).
	WriteConcurrency int `env:"WRITE_CONCURRENCY" envDefault:"0"`
	// WriteConcurrencyReading bounds the writes served at once while a read
	// (an API or page GET) is being served: the saves give way to the
	// dashboards someone waits for, and alone keep every place. 0: no such
	// bound.
	WriteConcurrencyReading int `env:"WRITE_CONCURRENCY_READING" envDefault:"8"`
	// WriteQueueWait bounds a write's wait for its turn (shorter than
	// RequestTimeout, which counts it): past it the write is answered 503
	// with Retry-After.
	WriteQueueWait time.Duration `env:"WRITE_QUEUE_WAIT" envDefault:"10s"`
}

// Validate reports every problem at once.
func (c Config) Validate() error {
	errs := []error{
		pconfig.CheckAddr("HTTP_ADDR", c.HTTPAddr),
		pconfig.CheckAddr("METRICS_ADDR", c.MetricsAddr),
	}
	for name, v := range map[string]string{"REGISTRY_ADDR": c.RegistryAddr, "ROADMAP_ADDR": c.RoadmapAddr, "INDICATORS_ADDR": c.IndicatorsAddr} {
		if err := pconfig.CheckTarget(name, v); err != nil {
			errs = append(errs, err)
		}
	}
	if c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("REQUEST_TIMEOUT must be positive, got %s", c.RequestTimeout))
	}
	if c.MaxBodyBytes < 1024 {
		errs = append(errs, fmt.Errorf("MAX_BODY_BYTES must be at least 1024, got %d", c.MaxBodyBytes))
	}
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, fmt.Errorf("SHUTDOWN_TIMEOUT must be positive, got %s", c.ShutdownTimeout))
	}
	if c.AuthCacheTTL < 0 || c.AuthCacheTTL > auth.MaxCacheTTL {
		errs = append(errs, fmt.Errorf("AUTH_CACHE_TTL must be between 0 and %s, got %s", auth.MaxCacheTTL, c.AuthCacheTTL))
	}
	if c.AuthCacheSize < 1 {
		errs = append(errs, fmt.Errorf("AUTH_CACHE_SIZE must be positive, got %d", c.AuthCacheSize))
	}
	if c.WriteConcurrency < 0 {
		errs = append(errs, fmt.Errorf("WRITE_CONCURRENCY must not be negative (0 is no limit), got %d", c.WriteConcurrency))
	}
	if c.WriteConcurrencyReading < 0 {
		errs = append(errs, fmt.Errorf("WRITE_CONCURRENCY_READING must not be negative (0 is no limit), got %d", c.WriteConcurrencyReading))
	}
	if c.WriteQueueWait <= 0 || c.WriteQueueWait >= c.RequestTimeout {
		errs = append(errs, fmt.Errorf("WRITE_QUEUE_WAIT must be positive and shorter than REQUEST_TIMEOUT, got %s", c.WriteQueueWait))
	}
	if _, err := pconfig.ParseLogLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if _, err := identity.ParseKey(c.IdentityKey); err != nil {
		errs = append(errs, fmt.Errorf("IDENTITY_KEY %w", err))
	}
	return errors.Join(errs...)
}

// Load reads and validates the configuration.
func Load() (Config, error) { return pconfig.Load[Config](nil) }
