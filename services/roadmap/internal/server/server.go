// Package server implements the roadmap service's gRPC API: it converts
// between proto and domain types, validates input field by field and maps
// errors to gRPC codes in one table.
package server

import (
	"context"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/notify"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/registryclient"
	"github.com/nastavnik/nastavnik/platform/validation"
	notifyv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/notify/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/domain"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/store"
)

// Server implements the roadmap's services.
type Server struct {
	roadmapv1.UnimplementedDeadlineServiceServer
	roadmapv1.UnimplementedRoadmapServiceServer

	store *store.Store
	dir   Directory
	now   func() time.Time
}

var (
	_ roadmapv1.DeadlineServiceServer = (*Server)(nil)
	_ roadmapv1.RoadmapServiceServer  = (*Server)(nil)
)

// New returns a server over a store and the registry's directory.
func New(st *store.Store, dir Directory) *Server { return &Server{store: st, dir: dir, now: time.Now} }

// WithClock sets the clock, for tests of what is overdue.
func (s *Server) WithClock(now func() time.Time) *Server {
	s.now = now
	return s
}

// Register registers every roadmap service on g.
func (s *Server) Register(g grpc.ServiceRegistrar) {
	roadmapv1.RegisterDeadlineServiceServer(g, s)
	roadmapv1.RegisterRoadmapServiceServer(g, s)
	notifyv1.RegisterNotificationServiceServer(g, &notify.Server{Inbox: s.store.Inbox(), Source: "roadmap", Now: s.now})
}

// Errors is the roadmap's one mapping from errors to gRPC codes; the shared
// interceptor chain applies it to every error a handler returns.
var Errors = grpcerr.Table{
	{Target: domain.ErrNotFound, Code: codes.NotFound},
	{Target: domain.ErrStale, Code: codes.Aborted},
	{Target: domain.ErrPermissionDenied, Code: codes.PermissionDenied},
	{Target: domain.ErrInUse, Code: codes.FailedPrecondition},
	{Target: domain.ErrNotCascadable, Code: codes.FailedPrecondition},
	{Target: registryclient.ErrNotFound, Code: codes.NotFound},
	{Target: registryclient.ErrUnavailable, Code: codes.Unavailable},
	{Target: pagination.ErrBadToken, Code: codes.InvalidArgument},
}

// period reads the roadmap period of a request; both empty mean the current
// calendar year.
func (s *Server) period(start, end string) (schedule.Period, error) {
	if start == "" && end == "" {
		y := s.now().Year()
		return schedule.Period{Start: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}, nil
	}
	var ve validation.Error
	from, err := time.Parse(dates.Layout, start)
	if err != nil {
		ve.Add("period_start", validation.BadDate(start))
	}
	to, err := time.Parse(dates.Layout, end)
	if err != nil {
		ve.Add("period_end", validation.BadDate(end))
	}
	if err := ve.Err(); err != nil {
		return schedule.Period{}, err
	}
	switch {
	case to.Before(from):
		ve.Add("period_end", validation.New("period_order"))
	case to.Sub(from) > domain.MaxPeriodYears*366*24*time.Hour:
		ve.Add("period_end", domain.PeriodTooLong())
	}
	return schedule.Period{Start: from, End: to}, ve.Err()
}

// ParseDeadline implements DeadlineService.
func (s *Server) ParseDeadline(ctx context.Context, req *roadmapv1.ParseDeadlineRequest) (*roadmapv1.ParseDeadlineResponse, error) {
	p, err := s.period(req.GetPeriodStart(), req.GetPeriodEnd())
	if err != nil {
		return nil, err
	}
	sch := schedule.Parse(req.GetText(), p)
	resp := &roadmapv1.ParseDeadlineResponse{Schedule: scheduleToProto(sch)}
	for _, o := range sch.Occurrences(p) {
		resp.Occurrences = append(resp.Occurrences, &roadmapv1.Occurrence{
			Year: int32(o.Year), Start: dates.Format(o.Start), Due: dates.Format(o.Due)})
	}
	return resp, nil
}

var ruleKinds = map[schedule.Kind]roadmapv1.RuleKind{
	schedule.Once: roadmapv1.RuleKind_RULE_KIND_ONCE, schedule.Yearly: roadmapv1.RuleKind_RULE_KIND_YEARLY,
	schedule.Continuous: roadmapv1.RuleKind_RULE_KIND_CONTINUOUS, schedule.Monthly: roadmapv1.RuleKind_RULE_KIND_MONTHLY,
	schedule.AsNeeded: roadmapv1.RuleKind_RULE_KIND_AS_NEEDED, schedule.Quarterly: roadmapv1.RuleKind_RULE_KIND_QUARTERLY,
	schedule.HalfYearly: roadmapv1.RuleKind_RULE_KIND_HALF_YEARLY, schedule.Weekly: roadmapv1.RuleKind_RULE_KIND_WEEKLY,
	schedule.SchoolTerm: roadmapv1.RuleKind_RULE_KIND_SCHOOL_TERM, schedule.PerPlan: roadmapv1.RuleKind_RULE_KIND_PER_PLAN,
}

func scheduleToProto(s schedule.Schedule) *roadmapv1.Schedule {
	out := &roadmapv1.Schedule{Text: s.Text, Understood: s.Understood, Note: s.Note, UnknownWords: s.Unknown}
	for _, r := range s.Rules {
		out.Rules = append(out.Rules, &roadmapv1.ScheduleRule{
			Kind: ruleKinds[r.Kind], Start: dates.Format(r.Start), End: dates.Format(r.End),
			FromMonth: int32(r.FromMonth), FromDay: int32(r.FromDay), ToMonth: int32(r.ToMonth), ToDay: int32(r.ToDay),
			FirstYear: int32(r.FirstYear), LastYear: int32(r.LastYear), Part: roadmapv1.RulePart(r.Part),
			Day: int32(r.Day), NextMonth: r.NextMonth, Times: int32(r.Times),
		})
	}
	return out
}
