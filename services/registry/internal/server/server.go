// Package server implements the registry's gRPC services over the store: it
// converts between proto and domain types, validates input field by field and
// maps errors to gRPC codes in one table.
package server

import (
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/pagination"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

// Server implements the registry's services.
type Server struct {
	registryv1.UnimplementedRegionServiceServer
	registryv1.UnimplementedMunicipalityServiceServer
	registryv1.UnimplementedOrganisationServiceServer
	registryv1.UnimplementedAccountServiceServer
	registryv1.UnimplementedAuthServiceServer
	registryv1.UnimplementedRecipientServiceServer
	registryv1.UnimplementedAuditServiceServer

	store *store.Store
	now   func() time.Time
}

var (
	_ registryv1.RegionServiceServer       = (*Server)(nil)
	_ registryv1.MunicipalityServiceServer = (*Server)(nil)
	_ registryv1.OrganisationServiceServer = (*Server)(nil)
	_ registryv1.AccountServiceServer      = (*Server)(nil)
	_ registryv1.AuthServiceServer         = (*Server)(nil)
	_ registryv1.AuditServiceServer        = (*Server)(nil)
)

// New returns a server over st.
func New(st *store.Store) *Server { return &Server{store: st, now: time.Now} }

// WithClock makes the server read the time from now (tests of throttling).
func (s *Server) WithClock(now func() time.Time) *Server { s.now = now; return s }

// Register registers every registry service on g.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	registryv1.RegisterRegionServiceServer(g, s)
	registryv1.RegisterMunicipalityServiceServer(g, s)
	registryv1.RegisterOrganisationServiceServer(g, s)
	registryv1.RegisterAccountServiceServer(g, s)
	registryv1.RegisterAuthServiceServer(g, s)
	registryv1.RegisterAuditServiceServer(g, s)
	registryv1.RegisterRecipientServiceServer(g, s)
}

// SystemOnly reports the methods only a system identity may call: the
// gateway's to authenticate people, the services' outboxes to name the people
// they notify.
func SystemOnly(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/"+registryv1.AuthService_ServiceDesc.ServiceName+"/") ||
		strings.HasPrefix(fullMethod, "/"+registryv1.RecipientService_ServiceDesc.ServiceName+"/")
}

// Errors is the registry's one mapping from errors to gRPC codes; the shared
// interceptor chain applies it to every error a handler returns.
var Errors = grpcerr.Table{
	{Target: domain.ErrNotFound, Code: codes.NotFound},
	{Target: domain.ErrStale, Code: codes.Aborted},
	{Target: domain.ErrDuplicateINN, Code: codes.AlreadyExists},
	{Target: domain.ErrAlreadyExists, Code: codes.AlreadyExists},
	{Target: domain.ErrRegionInUse, Code: codes.AlreadyExists},
	{Target: domain.ErrNameTaken, Code: codes.AlreadyExists},
	{Target: domain.ErrAlreadyClosed, Code: codes.FailedPrecondition},
	{Target: pagination.ErrBadToken, Code: codes.InvalidArgument},
	{Target: domain.ErrLoginTaken, Code: codes.AlreadyExists},
	{Target: domain.ErrBadCredentials, Code: codes.Unauthenticated},
	{Target: domain.ErrUnauthenticated, Code: codes.Unauthenticated},
	{Target: domain.ErrTooManyAttempts, Code: codes.ResourceExhausted},
	{Target: domain.ErrTooManyPasswordAttempts, Code: codes.ResourceExhausted},
	{Target: domain.ErrPermissionDenied, Code: codes.PermissionDenied},
}
