package country

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// loadMunicipalities creates the regions and their municipalities
// (idempotently: regions by code, municipalities by request id).
func (c *Country) loadMunicipalities(ctx context.Context, conns Conns, st *Stats) (int, error) {
	regionsClient := registryv1.NewRegionServiceClient(conns.Registry)
	for _, r := range c.Regions {
		if _, err := regionsClient.CreateRegion(ctx, &registryv1.CreateRegionRequest{Region: &registryv1.Region{
			Code: r.Code, Name: r.Name, TimeZone: r.TimeZone}}); err != nil && status.Code(err) != codes.AlreadyExists {
			return 0, fmt.Errorf("region %s: %w", r.Code, err)
		}
	}
	st.Regions = len(c.Regions)
	muns := c.municipalities()
	client := registryv1.NewMunicipalityServiceClient(conns.Registry)
	n, err := c.parallel(ctx, "municipalities", len(muns), func(ctx context.Context, i int) (int, error) {
		m := muns[i]
		kind := registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_DISTRICT
		switch {
		case strings.HasPrefix(m.Name, "городской округ"):
			kind = registryv1.MunicipalityKind_MUNICIPALITY_KIND_URBAN_DISTRICT
		case strings.Contains(m.Name, "округ"):
			kind = registryv1.MunicipalityKind_MUNICIPALITY_KIND_MUNICIPAL_OKRUG
		}
		resp, err := client.CreateMunicipality(ctx, &registryv1.CreateMunicipalityRequest{
			Municipality: &registryv1.Municipality{RegionCode: m.RegionCode, Name: m.Name, Kind: kind},
			RequestId:    c.id("municipality", m.RegionCode, m.Name)})
		if err != nil {
			return 0, fmt.Errorf("municipality %s of %s: %w", m.Name, m.RegionCode, err)
		}
		m.ID = resp.GetMunicipality().GetId()
		return 1, nil
	})
	st.Municipalities = n
	return n + len(c.Regions), err
}

// loadOrganisations imports each municipality's organisations as the CSV a
// municipality sends, then reads their ids back.
func (c *Country) loadOrganisations(ctx context.Context, conns Conns, st *Stats) (int, error) {
	muns := c.municipalities()
	client := registryv1.NewOrganisationServiceClient(conns.Registry)
	n, err := c.parallel(ctx, "organisations (by municipality)", len(muns), func(ctx context.Context, i int) (int, error) {
		m := muns[i]
		var b bytes.Buffer
		b.WriteString("ИНН;Полное наименование;Краткое наименование;Тип;Часовой пояс\n")
		for _, o := range m.Organisations {
			fmt.Fprintf(&b, "%s;\"%s\";\"%s\";%s;%s\n", o.INN, o.FullName, o.ShortName, o.Kind, o.TimeZone)
		}
		report, err := client.ImportOrganisations(ctx, &registryv1.ImportOrganisationsRequest{MunicipalityId: m.ID,
			Format: registryv1.ImportFormat_IMPORT_FORMAT_CSV, Content: b.Bytes()})
		if err != nil {
			return 0, fmt.Errorf("organisations of %s: %w", m.Name, err)
		}
		if !report.GetApplied() {
			return 0, fmt.Errorf("organisations of %s: %d rows rejected: %v", m.Name, report.GetRejected(), report.GetRows())
		}
		byINN := map[string]*Organisation{}
		for _, o := range m.Organisations {
			byINN[o.INN] = o
		}
		req := &registryv1.ListOrganisationsRequest{Municipality: m.ID, PageSize: 500}
		for {
			resp, err := client.ListOrganisations(ctx, req)
			if err != nil {
				return 0, err
			}
			for _, o := range resp.GetOrganisations() {
				if g := byINN[o.GetInn()]; g != nil {
					g.ID = o.GetId()
				}
			}
			if resp.GetNextPageToken() == "" {
				break
			}
			req.PageToken = resp.GetNextPageToken()
		}
		for _, o := range m.Organisations {
			if o.ID == "" {
				return 0, fmt.Errorf("organisation %s of %s: not listed after the import", o.INN, m.Name)
			}
		}
		return len(m.Organisations), nil
	})
	st.Organisations = n
	return n, err
}

