// Package api serves the platform's REST/JSON API: grpc-gateway handlers over
// the services' gRPC clients, JSON errors that name the invalid fields, the
// merged OpenAPI document and a readable API reference.
package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/nastavnik/nastavnik/gateway/internal/inbox"
	"github.com/nastavnik/nastavnik/platform/grpcserver"
	"github.com/nastavnik/nastavnik/platform/idempotency"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

// Backends are the client connections to the services.
type Backends struct {
	Registry   *grpc.ClientConn
	Roadmap    *grpc.ClientConn
	Indicators *grpc.ClientConn
}

// apiMarshalOptions are how the API writes its answers: every field, with
// its default value when unset (but no null for an unset message).
var apiMarshalOptions = protojson.MarshalOptions{EmitDefaultValues: true}

// NewMux returns the REST/JSON handler of every service; annotate adds the
// caller's signed identity to each call; opts are further options (the
// gateway's route metrics).
func NewMux(ctx context.Context, b Backends, annotate func(context.Context, *http.Request) metadata.MD, opts ...runtime.ServeMuxOption) (http.Handler, error) {
	mux := runtime.NewServeMux(append([]runtime.ServeMuxOption{
		runtime.WithErrorHandler(errorHandler),
		// An answer's length in its headers, not chunked: it is marshalled
		// whole before it is written (a save's answer, ~5 KB, went out in
		// chunks). The compression of a long one drops the length again.
		runtime.WithWriteContentLength(),
		runtime.WithMetadata(annotate),
		runtime.WithMarshalerOption(runtime.MIMEWildcard, jsonBody{&runtime.JSONPb{
			MarshalOptions:   apiMarshalOptions,
			UnmarshalOptions: protojson.UnmarshalOptions{DiscardUnknown: false},
		}}),
		// Only the request id and the idempotency key cross from HTTP headers
		// into gRPC metadata: no client may write other metadata (an identity
		// least of all).
		runtime.WithIncomingHeaderMatcher(func(h string) (string, bool) {
			switch {
			case strings.EqualFold(h, grpcserver.RequestIDKey):
				return grpcserver.RequestIDKey, true
			case strings.EqualFold(h, idempotency.Header):
				return idempotency.MetadataKey, true
			}
			return "", false
		}),
		// Services' metadata stays internal (the request id is set by the
		// middleware), except the mark of a replayed answer.
		runtime.WithOutgoingHeaderMatcher(func(h string) (string, bool) {
			if h == idempotency.ReplayedKey {
				return "Idempotent-Replayed", true
			}
			return "", false
		}),
	}, opts...)...)
	registrations := []struct {
		name     string
		conn     *grpc.ClientConn
		register func(context.Context, *runtime.ServeMux, *grpc.ClientConn) error
	}{
		{"RegionService", b.Registry, registryv1.RegisterRegionServiceHandler},
		{"MunicipalityService", b.Registry, registryv1.RegisterMunicipalityServiceHandler},
		{"OrganisationService", b.Registry, registryv1.RegisterOrganisationServiceHandler},
		{"AccountService", b.Registry, registryv1.RegisterAccountServiceHandler},
		{"AuthService", b.Registry, registryv1.RegisterAuthServiceHandler},
		{"AuditService", b.Registry, registryv1.RegisterAuditServiceHandler},
		{"DeadlineService", b.Roadmap, roadmapv1.RegisterDeadlineServiceHandler},
		{"AggregateService", b.Indicators, indicatorsv1.RegisterAggregateServiceHandler},
		{"FormService", b.Indicators, indicatorsv1.RegisterFormServiceHandler},
		{"CampaignService", b.Indicators, indicatorsv1.RegisterCampaignServiceHandler},
		{"ReportService", b.Indicators, indicatorsv1.RegisterReportServiceHandler},
		{"RoadmapService", b.Roadmap, roadmapv1.RegisterRoadmapServiceHandler},
	}
	for _, r := range registrations {
		if err := r.register(ctx, mux, r.conn); err != nil {
			return nil, fmt.Errorf("api: register %s: %w", r.name, err)
		}
	}
	// The caller's notifications: one list merged from every service that
	// sends them.
	if err := notifyv1.RegisterNotificationServiceHandlerClient(ctx, mux, inbox.New(inbox.Source{Name: "indicators", Conn: b.Indicators}, inbox.Source{Name: "roadmap", Conn: b.Roadmap})); err != nil {
		return nil, fmt.Errorf("api: register NotificationService: %w", err)
	}
	if err := notifyv1.RegisterOutboxServiceHandlerClient(ctx, mux, NewOutboxRouter(OutboxSources(b))); err != nil {
		return nil, fmt.Errorf("api: register OutboxService: %w", err)
	}
	// The hand-written routes: exactly those of HandRoutes, which the
	// OpenAPI document lists.
	hand := map[string]runtime.HandlerFunc{
		"GET /v1/aggregates:download": downloadAggregates(mux, b.Indicators, func(r *http.Request) metadata.MD { return annotate(r.Context(), r) }),
	}
	if len(hand) != len(HandRoutes) {
		return nil, fmt.Errorf("api: %d hand-written routes, %d described in HandRoutes", len(hand), len(HandRoutes))
	}
	for _, h := range HandRoutes {
		handler, ok := hand[h.Method+" "+h.Path]
		if !ok {
			return nil, fmt.Errorf("api: %s %s is described but has no handler", h.Method, h.Path)
		}
		if err := mux.HandlePath(h.Method, h.Path, handler); err != nil {
			return nil, fmt.Errorf("api: register %s %s: %w", h.Method, h.Path, err)
		}
	}
	return withBodySlot(mux), nil
}
