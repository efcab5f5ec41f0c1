package server

import (
	"context"
	"strconv"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

type auditCursor struct {
	Before int64 `json:"b"`
}

// ListAuditEvents implements AuditService.
func (s *Server) ListAuditEvents(ctx context.Context, req *registryv1.ListAuditEventsRequest) (*registryv1.ListAuditEventsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.AuditFilter{Reach: p.Reach(), MunicipalityID: req.GetMunicipalityId(),
		ActorID: req.GetActorId(), ActionPrefix: req.GetAction()}
	if !readsAudit(f.Reach) {
		return nil, domain.ErrPermissionDenied
	}
	var cur auditCursor
	if err := pagination.Read(req.GetPageToken(), f, &cur); err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, err := s.store.ListAuditEvents(ctx, f, cur.Before, size+1)
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListAuditEventsResponse{}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(e domain.AuditEvent) any { return auditCursor{Before: e.ID} })
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		resp.Events = append(resp.Events, &registryv1.AuditEvent{
			Id: strconv.FormatInt(e.ID, 10), Time: ts(e.Time), ActorId: e.ActorID, ActorLogin: e.ActorLogin,
			Action: e.Action, ObjectType: e.ObjectType, ObjectId: e.ObjectID, Region: e.Region,
			MunicipalityId: e.MunicipalityID, Details: e.Details, RemoteAddr: e.RemoteAddr, RequestId: e.RequestID,
		})
	}
	return resp, nil
}
