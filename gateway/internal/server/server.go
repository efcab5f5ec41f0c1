// Package server runs the gateway: it dials the services, serves the REST/JSON
// API, the OpenAPI document and the web pages over HTTP with request ids, body
// limits, timeouts, access logs and metrics, and shuts down gracefully.
package server

import (
	"context"
	"errors"
	"fmt"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/validation"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"runtime/debug"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/gateway/internal/httpmetrics"
	"github.com/nastavnik/nastavnik/gateway/internal/web"
	"github.com/nastavnik/nastavnik/platform/grpcclient"
	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/idempotency"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/logging"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/registryclient"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// Gateway is a started gateway: dialled and listening, not yet serving.
type Gateway struct {
	cfg      config.Config
	logger   *slog.Logger
	auth     *auth.Authenticator
	conns    []*grpc.ClientConn
	backends api.Backends
	http     *http.Server
	metrics  *http.Server
	lis      net.Listener
	mlis     net.Listener
}

// The gateway's flow-control windows towards the services (see New).
const (
	streamWindow = 4 << 20
	connWindow   = 16 << 20
)

// New dials the services and opens the listeners.
func New(ctx context.Context, cfg config.Config, logger *slog.Logger) (*Gateway, error) {
	g := &Gateway{cfg: cfg, logger: logger}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	clientMetrics := grpcprom.NewClientMetrics(grpcprom.WithClientHandlingTimeHistogram())
	reg.MustRegister(clientMetrics)

	authCache := auth.NewCache(cfg.AuthCacheTTL, cfg.AuthCacheSize)
	dial := func(addr string, interceptors ...grpc.UnaryClientInterceptor) (*grpc.ClientConn, error) {
		conn, err := grpcclient.Dial(addr,
			grpc.WithChainUnaryInterceptor(append([]grpc.UnaryClientInterceptor{clientMetrics.UnaryClientInterceptor()}, interceptors...)...),
			grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(32<<20), grpc.MaxCallSendMsgSize(16<<20)),
			// Fixed flow-control windows, wide enough for the services'
			// largest answers on a LAN: the default dynamic window sends a
			// BDP ping (and reads its ack) after almost every answer of a
			// request-response load, a write and a read more per call.
			grpc.WithStaticStreamWindowSize(streamWindow),
			grpc.WithStaticConnWindowSize(connWindow),
		)
		if err != nil {
			return nil, fmt.Errorf("gateway: %w", err)
		}
		g.conns = append(g.conns, conn)
		return conn, nil
	}
	var err error
	if g.backends.Registry, err = dial(cfg.RegistryAddr, authCache.Interceptor()); err != nil {
		return nil, g.closeConns(err)
	}
	if g.backends.Roadmap, err = dial(cfg.RoadmapAddr); err != nil {
		return nil, g.closeConns(err)
	}
	if g.backends.Indicators, err = dial(cfg.IndicatorsAddr); err != nil {
		return nil, g.closeConns(err)
	}

	key, err := identity.ParseKey(cfg.IdentityKey)
	if err != nil {
		return nil, g.closeConns(fmt.Errorf("gateway: IDENTITY_KEY %w", err))
	}
	notify.SetUnsubscribeKey(key)
	// The merged notifications list writes page tokens the services read.
	pagination.SetKey(key)
	signer, err := identity.NewSigner(key)
	if err != nil {
		return nil, g.closeConns(err)
	}
	g.auth = &auth.Authenticator{Signer: signer, Auth: registryv1.NewAuthServiceClient(g.backends.Registry),
		TrustForwarded: cfg.TrustForwarded, Cache: authCache}

	handler, err := g.handler(ctx, reg)
	if err != nil {
		return nil, g.closeConns(err)
	}
	g.http = &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       cfg.RequestTimeout + 30*time.Second,
		WriteTimeout:      cfg.RequestTimeout + 30*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
	}
	mmux := http.NewServeMux()
	mmux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	grpcserver.AddPprof(mmux)
	g.metrics = &http.Server{Handler: mmux, ReadHeaderTimeout: 5 * time.Second}

	if g.lis, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
		return nil, g.closeConns(fmt.Errorf("gateway: listen %s: %w", cfg.HTTPAddr, err))
	}
	if g.mlis, err = net.Listen("tcp", cfg.MetricsAddr); err != nil {
		g.lis.Close()
		return nil, g.closeConns(fmt.Errorf("gateway: listen %s: %w", cfg.MetricsAddr, err))
	}
	return g, nil
}

