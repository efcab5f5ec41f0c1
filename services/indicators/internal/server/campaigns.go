package server

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/pagination"
	"github.com/nastavnik/nastavnik/platform/russian"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/form"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

// today is the current civil date in UTC.
func (s *Server) today() time.Time {
	y, m, d := s.now().UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CreateCampaign implements CampaignService.
func (s *Server) CreateCampaign(ctx context.Context, req *indicatorsv1.CreateCampaignRequest) (*indicatorsv1.CreateCampaignResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	pc := req.GetCampaign()
	c := domain.Campaign{Name: pc.GetName(), Year: int(pc.GetYear()), FormCode: pc.GetFormCode(), FormVersion: int(pc.GetFormVersion()),
		MunicipalityID: pc.GetMunicipalityId(), RegionCode: pc.GetRegionCode()}
	ve := &validation.Error{}
	if c.Deadline, err = dates.Parse(pc.GetDeadline()); err != nil {
		ve.Add("deadline", validation.BadDate(pc.GetDeadline()))
	}
	if c.OpenedOn, err = dates.Parse(pc.GetOpenedOn()); err != nil {
		ve.Add("opened_on", validation.BadDate(pc.GetOpenedOn()))
	}
	switch {
	case c.OpenedOn.IsZero():
		c.OpenedOn = s.today()
	case c.OpenedOn.After(s.today().AddDate(0, 0, 1)): // a day's grace: it is tomorrow already east of UTC
		ve.Add("opened_on", validation.New("opened_in_future"))
	}
	if c.MunicipalityID != "" && !isUUID(c.MunicipalityID) {
		ve.Add("municipality_id", validation.BadUUID())
	}
	days := pc.GetReminderDays()
	if len(days) == 0 {
		days = domain.DefaultReminderDays
	}
	var rve *validation.Error
	c.ReminderDays, c.ReminderTime, rve = domain.Reminders(days, pc.GetReminderTime(), "reminder_time")
	ve.Merge("", rve)
	bad := c.Validate()
	for _, k := range []string{"name", "year", "form_code", "form_version", "municipality_id", "deadline"} {
		if d, ok := bad[k]; ok {
			ve.Add(k, d)
		}
	}
	if ve.Err() == nil {
		f, err := s.store.GetForm(ctx, c.FormCode, c.FormVersion)
		switch {
		case errors.Is(err, domain.ErrNotFound) || err == nil && f.Status != form.Published:
			ve.Add("form_version", validation.NotFound("form_version"))
		case err != nil:
			return nil, err
		}
	}
	if err := ve.Err(); err != nil {
		return nil, validation.Prefixed("campaign", err)
	}
	if c.MunicipalityID != "" {
		region, err := s.dir.Municipality(ctx, c.MunicipalityID)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, validation.Field("campaign.municipality_id", validation.NotFound("municipality"))
		}
		if err != nil {
			return nil, err
		}
		c.RegionCode = region
	} else if err := s.dir.Region(ctx, c.RegionCode); errors.Is(err, domain.ErrNotFound) {
		return nil, validation.Field("campaign.region_code", validation.NotFound("region"))
	} else if err != nil {
		return nil, err
	}
	if !mayOpenCampaign(p, c) {
		return nil, domain.ErrPermissionDenied
	}
	orgs, err := s.dir.OpenOrganisations(ctx, c.RegionCode, c.MunicipalityID, c.OpenedOn)
	if err != nil {
		return nil, err
	}
	out, err := s.store.CreateCampaign(ctx, actor(p), c, orgs, req.GetRequestId(), s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.CreateCampaignResponse{Campaign: campaignToProto(out)}, nil
}

// GetCampaign implements CampaignService.
func (s *Server) GetCampaign(ctx context.Context, req *indicatorsv1.GetCampaignRequest) (*indicatorsv1.GetCampaignResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.visibleCampaign(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.GetCampaignResponse{Campaign: campaignToProto(c)}, nil
}

// ListCampaigns implements CampaignService.
func (s *Server) ListCampaigns(ctx context.Context, req *indicatorsv1.ListCampaignsRequest) (*indicatorsv1.ListCampaignsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.CampaignFilter{Year: int(req.GetYear()), Region: req.GetRegion(), Municipality: req.GetMunicipality(),
		Status: domain.CampaignStatus(req.GetStatus()), Reach: p.Reach()}
	after, err := pagination.After[store.CampaignCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	// The page and the years of all at once (a read: no transaction in
	// ctx to share); every dashboard starts with this list.
	var (
		list  []domain.Campaign
		total int
		years []int
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		list, total, err = s.store.ListCampaigns(gctx, f, after, size+1)
		return err
	})
	g.Go(func() (err error) {
		years, err = s.store.CampaignYears(gctx, f)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListCampaignsResponse{TotalSize: int32(total)}
	for _, y := range years {
		resp.Years = append(resp.Years, int32(y))
	}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(c domain.Campaign) any {
		return store.CampaignCursor{Year: c.Year, CreateTime: c.CreateTime, ID: c.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		resp.Campaigns = append(resp.Campaigns, campaignToProto(c))
	}
	return resp, nil
}

// manageableCampaign reads a campaign the caller may manage: operator,
// regional centre of its region, methodologist of its municipality.
func (s *Server) manageableCampaign(ctx context.Context, p identity.Principal, id string) (domain.Campaign, error) {
	c, err := s.visibleCampaign(ctx, p, id)
	if err != nil {
		return domain.Campaign{}, err
	}
	if !mayManageCampaign(p, c) {
		return domain.Campaign{}, domain.ErrPermissionDenied
	}
	return c, nil
}

// CloseCampaign implements CampaignService.
func (s *Server) CloseCampaign(ctx context.Context, req *indicatorsv1.CloseCampaignRequest) (*indicatorsv1.CloseCampaignResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.manageableCampaign(ctx, p, req.GetId()); err != nil {
		return nil, err
	}
	out, err := s.store.CloseCampaign(ctx, req.GetId(), req.GetVersion(), s.now())
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.CloseCampaignResponse{Campaign: campaignToProto(out)}, nil
}

// SetReminders implements CampaignService.
func (s *Server) SetReminders(ctx context.Context, req *indicatorsv1.SetRemindersRequest) (*indicatorsv1.SetRemindersResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.manageableCampaign(ctx, p, req.GetId()); err != nil {
		return nil, err
	}
	days, at, ve := domain.Reminders(req.GetReminderDays(), req.GetReminderTime(), "reminder_time")
	if err := ve.Err(); err != nil {
		return nil, err
	}
	out, err := s.store.SetReminders(ctx, req.GetId(), req.GetVersion(), days, at)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.SetRemindersResponse{Campaign: campaignToProto(out)}, nil
}

// RefreshExpected implements CampaignService.
func (s *Server) RefreshExpected(ctx context.Context, req *indicatorsv1.RefreshExpectedRequest) (*indicatorsv1.RefreshExpectedResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.manageableCampaign(ctx, p, req.GetId())
	if err != nil {
		return nil, err
	}
	if c.Status == domain.CampaignClosed {
		return nil, domain.StateError{Msg: "the campaign is closed: its expected list no longer changes"}
	}
	today := s.today()
	open, err := s.dir.OpenOrganisations(ctx, c.RegionCode, c.MunicipalityID, today)
	if err != nil {
		return nil, err
	}
	added, dropped, err := s.store.RefreshExpected(ctx, c.ID, open, today)
	if err != nil {
		return nil, err
	}
	sort.Strings(added)
	sort.Strings(dropped)
	c, err = s.store.GetCampaign(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.RefreshExpectedResponse{Campaign: campaignToProto(c), Added: added, Dropped: dropped}, nil
}

// ExtendDeadline implements CampaignService.
func (s *Server) ExtendDeadline(ctx context.Context, req *indicatorsv1.ExtendDeadlineRequest) (*indicatorsv1.ExtendDeadlineResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.visibleCampaign(ctx, p, req.GetCampaignId())
	if err != nil {
		return nil, err
	}
	e, err := s.store.GetExpected(ctx, c.ID, req.GetOrganisationId())
	if err == nil && !p.Sees(orgLocation(e.Organisation)) {
		err = domain.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	if !mayManageExpected(p, e.Organisation) {
		return nil, domain.ErrPermissionDenied
	}
	deadline, err := dates.Parse(req.GetDeadline())
	if err != nil {
		return nil, validation.Field("deadline", validation.BadDate(req.GetDeadline()))
	}
	if deadline.Before(c.OpenedOn) {
		return nil, validation.Field("deadline", validation.New("deadline_before_opening"))
	}
	if err := s.store.ExtendDeadline(ctx, actor(p), c.ID, e.ID, deadline, req.GetReason(), s.now()); err != nil {
		return nil, err
	}
	if e, err = s.store.GetExpected(ctx, c.ID, e.ID); err != nil {
		return nil, err
	}
	return &indicatorsv1.ExtendDeadlineResponse{Organisation: expectedToProto(e, domain.StateOf(e.Status), e.Late, e.SubmitTime)}, nil
}

// ListExpected implements CampaignService.
func (s *Server) ListExpected(ctx context.Context, req *indicatorsv1.ListExpectedRequest) (*indicatorsv1.ListExpectedResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.visibleCampaign(ctx, p, req.GetCampaignId())
	if err != nil {
		return nil, err
	}
	f := store.ExpectedFilter{CampaignID: c.ID, Municipality: req.GetMunicipality(), Reach: p.Reach()}
	after, err := pagination.After[store.ExpectedCursor](req.GetPageToken(), f)
	if err != nil {
		return nil, err
	}
	size := pagination.Size(req.GetPageSize())
	list, total, err := s.store.ListExpected(ctx, f, after, size+1)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListExpectedResponse{TotalSize: int32(total)}
	list, resp.NextPageToken, err = pagination.Trim(list, size, f, func(e domain.Expected) any {
		return store.ExpectedCursor{SortKey: russian.SortKey(e.ShortName), ID: e.ID}
	})
	if err != nil {
		return nil, err
	}
	for _, e := range list {
		resp.Organisations = append(resp.Organisations, expectedToProto(e, domain.StateOf(e.Status), e.Late, e.SubmitTime))
	}
	return resp, nil
}

// GetCompleteness implements CampaignService.
func (s *Server) GetCompleteness(ctx context.Context, req *indicatorsv1.GetCompletenessRequest) (*indicatorsv1.GetCompletenessResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f := store.ExpectedFilter{Year: int(req.GetYear()), Region: req.GetRegion(), Municipality: req.GetMunicipality(), Reach: p.Reach()}
	if f.CampaignID, err = s.campaignOrYear(ctx, p, req.GetCampaignId(), f.Year); err != nil {
		return nil, err
	}
	asOf, err := dates.Parse(req.GetAsOf())
	if err != nil {
		return nil, validation.Field("as_of", validation.BadDate(req.GetAsOf()))
	}
	var (
		tally     domain.Tally
		standings []domain.Standing
	)
	if req.GetCountsOnly() {
		tally, err = s.store.CountStandings(ctx, f, asOf)
	} else {
		standings, err = s.store.Standings(ctx, f, asOf)
		for _, st := range standings {
			tally.Add(st, 1)
		}
	}
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.GetCompletenessResponse{Total: countsToProto(tally.Total)}
	for _, m := range slices.Sorted(maps.Keys(tally.Municipalities)) {
		resp.Municipalities = append(resp.Municipalities, &indicatorsv1.MunicipalityCompleteness{MunicipalityId: m,
			Counts: countsToProto(tally.Municipalities[m])})
	}
	for _, r := range slices.Sorted(maps.Keys(tally.Regions)) {
		resp.Regions = append(resp.Regions, &indicatorsv1.RegionCompleteness{RegionCode: r, Counts: countsToProto(tally.Regions[r])})
	}
	// The list in name order, as the store reads it.
	if len(standings) > 0 {
		resp.Organisations = make([]*indicatorsv1.ExpectedOrganisation, len(standings))
		for i := range standings {
			st := &standings[i]
			resp.Organisations[i] = expectedToProto(st.Expected, st.State, st.Late, st.SubmitTime)
		}
	}
	return resp, nil
}

func countsToProto(c domain.Counts) *indicatorsv1.Completeness {
	return &indicatorsv1.Completeness{Expected: int32(c.Expected), OnTime: int32(c.OnTime), Late: int32(c.Late),
		Missing: int32(c.Missing), Submitted: int32(c.Submitted), Returned: int32(c.Returned), Accepted: int32(c.Accepted)}
}
