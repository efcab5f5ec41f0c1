// Package grpcserver runs a service's gRPC API with the shared interceptor chain,
// gRPC health and reflection, and a side HTTP server for /metrics and health,
// under one errgroup with graceful shutdown.
package grpcserver

import (
	"context"
	"errors"
	"fmt"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"log/slog"
	"net"
	"net/http"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/nastavnik/nastavnik/platform/config"
)

// Authenticator checks the caller of a call and returns the context to handle it
// with (carrying the caller's identity). It returns an Unauthenticated status
// error to refuse the call.
type Authenticator func(ctx context.Context, fullMethod string) (context.Context, error)

// Options configure a Server.
type Options struct {
	// Name of the service, for logs and health.
	Name   string
	Config config.Server
	Logger *slog.Logger
	// Authenticate, when set, runs on every call before validation.
	Authenticate Authenticator
	// Errors is the service's error table, applied to every error a handler
	// returns that is not already a status.
	Errors grpcerr.Table
	// Unary are interceptors of the service's own, run after request
	// validation, before the handler (idempotency keys).
	Unary []grpc.UnaryServerInterceptor
	// Ready reports whether the service can serve (e.g. its database answers);
	// it backs /readyz. Nil means always ready.
	Ready func(context.Context) error
}

// streamWorkers is how many goroutines serve calls and are kept between
// them. Without workers gRPC starts a goroutine per call, whose stack then
// grows by copying through the interceptors, the handler and pgx (7 % of the
// indicators service's CPU on saves); a worker keeps its grown stack for the
// next call. A call that finds every worker busy gets its own goroutine as
// before, so the number bounds no concurrency: it covers the calls a service
// has in flight at a peak (the gateway's requests waiting on the database),
// at the cost of a few kilobytes of stack each when idle.
const streamWorkers = 64

// Server is a gRPC server with its metrics side server, listening but not yet
// serving until Serve is called.
type Server struct {
	opts     Options
	grpc     *grpc.Server
	health   *health.Server
	registry *prometheus.Registry
	metrics  *http.Server
	lis      net.Listener
	mlis     net.Listener
}

// New opens both listeners and builds the server. Register the service
// implementations on GRPC() before calling Serve.
func New(opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srvMetrics := grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
		grpcprom.WithHistogramBuckets([]float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5}),
	))
	reg.MustRegister(srvMetrics)

	chain, err := newChain(opts, srvMetrics)
	if err != nil {
		return nil, err
	}
	gs := grpc.NewServer(
		grpc.ChainUnaryInterceptor(chain.unary...),
		grpc.ChainStreamInterceptor(chain.stream...),
		grpc.MaxRecvMsgSize(16<<20),
		grpc.NumStreamWorkers(streamWorkers),
	)
	hs := health.NewServer()
	healthpb.RegisterHealthServer(gs, hs)
	reflection.Register(gs)

	lis, err := net.Listen("tcp", opts.Config.GRPCAddr)
	if err != nil {
		return nil, fmt.Errorf("grpcserver: listen %s: %w", opts.Config.GRPCAddr, err)
	}
	mlis, err := net.Listen("tcp", opts.Config.MetricsAddr)
	if err != nil {
		lis.Close()
		return nil, fmt.Errorf("grpcserver: listen %s: %w", opts.Config.MetricsAddr, err)
	}
	s := &Server{opts: opts, grpc: gs, health: hs, registry: reg, lis: lis, mlis: mlis}
	s.metrics = &http.Server{Handler: s.sideHandler(), ReadHeaderTimeout: 5 * time.Second}
	srvMetrics.InitializeMetrics(gs)
	return s, nil
}

// GRPC returns the server to register services on.
func (s *Server) GRPC() *grpc.Server { return s.grpc }

// Addr is the address the gRPC API listens on.
func (s *Server) Addr() string { return s.lis.Addr().String() }

// MetricsAddr is the address of the /metrics side server.
func (s *Server) MetricsAddr() string { return s.mlis.Addr().String() }

// Registry is the Prometheus registry for the service's own metrics.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// Serve serves until ctx is done, then stops gracefully: health turns
// NOT_SERVING, in-flight calls get ShutdownTimeout to finish, then the rest are
// cut off.
func (s *Server) Serve(ctx context.Context) error {
	for name := range s.grpc.GetServiceInfo() {
		s.health.SetServingStatus(name, healthpb.HealthCheckResponse_SERVING)
	}
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.opts.Logger.InfoContext(ctx, "serving", "grpc", s.Addr(), "metrics", s.MetricsAddr())

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := s.grpc.Serve(s.lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			return fmt.Errorf("grpc serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		if err := s.metrics.Serve(s.mlis); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("metrics serve: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		s.opts.Logger.Info("shutting down", "timeout", s.opts.Config.ShutdownTimeout.String())
		s.health.Shutdown()
		done := make(chan struct{})
		go func() {
			s.grpc.GracefulStop()
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(s.opts.Config.ShutdownTimeout):
			s.opts.Logger.Warn("graceful stop timed out; stopping")
			s.grpc.Stop()
		}
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return s.metrics.Shutdown(shutdownCtx)
	})
	return g.Wait()
}

func (s *Server) sideHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{Registry: s.registry}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if s.opts.Ready != nil {
			ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
			defer cancel()
			if err := s.opts.Ready(ctx); err != nil {
				http.Error(w, "not ready", http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	AddPprof(mux)
	return mux
}
