package web

import (
	"context"
	"time"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

var _ RegistryBackend = (*grpcBackend)(nil)

func orgRecord(o *registryv1.Organisation) OrgRecord {
	return OrgRecord{ID: o.GetId(), Municipality: o.GetMunicipalityId(), FullName: o.GetFullName(), ShortName: o.GetShortName(),
		INN: o.GetInn(), Address: o.GetAddress(), Kind: OrgKind(o.GetKind()), TimeZone: o.GetTimeZone(),
		CuratorName: o.GetCurator().GetName(), CuratorEmail: o.GetCurator().GetEmail(), CuratorPhone: o.GetCurator().GetPhone(),
		OpenedOn: o.GetOpenedOn(), Closed: o.GetStatus() == registryv1.OrganisationStatus_ORGANISATION_STATUS_CLOSED,
		ClosedOn: o.GetClosedOn(), ClosureReason: int(o.GetClosureReason()), SuccessorID: o.GetSuccessorId(), Version: o.GetVersion()}
}

func orgProto(o OrgRecord) *registryv1.Organisation {
	out := &registryv1.Organisation{Id: o.ID, MunicipalityId: o.Municipality, FullName: o.FullName, ShortName: o.ShortName,
		Inn: o.INN, Address: o.Address, Kind: registryv1.OrganisationKind(o.Kind), TimeZone: o.TimeZone,
		OpenedOn: o.OpenedOn, Version: o.Version}
	if o.CuratorName != "" || o.CuratorEmail != "" || o.CuratorPhone != "" {
		out.Curator = &registryv1.Curator{Name: o.CuratorName, Email: o.CuratorEmail, Phone: o.CuratorPhone}
	}
	return out
}

func (b *grpcBackend) Organisations(ctx context.Context, f OrgFilter) (OrgListPage, error) {
	req := &registryv1.ListOrganisationsRequest{Municipality: f.Municipality, Kind: registryv1.OrganisationKind(f.Kind),
		Query: f.Query, PageSize: int32(f.PageSize), PageToken: f.PageToken}
	switch f.Status {
	case "open":
		req.Status = registryv1.OrganisationStatus_ORGANISATION_STATUS_OPEN
	case "closed":
		req.Status = registryv1.OrganisationStatus_ORGANISATION_STATUS_CLOSED
	}
	if !f.OpenOn.IsZero() {
		req.OpenOn = f.OpenOn.Format(time.DateOnly)
	}
	resp, err := b.organisations.ListOrganisations(ctx, req)
	if err != nil {
		return OrgListPage{}, err
	}
	page := OrgListPage{NextPageToken: resp.GetNextPageToken(), Total: int(resp.GetTotalSize())}
	for _, o := range resp.GetOrganisations() {
		page.Items = append(page.Items, orgRecord(o))
	}
	return page, nil
}

func (b *grpcBackend) Organisation(ctx context.Context, id string) (OrgRecord, error) {
	resp, err := b.organisations.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: id})
	if err != nil {
		return OrgRecord{}, err
	}
	return orgRecord(resp.GetOrganisation()), nil
}

func (b *grpcBackend) CreateOrganisation(ctx context.Context, o OrgRecord, requestID string) (OrgRecord, error) {
	resp, err := b.organisations.CreateOrganisation(ctx, &registryv1.CreateOrganisationRequest{Organisation: orgProto(o), RequestId: requestID})
	if err != nil {
		return OrgRecord{}, err
	}
	return orgRecord(resp.GetOrganisation()), nil
}

func (b *grpcBackend) UpdateOrganisation(ctx context.Context, o OrgRecord) (OrgRecord, error) {
	resp, err := b.organisations.UpdateOrganisation(ctx, &registryv1.UpdateOrganisationRequest{Organisation: orgProto(o)})
	if err != nil {
		return OrgRecord{}, err
	}
	return orgRecord(resp.GetOrganisation()), nil
}

func (b *grpcBackend) CloseOrganisation(ctx context.Context, c OrgClosure) error {
	_, err := b.organisations.CloseOrganisation(ctx, &registryv1.CloseOrganisationRequest{Id: c.ID, Version: c.Version,
		ClosedOn: c.ClosedOn.Format(time.DateOnly), Reason: registryv1.ClosureReason(c.Reason), SuccessorId: c.SuccessorID})
	return err
}

var importActions = map[registryv1.ImportAction]string{
	registryv1.ImportAction_IMPORT_ACTION_CREATED: "created", registryv1.ImportAction_IMPORT_ACTION_UPDATED: "updated",
	registryv1.ImportAction_IMPORT_ACTION_UNCHANGED: "unchanged", registryv1.ImportAction_IMPORT_ACTION_REJECTED: "rejected",
}

