package server

import (
	"context"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// signOffKey names the sign-off of a municipality in a campaign the caller
// sees and is related to, when may lets the caller act on it: a campaign
// or municipality unknown, outside the campaign, or foreign to the caller is
// ErrNotFound alike; one the caller may not act on, ErrPermissionDenied.
func (s *Server) signOffKey(ctx context.Context, p identity.Principal, campaignID, municipality string,
	may func(identity.Principal, identity.Scope) bool) (store.SignOffKey, error) {
	c, err := s.visibleCampaign(ctx, p, campaignID)
	if err != nil {
		return store.SignOffKey{}, err
	}
	if !isUUID(municipality) || c.MunicipalityID != "" && c.MunicipalityID != municipality {
		return store.SignOffKey{}, domain.ErrNotFound
	}
	region, err := s.dir.Municipality(ctx, municipality)
	if err != nil {
		return store.SignOffKey{}, err
	}
	scope := identity.Scope{Region: region, Municipality: municipality}
	if region != c.RegionCode || !p.Related(scope) {
		return store.SignOffKey{}, domain.ErrNotFound
	}
	if !may(p, scope) {
		return store.SignOffKey{}, domain.ErrPermissionDenied
	}
	return store.SignOffKey{CampaignID: c.ID, MunicipalityID: municipality, RegionCode: region}, nil
}

// campaignOrYear is the campaign of a list the request names, one the
// caller sees, or "" for a list of a year: a request must name one or the
// other.
func (s *Server) campaignOrYear(ctx context.Context, p identity.Principal, campaignID string, year int) (string, error) {
	if campaignID != "" {
		c, err := s.visibleCampaign(ctx, p, campaignID)
		return c.ID, err
	}
	if year == 0 {
		return "", validation.Field("year", validation.New("campaign_or_year"))
	}
	return "", nil
}

// SignOff implements CampaignService.
func (s *Server) SignOff(ctx context.Context, req *indicatorsv1.SignOffRequest) (*indicatorsv1.SignOffResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	key, err := s.signOffKey(ctx, p, req.GetCampaignId(), req.GetMunicipalityId(), maySignOff)
	if err != nil {
		return nil, err
	}
	if key.MunicipalityName, err = s.dir.MunicipalityName(ctx, key.MunicipalityID); err != nil {
		return nil, err
	}
	now := s.now()
	so, err := s.store.ChangeSignOff(ctx, key, func(so *domain.SignOff, counts domain.Counts) (domain.SignOffEvent, error) {
		return so.Sign(actor(p), now, counts, req.GetComment(), req.GetVersion())
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.SignOffResponse{SignOff: signOffToProto(so)}, nil
}

// SendBackSignOff implements CampaignService.
func (s *Server) SendBackSignOff(ctx context.Context, req *indicatorsv1.SendBackSignOffRequest) (*indicatorsv1.SendBackSignOffResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	key, err := s.signOffKey(ctx, p, req.GetCampaignId(), req.GetMunicipalityId(), maySendBack)
	if err != nil {
		return nil, err
	}
	now := s.now()
	so, err := s.store.ChangeSignOff(ctx, key, func(so *domain.SignOff, _ domain.Counts) (domain.SignOffEvent, error) {
		return so.SendBack(actor(p), now, req.GetComment(), req.GetVersion())
	})
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.SendBackSignOffResponse{SignOff: signOffToProto(so)}, nil
}

// ListSignOffs implements CampaignService.
func (s *Server) ListSignOffs(ctx context.Context, req *indicatorsv1.ListSignOffsRequest) (*indicatorsv1.ListSignOffsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.SignOffFilter{Year: int(req.GetYear()), Region: req.GetRegion(), Municipality: req.GetMunicipality(), Reach: p.Reach()}
	if f.CampaignID, err = s.campaignOrYear(ctx, p, req.GetCampaignId(), f.Year); err != nil {
		return nil, err
	}
	list, err := s.store.ListSignOffs(ctx, f)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListSignOffsResponse{}
	for _, so := range list {
		resp.SignOffs = append(resp.SignOffs, signOffToProto(so))
	}
	return resp, nil
}

var signOffStates = map[domain.SignOffState]indicatorsv1.SignOffState{
	domain.NotSigned: indicatorsv1.SignOffState_SIGN_OFF_STATE_NOT_SIGNED,
	domain.Signed:    indicatorsv1.SignOffState_SIGN_OFF_STATE_SIGNED,
	domain.Outdated:  indicatorsv1.SignOffState_SIGN_OFF_STATE_OUTDATED,
	domain.SentBack:  indicatorsv1.SignOffState_SIGN_OFF_STATE_SENT_BACK,
}

var signOffKinds = map[string]indicatorsv1.SignOffEventKind{
	domain.SignOffSigned:   indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_SIGNED,
	domain.SignOffSentBack: indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_SENT_BACK,
	domain.SignOffOutdated: indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_OUTDATED,
}

func signOffToProto(so domain.SignOff) *indicatorsv1.SignOff {
	out := &indicatorsv1.SignOff{CampaignId: so.CampaignID, MunicipalityId: so.MunicipalityID, RegionCode: so.RegionCode,
		State: signOffStates[so.State], Completeness: countsToProto(so.Counts), Comment: so.Comment,
		AccountId: so.Signer.AccountID, Login: so.Signer.Login, SignTime: ts(so.SignTime),
		SendBackComment: so.BackComment, SendBackLogin: so.BackBy.Login, SendBackTime: ts(so.BackTime),
		OutdateTime: ts(so.OutdateTime), Version: so.Version}
	for _, e := range so.Events {
		pe := &indicatorsv1.SignOffEvent{Kind: signOffKinds[e.Kind], Time: ts(e.Time), AccountId: e.Actor.AccountID,
			Login: e.Actor.Login, Comment: e.Comment, OrganisationId: e.OrganisationID}
		if e.Kind == domain.SignOffSigned {
			pe.Completeness = countsToProto(e.Counts)
		}
		out.Events = append(out.Events, pe)
	}
	return out
}