func (g *Gateway) closeConns(err error) error {
	for _, c := range g.conns {
		c.Close()
	}
	return err
}

// Addr is the HTTP address.
func (g *Gateway) Addr() string { return g.lis.Addr().String() }

// MetricsAddr is the address of /metrics.
func (g *Gateway) MetricsAddr() string { return g.mlis.Addr().String() }

// Serve serves until ctx ends, then lets in-flight requests finish within the
// shutdown timeout and closes the service connections.
func (g *Gateway) Serve(ctx context.Context) error {
	defer g.closeConns(nil)
	g.logger.InfoContext(ctx, "serving", "http", g.Addr(), "metrics", g.MetricsAddr())
	eg, ectx := errgroup.WithContext(ctx)
	for _, s := range []struct {
		srv *http.Server
		lis net.Listener
	}{{g.http, g.lis}, {g.metrics, g.mlis}} {
		eg.Go(func() error {
			if err := s.srv.Serve(s.lis); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		})
	}
	eg.Go(func() error {
		<-ectx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), g.cfg.ShutdownTimeout)
		defer cancel()
		return errors.Join(g.http.Shutdown(sctx), g.metrics.Shutdown(sctx))
	})
	return eg.Wait()
}

func (g *Gateway) handler(ctx context.Context, reg *prometheus.Registry) (http.Handler, error) {
	apiMux, err := api.NewMux(ctx, g.backends, g.auth.Metadata, runtime.WithMiddlewares(httpmetrics.GatewayMiddleware))
	if err != nil {
		return nil, err
	}
	authenticate := g.auth.APIMiddleware(func(w http.ResponseWriter, r *http.Request, err error) {
		api.WriteStatus(r.Context(), w, r, err)
	})
	docs, err := api.DocsHandler()
	if err != nil {
		return nil, err
	}
	openAPI, err := api.OpenAPIHandler()
	if err != nil {
		return nil, err
	}
	backend := web.NewBackend(g.backends.Indicators, g.backends.Roadmap, g.backends.Registry)
	pages, err := web.New(web.Deps{Logger: g.logger, Auth: g.auth,
		Account: web.NewAccountBackend(g.backends.Registry),
		Curator: backend, Roadmap: backend,
		Outbox: web.NewOutboxBackend(api.OutboxSources(g.backends)),
		Scopes: web.NewScopeNamer(registryclient.New(g.auth.Signer, g.backends.Registry))})
	if err != nil {
		return nil, err
	}
	adm, err := newAdmission(reg, g.cfg.WriteConcurrency, g.cfg.WriteConcurrencyReading, g.cfg.WriteQueueWait)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", g.limitBody(cleanQuery(g.timeout(authenticate(adm.writes(apiMux, apiBusy))))))
	mux.Handle("GET /openapi.json", openAPI)
	mux.Handle("GET /docs", docs)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", g.ready)
	pagesHandler := g.timeout(adm.writes(pages.Handler(), pages.Busy()))
	for _, path := range web.Paths {
		mux.Handle(path, pagesHandler)
	}

	red, err := httpmetrics.New(reg)
	if err != nil {
		return nil, err
	}
	zipped, err := compressed(httpmetrics.Mux(mux))
	if err != nil {
		return nil, err
	}
	h := red.Instrument(g.secureHeaders(zipped))
	h = safeReads(h)
	h = g.recoverPanics(h)
	h = g.requestID(h)
	return h, nil
}