func (b *grpcBackend) ImportOrganisations(ctx context.Context, municipality string, xlsx bool, content []byte, dryRun bool) (OrgImport, error) {
	format := registryv1.ImportFormat_IMPORT_FORMAT_CSV
	if xlsx {
		format = registryv1.ImportFormat_IMPORT_FORMAT_XLSX
	}
	resp, err := b.organisations.ImportOrganisations(ctx, &registryv1.ImportOrganisationsRequest{MunicipalityId: municipality,
		Format: format, Content: content, DryRun: dryRun})
	if err != nil {
		return OrgImport{}, err
	}
	out := OrgImport{Applied: resp.GetApplied(), Created: int(resp.GetCreated()), Updated: int(resp.GetUpdated()),
		Unchanged: int(resp.GetUnchanged()), Rejected: int(resp.GetRejected()), IgnoredColumns: resp.GetIgnoredColumns()}
	for _, r := range resp.GetRows() {
		row := OrgImportRow{Number: int(r.GetRowNumber()), Action: importActions[r.GetAction()], INN: r.GetInn(),
			ShortName: r.GetShortName(), Changed: r.GetChangedFields()}
		for _, p := range r.GetProblems() {
			msg := p.GetLocalizedMessage()
			if msg == "" {
				msg = p.GetDescription()
			}
			row.Problems = append(row.Problems, OrgImportProblem{Column: p.GetColumn(), Message: msg})
		}
		out.Rows = append(out.Rows, row)
	}
	return out, nil
}

func accountRecord(a *registryv1.Account) AccountRecord {
	out := AccountRecord{ID: a.GetId(), Login: a.GetLogin(), Name: a.GetName(), Email: a.GetEmail(), Blocked: a.GetBlocked(),
		Created: a.GetCreateTime().AsTime()}
	for _, r := range a.GetRoles() {
		if r.GetRole() == registryv1.Role_ROLE_CURATOR {
			out.Organisations = append(out.Organisations, r.GetScope())
		}
	}
	return out
}

func (b *grpcBackend) Curators(ctx context.Context, query, pageToken string) (AccountPage, error) {
	resp, err := b.accounts.ListAccounts(ctx, &registryv1.ListAccountsRequest{Query: query, PageSize: 100, PageToken: pageToken})
	if err != nil {
		return AccountPage{}, err
	}
	page := AccountPage{NextPageToken: resp.GetNextPageToken()}
	for _, a := range resp.GetAccounts() {
		page.Items = append(page.Items, accountRecord(a))
	}
	return page, nil
}

func (b *grpcBackend) CreateCurator(ctx context.Context, a NewCurator) (AccountRecord, error) {
	resp, err := b.accounts.CreateAccount(ctx, &registryv1.CreateAccountRequest{Password: a.Password, Account: &registryv1.Account{
		Login: a.Login, Name: a.Name, Email: a.Email,
		Roles: []*registryv1.RoleBinding{{Role: registryv1.Role_ROLE_CURATOR, Scope: a.Organisation}}}})
	if err != nil {
		return AccountRecord{}, err
	}
	return accountRecord(resp.GetAccount()), nil
}

func (b *grpcBackend) ResetPassword(ctx context.Context, id, password string) error {
	_, err := b.accounts.ResetPassword(ctx, &registryv1.ResetPasswordRequest{Id: id, NewPassword: password})
	return err
}

func (b *grpcBackend) SetBlocked(ctx context.Context, id string, blocked bool) error {
	var err error
	if blocked {
		_, err = b.accounts.BlockAccount(ctx, &registryv1.BlockAccountRequest{Id: id})
	} else {
		_, err = b.accounts.UnblockAccount(ctx, &registryv1.UnblockAccountRequest{Id: id})
	}
	return err
}

func (b *grpcBackend) Audit(ctx context.Context, q AuditQuery) (AuditPage, error) {
	resp, err := b.audit.ListAuditEvents(ctx, &registryv1.ListAuditEventsRequest{MunicipalityId: q.Municipality, ActorId: q.ActorID,
		Action: q.Action, PageSize: int32(q.PageSize), PageToken: q.PageToken})
	if err != nil {
		return AuditPage{}, err
	}
	page := AuditPage{NextPageToken: resp.GetNextPageToken()}
	for _, e := range resp.GetEvents() {
		page.Events = append(page.Events, AuditEvent{Time: e.GetTime().AsTime(), Login: e.GetActorLogin(), Action: e.GetAction(),
			ObjectType: e.GetObjectType(), ObjectID: e.GetObjectId(), Details: e.GetDetails()})
	}
	return page, nil
}

func (b *grpcBackend) AccountID(ctx context.Context, login string) (string, error) {
	me, err := b.accounts.GetMe(ctx, &registryv1.GetMeRequest{})
	if err != nil {
		return "", err
	}
	if me.GetAccount().GetLogin() == login {
		return me.GetAccount().GetId(), nil
	}
	resp, err := b.accounts.ListAccounts(ctx, &registryv1.ListAccountsRequest{Query: login, PageSize: 50})
	if err != nil {
		return "", err
	}
	for _, a := range resp.GetAccounts() {
		if a.GetLogin() == login {
			return a.GetId(), nil
		}
	}
	return "", nil
}