// loadAccounts creates a methodologist per municipality, a regional centre
// per region and a curator for every CuratorEvery-th organisation; an
// account already there is left as it is.
func (c *Country) loadAccounts(ctx context.Context, conns Conns, st *Stats) (int, error) {
	type account struct {
		login, name, scope string
		role               registryv1.Role
	}
	var all []account
	seq := 0
	for _, r := range c.Regions {
		all = append(all, account{Login(registryv1.Role_ROLE_REGIONAL, r.Code, 0), "Региональный центр наставничества — " + r.Name, r.Code, registryv1.Role_ROLE_REGIONAL})
		for i, m := range r.Municipalities {
			all = append(all, account{Login(registryv1.Role_ROLE_METHODOLOGIST, r.Code, i+1), "Методист — " + m.Name, m.ID, registryv1.Role_ROLE_METHODOLOGIST})
			for _, o := range m.Organisations {
				seq++
				if c.cfg.CuratorEvery > 0 && seq%c.cfg.CuratorEvery == 0 {
					all = append(all, account{Login(registryv1.Role_ROLE_CURATOR, r.Code, seq), "Куратор — " + o.ShortName, o.ID, registryv1.Role_ROLE_CURATOR})
				}
			}
		}
	}
	client := registryv1.NewAccountServiceClient(conns.Registry)
	n, err := c.parallel(ctx, "accounts", len(all), func(ctx context.Context, i int) (int, error) {
		a := all[i]
		_, err := client.CreateAccount(ctx, &registryv1.CreateAccountRequest{
			Account:  &registryv1.Account{Login: a.login, Name: a.name, Roles: []*registryv1.RoleBinding{{Role: a.role, Scope: a.scope}}},
			Password: c.cfg.Password})
		if err != nil && status.Code(err) != codes.AlreadyExists {
			return 0, fmt.Errorf("account %s: %w", a.login, err)
		}
		return 1, nil
	})
	st.Accounts = n
	return n, err
}

// Login is the login of a generated account: the regional centre of a
// region (n 0), the methodologist of its n-th municipality, the curator of
// its n-th organisation.
func Login(role registryv1.Role, region string, n int) string {
	switch role {
	case registryv1.Role_ROLE_REGIONAL:
		return "regional-" + region
	case registryv1.Role_ROLE_METHODOLOGIST:
		return fmt.Sprintf("methodologist-%s-%d", region, n)
	}
	return fmt.Sprintf("curator-%s-%d", region, n)
}

// monitoringForm is the form of every campaign.
const monitoringForm = "cmn_monitoring"

// loadCampaigns publishes the monitoring form when it is not, and creates
// every municipality's campaign of every year, opened on 1 October (or
// today, the current year's, when loaded earlier) with a 15 December deadline.
func (c *Country) loadCampaigns(ctx context.Context, conns Conns, st *Stats) (int, error) {
	forms := indicatorsv1.NewFormServiceClient(conns.Indicators)
	got, err := forms.GetForm(ctx, &indicatorsv1.GetFormRequest{Code: monitoringForm, Version: 1})
	switch {
	case err == nil && got.GetForm().GetStatus() == indicatorsv1.FormStatus_FORM_STATUS_PUBLISHED:
	case err != nil && status.Code(err) != codes.NotFound:
		return 0, fmt.Errorf("form: %w", err)
	default:
		d, err := forms.DraftForm(ctx, &indicatorsv1.DraftFormRequest{Code: monitoringForm})
		if err != nil {
			return 0, fmt.Errorf("form: draft: %w", err)
		}
		if _, err := forms.PublishForm(ctx, &indicatorsv1.PublishFormRequest{Code: monitoringForm, Version: d.GetForm().GetVersion(),
			Revision: d.GetForm().GetRevision()}); err != nil {
			return 0, fmt.Errorf("form: publish: %w", err)
		}
	}
	muns := c.municipalities()
	years := c.Years()
	client := indicatorsv1.NewCampaignServiceClient(conns.Indicators)
	today := c.cfg.Now.UTC().Format("2006-01-02")
	var mu sync.Mutex
	n, err := c.parallel(ctx, "campaigns", len(muns)*len(years), func(ctx context.Context, i int) (int, error) {
		m, year := muns[i/len(years)], years[i%len(years)]
		opened := fmt.Sprintf("%d-10-01", year)
		if opened > today {
			opened = today
		}
		resp, err := client.CreateCampaign(ctx, &indicatorsv1.CreateCampaignRequest{
			Campaign: &indicatorsv1.Campaign{Name: fmt.Sprintf("Мониторинг ЦМН %d", year), Year: int32(year), FormCode: monitoringForm,
				FormVersion: 1, MunicipalityId: m.ID, Deadline: fmt.Sprintf("%d-12-15", year), OpenedOn: opened},
			RequestId: c.id("campaign", m.ID, year)})
		if err != nil {
			return 0, fmt.Errorf("campaign %d of %s: %w", year, m.Name, err)
		}
		mu.Lock()
		m.Campaigns[year] = resp.GetCampaign().GetId()
		mu.Unlock()
		return 1, nil
	})
	st.Campaigns = n
	return n, err
}
