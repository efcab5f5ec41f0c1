package server

import (
	"context"
	"fmt"

	"github.com/nastavnik/nastavnik/platform/validation"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

var _ registryv1.RecipientServiceServer = (*Server)(nil)

// ListRecipients implements RecipientService: only the services' system
// identity reaches it (SystemOnly).
func (s *Server) ListRecipients(ctx context.Context, req *registryv1.ListRecipientsRequest) (*registryv1.ListRecipientsResponse, error) {
	var orgs, muns, regions []string
	for i, a := range req.GetAudiences() {
		switch a.GetRole() {
		case registryv1.Role_ROLE_CURATOR, registryv1.Role_ROLE_METHODOLOGIST:
			if !isUUID(a.GetScope()) {
				return nil, validation.Field(fmt.Sprintf("audiences[%d].scope", i), validation.BadUUID())
			}
			if a.GetRole() == registryv1.Role_ROLE_CURATOR {
				orgs = append(orgs, a.GetScope())
			} else {
				muns = append(muns, a.GetScope())
			}
		default:
			regions = append(regions, a.GetScope())
		}
	}
	list, err := s.store.ListRecipients(ctx, nn(orgs), nn(muns), nn(regions))
	if err != nil {
		return nil, err
	}
	resp := &registryv1.ListRecipientsResponse{}
	for _, r := range list {
		resp.Recipients = append(resp.Recipients, &registryv1.Recipient{
			Audience:  &registryv1.Audience{Role: registryv1.Role(r.Role), Scope: r.Scope},
			AccountId: r.AccountID, Name: r.Name, Email: r.Email, DigestsOff: r.DigestsOff,
		})
	}
	return resp, nil
}

func nn(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