func (b *grpcBackend) Forms(ctx context.Context) ([]FormChoice, error) {
	resp, err := b.forms.ListForms(ctx, &indicatorsv1.ListFormsRequest{Status: indicatorsv1.FormStatus_FORM_STATUS_PUBLISHED, PageSize: 100})
	if err != nil {
		return nil, err
	}
	var out []FormChoice
	for _, f := range resp.GetForms() {
		out = append(out, FormChoice{Code: f.GetCode(), Title: f.GetTitle(), Version: int(f.GetVersion())})
	}
	return out, nil
}

func campaignRecord(c *indicatorsv1.Campaign) CampaignRecord {
	d, _ := time.Parse(time.DateOnly, c.GetDeadline())
	days := []int{}
	for _, n := range c.GetReminderDays() {
		days = append(days, int(n))
	}
	return CampaignRecord{ID: c.GetId(), Name: c.GetName(), Year: int(c.GetYear()), FormCode: c.GetFormCode(),
		FormVersion: int(c.GetFormVersion()), Municipality: c.GetMunicipalityId(), Region: c.GetRegionCode(), Deadline: d,
		Open: c.GetStatus() == indicatorsv1.CampaignStatus_CAMPAIGN_STATUS_OPEN, Expected: int(c.GetExpectedCount()), Version: c.GetVersion(),
		ReminderDays: days, ReminderTime: c.GetReminderTime()}
}

func (b *grpcBackend) CampaignList(ctx context.Context, municipality string) ([]CampaignRecord, error) {
	resp, err := b.campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{Municipality: municipality, PageSize: 200})
	if err != nil {
		return nil, err
	}
	var out []CampaignRecord
	for _, c := range resp.GetCampaigns() {
		out = append(out, campaignRecord(c))
	}
	return out, nil
}

func (b *grpcBackend) Campaign(ctx context.Context, id string) (CampaignRecord, error) {
	resp, err := b.campaigns.GetCampaign(ctx, &indicatorsv1.GetCampaignRequest{Id: id})
	if err != nil {
		return CampaignRecord{}, err
	}
	return campaignRecord(resp.GetCampaign()), nil
}

func (b *grpcBackend) CreateCampaign(ctx context.Context, c CampaignRecord, requestID string) (CampaignRecord, error) {
	resp, err := b.campaigns.CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{RequestId: requestID, Campaign: &indicatorsv1.Campaign{
		Name: c.Name, Year: int32(c.Year), FormCode: c.FormCode, FormVersion: int32(c.FormVersion),
		MunicipalityId: c.Municipality, Deadline: c.Deadline.Format(time.DateOnly)}})
	if err != nil {
		return CampaignRecord{}, err
	}
	return campaignRecord(resp.GetCampaign()), nil
}

func (b *grpcBackend) Expected(ctx context.Context, campaignID, municipality string) ([]ExpectedRow, error) {
	var out []ExpectedRow
	token := ""
	for {
		resp, err := b.campaigns.ListExpected(ctx, &indicatorsv1.ListExpectedRequest{CampaignId: campaignID, Municipality: municipality,
			PageSize: 500, PageToken: token})
		if err != nil {
			return nil, err
		}
		for _, o := range resp.GetOrganisations() {
			d, _ := time.Parse(time.DateOnly, o.GetDeadline())
			row := ExpectedRow{OrgID: o.GetOrganisationId(), Name: o.GetShortName(), State: expectedState(o), Late: o.GetLate(),
				Deadline: d, Dropped: o.GetDroppedOn()}
			for _, e := range o.GetExtensions() {
				ed, _ := time.Parse(time.DateOnly, e.GetDeadline())
				row.Extensions = append(row.Extensions, Extension{Deadline: ed, Reason: e.GetReason(), Login: e.GetLogin(),
					Created: e.GetCreateTime().AsTime()})
			}
			out = append(out, row)
		}
		token = resp.GetNextPageToken()
		if token == "" {
			return out, nil
		}
	}
}

func (b *grpcBackend) RefreshExpected(ctx context.Context, campaignID string) ([]string, []string, error) {
	resp, err := b.campaigns.RefreshExpected(ctx, &indicatorsv1.RefreshExpectedRequest{Id: campaignID})
	if err != nil {
		return nil, nil, err
	}
	return resp.GetAdded(), resp.GetDropped(), nil
}

func (b *grpcBackend) ExtendDeadline(ctx context.Context, campaignID, orgID string, deadline time.Time, reason string) error {
	_, err := b.campaigns.ExtendDeadline(ctx, &indicatorsv1.ExtendDeadlineRequest{CampaignId: campaignID, OrganisationId: orgID,
		Deadline: deadline.Format(time.DateOnly), Reason: reason})
	return err
}

func (b *grpcBackend) SetReminders(ctx context.Context, id string, version int64, days []int, at string) error {
	req := &indicatorsv1.SetRemindersRequest{Id: id, Version: version, ReminderTime: at}
	for _, n := range days {
		req.ReminderDays = append(req.ReminderDays, int32(n))
	}
	_, err := b.campaigns.SetReminders(ctx, req)
	return err
}

func (b *grpcBackend) CloseCampaign(ctx context.Context, id string, version int64) error {
	_, err := b.campaigns.CloseCampaign(ctx, &indicatorsv1.CloseCampaignRequest{Id: id, Version: version})
	return err
}
