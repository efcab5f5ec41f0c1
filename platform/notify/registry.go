package notify

import (
	"context"
	"fmt"

	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// Registry is the Directory of the registry's RecipientService, called with
// the service's own system identity (an outbox acts for no person).
type Registry struct {
	signer *identity.Signer
	client registryv1.RecipientServiceClient
	caller identity.Principal
}

var _ Directory = (*Registry)(nil)

// NewRegistry returns the directory of a registry connection; service names
// the calling service in the registry's logs.
func NewRegistry(signer *identity.Signer, conn grpc.ClientConnInterface, service string) *Registry {
	return &Registry{signer: signer, client: registryv1.NewRecipientServiceClient(conn),
		caller: identity.Principal{Login: service, Bindings: []identity.Binding{{Role: identity.System}}}}
}

var roles = map[string]registryv1.Role{Curator: registryv1.Role_ROLE_CURATOR,
	Methodologist: registryv1.Role_ROLE_METHODOLOGIST, Regional: registryv1.Role_ROLE_REGIONAL}

// maxAudiences is how many audiences one call names (the RPC's limit).
const maxAudiences = 1000

// Recipients asks the registry for the people of audiences.
func (r *Registry) Recipients(ctx context.Context, audiences []Audience) (map[Audience][]Recipient, error) {
	out := map[Audience][]Recipient{}
	back := map[registryv1.Role]string{}
	for name, role := range roles {
		back[role] = name
	}
	for len(audiences) > 0 {
		part := audiences[:min(len(audiences), maxAudiences)]
		audiences = audiences[len(part):]
		req := &registryv1.ListRecipientsRequest{}
		for _, a := range part {
			role, ok := roles[a.Role]
			if !ok {
				return nil, fmt.Errorf("notify: unknown role %q", a.Role)
			}
			req.Audiences = append(req.Audiences, &registryv1.Audience{Role: role, Scope: a.Scope})
		}
		octx, err := r.signer.Outgoing(ctx, r.caller)
		if err != nil {
			return nil, err
		}
		resp, err := r.client.ListRecipients(octx, req)
		if err != nil {
			return nil, fmt.Errorf("notify: registry: %w", err)
		}
		for _, p := range resp.GetRecipients() {
			a := Audience{Role: back[p.GetAudience().GetRole()], Scope: p.GetAudience().GetScope()}
			out[a] = append(out[a], Recipient{AccountID: p.GetAccountId(), Name: p.GetName(), Email: p.GetEmail(),
				DigestsOff: p.GetDigestsOff()})
		}
	}
	return out, nil
}
