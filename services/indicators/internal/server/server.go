// Package server implements the indicators service's gRPC services — forms,
// campaigns, reports — over the store and the registry directory: it converts
// between proto and domain types, checks the caller's scope on every call,
// validates input field by field and maps errors to gRPC codes in one table.
package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/protoadapt"

	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/bounded"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/rules"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// Server implements the indicators services.
type Server struct {
	indicatorsv1.UnimplementedFormServiceServer
	indicatorsv1.UnimplementedCampaignServiceServer
	indicatorsv1.UnimplementedReportServiceServer

	store   *store.Store
	dir     domain.Directory
	now     func() time.Time
	metrics metrics

	mu       sync.Mutex
	compiled map[string]compiledForm // published form versions

	// checks are the last check of each report this replica wrote, which
	// the next write's check starts from (rules.Recheck).
	checks *bounded.Map[*rules.Checked]
}

// checksSize bounds the reports whose last check a replica keeps: a check
// holds the report's values (the map the store holds too) and a few bytes a
// rule.
const checksSize = 2048

var (
	_ indicatorsv1.FormServiceServer     = (*Server)(nil)
	_ indicatorsv1.CampaignServiceServer = (*Server)(nil)
	_ indicatorsv1.ReportServiceServer   = (*Server)(nil)
)

// New returns a server over st asking dir about organisations.
func New(st *store.Store, dir domain.Directory) *Server {
	return &Server{store: st, dir: dir, now: time.Now, compiled: map[string]compiledForm{},
		checks: bounded.New[*rules.Checked](checksSize)}
}

// WithClock makes the server read the time from now (tests of deadlines).
func (s *Server) WithClock(now func() time.Time) *Server {
	s.now = now
	return s
}

// Register registers every indicators service on g, with the caller's
// notifications (notify.Server over the service's outbox).
func (s *Server) Register(g grpc.ServiceRegistrar) {
	indicatorsv1.RegisterFormServiceServer(g, s)
	indicatorsv1.RegisterCampaignServiceServer(g, s)
	indicatorsv1.RegisterReportServiceServer(g, s)
	notifyv1.RegisterNotificationServiceServer(g, &notify.Server{Inbox: s.store.Inbox(), Source: "indicators", Now: s.now})
}

// Errors is the service's one mapping from errors to gRPC codes; the shared
// interceptor chain applies it to every error a handler returns.
var Errors = grpcerr.Table{
	{Target: domain.ErrNotFound, Code: codes.NotFound},
	{Target: domain.ErrStale, Code: codes.Aborted, Details: staleDetails},
	{Target: domain.ErrPermissionDenied, Code: codes.PermissionDenied},
	{Target: domain.ErrPublished, Code: codes.FailedPrecondition},
	{Target: domain.ErrCampaignClosed, Code: codes.FailedPrecondition},
	{Target: domain.ErrState, Code: codes.FailedPrecondition},
	{Target: pagination.ErrBadToken, Code: codes.InvalidArgument},
	{Target: registryclient.ErrUnavailable, Code: codes.Unavailable, Message: "the registry is unavailable: try again"},
	{Target: registryclient.ErrNoCaller, Code: codes.Unauthenticated, Message: "no identity: sign in"},
}

// staleDetails carries the current report of a stale write.
func staleDetails(err error) []protoadapt.MessageV1 {
	var sr *domain.StaleReport
	if !errors.As(err, &sr) {
		return nil
	}
	return []protoadapt.MessageV1{reportToProto(sr.Current, nil)}
}

func actor(p identity.Principal) domain.Actor {
	return domain.Actor{AccountID: p.AccountID, Login: p.Login}
}

func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// ruleSet returns a form version with its compiled rules. Published versions
// never change: they are read and compiled once, then served from memory.
func (s *Server) ruleSet(ctx context.Context, code string, version int) (form.Form, *rules.Set, error) {
	return s.ruleSetFrom(ctx, code, version, s.store.GetForm)
}

// ruleSetFrom is ruleSet reading a form with read when it is not in memory.
func (s *Server) ruleSetFrom(ctx context.Context, code string, version int,
	read func(ctx context.Context, code string, version int) (form.Form, error)) (form.Form, *rules.Set, error) {
	key := fmt.Sprintf("%s/%d", code, version)
	s.mu.Lock()
	c, ok := s.compiled[key]
	s.mu.Unlock()
	if ok {
		return c.form, c.rules, nil
	}
	f, err := read(ctx, code, version)
	if err != nil {
		return form.Form{}, nil, err
	}
	set, err := rules.Compile(f)
	if err != nil {
		return form.Form{}, nil, fmt.Errorf("form %s: %w", key, err)
	}
	if f.Status == form.Published {
		s.mu.Lock()
		s.compiled[key] = compiledForm{form: f, rules: set}
		s.mu.Unlock()
	}
	return f, set, nil
}

// compiledForm is a published form version with its rules compiled.
type compiledForm struct {
	form  form.Form
	rules *rules.Set
}

func asValidation(err error) *validation.Error {
	var ve *validation.Error
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}
