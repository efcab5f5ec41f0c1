package server

import (
	"context"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
)

// Who may do what in the indicators service. Reads follow the one model of
// platform/identity: a report, an expected organisation or an aggregate is
// read by whoever Sees its organisation (or unit); a campaign by whoever is
// Related to its scope (a curator reads its municipality's campaigns); lists
// are filtered in SQL by the caller's Reach. Changes are stated here.

// fillers may change and submit a report; reviewers accept, return and
// reopen it.
var (
	fillers   = []identity.Role{identity.Operator, identity.Curator}
	reviewers = []identity.Role{identity.Operator, identity.Methodologist}
)

// mayEditForms: only an operator drafts, edits and publishes form versions.
func mayEditForms(p identity.Principal) bool { return p.IsOperator() }

// mayOpenCampaign: an operator or the regional centre opens a campaign for a
// region or a municipality, a methodologist for its own municipality.
func mayOpenCampaign(p identity.Principal, c domain.Campaign) bool {
	if c.MunicipalityID == "" {
		return p.Holds(campaignLocation(c), identity.Operator, identity.Regional)
	}
	return p.Holds(campaignLocation(c), identity.Operator, identity.Regional, identity.Methodologist)
}

// mayManageCampaign: closing and refreshing a campaign is for those above
// its organisations (operator, regional centre, methodologist of the scope).
func mayManageCampaign(p identity.Principal, c domain.Campaign) bool {
	return p.Holds(campaignLocation(c), identity.Operator, identity.Regional, identity.Methodologist)
}

// mayManageExpected: extending one organisation's deadline, likewise.
func mayManageExpected(p identity.Principal, o domain.Organisation) bool {
	return p.Holds(orgLocation(o), identity.Operator, identity.Regional, identity.Methodologist)
}

// maySignOff: the methodologist of a municipality (or an operator) signs its
// summary off to the region.
func maySignOff(p identity.Principal, municipality identity.Scope) bool {
	return p.Holds(municipality, identity.Operator, identity.Methodologist)
}

// maySendBack: the regional centre of the municipality's region (or an
// operator) sends a signed-off summary back.
func maySendBack(p identity.Principal, municipality identity.Scope) bool {
	return p.Holds(municipality, identity.Operator, identity.Regional)
}

// mayImportArchive: only an operator loads past reports from an archive.
func mayImportArchive(p identity.Principal) bool { return p.IsOperator() }

// maySetRegionalTarget: besides the operator, a regional centre sets the
// targets of a named unit of its own region.
func maySetRegionalTarget(p identity.Principal, unit identity.Scope, t indicator.Target) bool {
	return t.Unit != "" && p.Holds(unit, identity.Regional)
}

func campaignLocation(c domain.Campaign) identity.Scope {
	return identity.Scope{Region: c.RegionCode, Municipality: c.MunicipalityID}
}

func orgLocation(o domain.Organisation) identity.Scope {
	return identity.Scope{Region: o.RegionCode, Municipality: o.MunicipalityID, Organisation: o.ID}
}

// visibleCampaign reads a campaign the caller may see; any other is
// ErrNotFound, exactly like a missing one.
func (s *Server) visibleCampaign(ctx context.Context, p identity.Principal, id string) (domain.Campaign, error) {
	if !isUUID(id) {
		return domain.Campaign{}, domain.ErrNotFound
	}
	c, err := s.store.GetCampaign(ctx, id)
	if err != nil {
		return domain.Campaign{}, err
	}
	if !p.Related(campaignLocation(c)) {
		return domain.Campaign{}, domain.ErrNotFound
	}
	return c, nil
}

// visibleReport reads a report the caller Sees.
func (s *Server) visibleReport(ctx context.Context, p identity.Principal, id string) (domain.Report, error) {
	if !isUUID(id) {
		return domain.Report{}, domain.ErrNotFound
	}
	r, err := s.store.GetReport(ctx, id)
	if err != nil {
		return domain.Report{}, err
	}
	if !p.Sees(orgLocation(r.Organisation)) {
		return domain.Report{}, domain.ErrNotFound
	}
	return r, nil
}
