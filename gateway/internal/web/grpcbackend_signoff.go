package web

import (
	"context"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

var _ SignOffBackend = (*grpcBackend)(nil)

var signOffStates = map[indicatorsv1.SignOffState]SignOffState{
	indicatorsv1.SignOffState_SIGN_OFF_STATE_SIGNED:    SignedOff,
	indicatorsv1.SignOffState_SIGN_OFF_STATE_OUTDATED:  SignOffOutdated,
	indicatorsv1.SignOffState_SIGN_OFF_STATE_SENT_BACK: SentBack,
}

var signOffKinds = map[indicatorsv1.SignOffEventKind]string{
	indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_SIGNED:    "signed",
	indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_SENT_BACK: "sent_back",
	indicatorsv1.SignOffEventKind_SIGN_OFF_EVENT_KIND_OUTDATED:  "outdated",
}

func (b *grpcBackend) SignOffs(ctx context.Context, q SignOffQuery) ([]SignOffView, error) {
	resp, err := b.campaigns.ListSignOffs(ctx, &indicatorsv1.ListSignOffsRequest{CampaignId: q.CampaignID, Year: int32(q.Year),
		Region: q.Region, Municipality: q.Municipality})
	if err != nil || len(resp.GetSignOffs()) == 0 {
		return nil, err
	}
	names := map[string]string{}
	if q.CampaignID != "" {
		c, err := b.campaigns.GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: q.CampaignID})
		if err != nil {
			return nil, err
		}
		names[q.CampaignID] = c.GetCampaign().GetName()
	} else {
		cs, err := b.campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{Year: int32(q.Year), Region: q.Region,
			Municipality: q.Municipality, PageSize: 500})
		if err != nil {
			return nil, err
		}
		for _, c := range cs.GetCampaigns() {
			names[c.GetId()] = c.GetName()
		}
	}
	out := make([]SignOffView, 0, len(resp.GetSignOffs()))
	for _, s := range resp.GetSignOffs() {
		v := SignOffView{CampaignID: s.GetCampaignId(), CampaignName: names[s.GetCampaignId()], MunicipalityID: s.GetMunicipalityId(),
			RegionCode: s.GetRegionCode(),
			State:      signOffStates[s.GetState()], Counts: counts(s.GetCompleteness()), Comment: s.GetComment(), Login: s.GetLogin(),
			SignTime: s.GetSignTime().AsTime(), BackComment: s.GetSendBackComment(), BackLogin: s.GetSendBackLogin(),
			Version: s.GetVersion()}
		if s.SendBackTime != nil {
			v.BackTime = s.GetSendBackTime().AsTime()
		}
		if s.OutdateTime != nil {
			v.OutdateTime = s.GetOutdateTime().AsTime()
		}
		for _, e := range s.GetEvents() {
			v.Events = append(v.Events, SignOffEvent{Kind: signOffKinds[e.GetKind()], Time: e.GetTime().AsTime(), Login: e.GetLogin(),
				Comment: e.GetComment(), Counts: counts(e.GetCompleteness())})
		}
		out = append(out, v)
	}
	return out, nil
}

func (b *grpcBackend) SignOff(ctx context.Context, campaignID, municipality, comment string, version int64) error {
	_, err := b.campaigns.SignOff(ctx, &indicatorsv1.SignOffRequest{CampaignId: campaignID, MunicipalityId: municipality,
		Comment: comment, Version: version})
	return err
}

func (b *grpcBackend) SendBack(ctx context.Context, campaignID, municipality, comment string, version int64) error {
	_, err := b.campaigns.SendBackSignOff(ctx, &indicatorsv1.SendBackSignOffRequest{CampaignId: campaignID,
		MunicipalityId: municipality, Comment: comment, Version: version})
	return err
}