// safeReads marks GET and HEAD requests as reads, whose calls to the
// services may be repeated while a service restarts (idempotency.Retry).
func safeReads(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			r = r.WithContext(idempotency.Safe(r.Context()))
		}
		next.ServeHTTP(w, r)
	})
}

// requestID gives every request an id (kept from X-Request-Id when sent), echoes
// it, forwards it to the services and logs the request.
func (g *Gateway) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rid := r.Header.Get(grpcserver.RequestIDKey)
		if rid == "" || len(rid) > 128 {
			rid = uuid.NewString()
			r.Header.Set(grpcserver.RequestIDKey, rid)
		}
		w.Header().Set(grpcserver.RequestIDKey, rid)
		ctx := logging.WithAttrs(r.Context(), g.logger, "request_id", rid)
		r = r.WithContext(ctx)
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		// The access log, when its level is on (nothing is built when not).
		if g.logger.Enabled(ctx, slog.LevelInfo) {
			logging.FromContext(ctx).LogAttrs(ctx, slog.LevelInfo, "http", slog.String("method", r.Method),
				slog.String("path", r.URL.Path), slog.Int("status", sw.status),
				slog.Float64("duration_ms", float64(time.Since(start).Microseconds())/1000), slog.String("remote", r.RemoteAddr))
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Unwrap() http.ResponseWriter { return s.ResponseWriter }

func (g *Gateway) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logging.FromContext(r.Context()).ErrorContext(r.Context(), "panic", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				api.WriteError(w, http.StatusInternalServerError, api.Error{Code: "INTERNAL", Message: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// limitBody refuses bodies over the configured size: 413 when the length is
// declared, a 400 from the decoder when a chunked body runs over.
// secureHeaders sets what every answer carries: no MIME sniffing, no
// referrer beyond the site, HSTS over TLS, and no caching of the API's
// answers (personal data and, for sign-in, a token). The pages set their own
// CSP; /docs its own.
func (g *Gateway) secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		if g.auth.Secure(r) {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// cleanQuery refuses a path or query parameter that is not UTF-8 text or
// holds a NUL character: a 400 naming the parameter, before it reaches a
// service (where it would fail to encode, or PostgreSQL would refuse it).
func cleanQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ve := &validation.Error{}
		check := func(field, v string) {
			switch {
			case !utf8.ValidString(v):
				ve.Add(field, validation.New("not_utf8"))
			case strings.ContainsRune(v, 0):
				ve.Add(field, validation.New("nul_character"))
			}
		}
		check("path", r.URL.Path)
		q, err := url.ParseQuery(r.URL.RawQuery)
		if err != nil {
			ve.Add("query", validation.New(validation.CodeInvalid))
		}
		for k, vs := range q {
			check(k, k)
			for _, v := range vs {
				check(k, v)
			}
		}
		if err := ve.Err(); err != nil {
			api.WriteStatus(r.Context(), w, r, grpcerr.InvalidArgument(ve))
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (g *Gateway) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > g.cfg.MaxBodyBytes {
			api.WriteError(w, http.StatusRequestEntityTooLarge, api.Error{Code: "INVALID_ARGUMENT",
				Message: fmt.Sprintf("request body is larger than %d bytes", g.cfg.MaxBodyBytes)})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, g.cfg.MaxBodyBytes)
		next.ServeHTTP(w, r)
	})
}

func (g *Gateway) timeout(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), g.cfg.RequestTimeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// ready reports 200 when every service answers its health check.
func (g *Gateway) ready(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	for name, conn := range map[string]*grpc.ClientConn{
		"registry": g.backends.Registry, "roadmap": g.backends.Roadmap, "indicators": g.backends.Indicators,
	} {
		resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
		if err != nil || resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			http.Error(w, name+" is not ready", http.StatusServiceUnavailable)
			return
		}
	}
	_, _ = w.Write([]byte("ok\n"))
}

// Run is the whole gateway process until ctx ends.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger) error {
	g, err := New(ctx, cfg, logger)
	if err != nil {
		return err
	}
	return g.Serve(ctx)
}
