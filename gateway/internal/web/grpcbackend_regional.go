package web

import (
	"context"

	"golang.org/x/sync/errgroup"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

var _ RegionalBackend = (*grpcBackend)(nil)

func (b *grpcBackend) CampaignYears(ctx context.Context, region string) ([]int, error) {
	// One campaign is read: the answer lists the years of all of them.
	resp, err := b.campaigns.ListCampaigns(ctx, &indicatorsv1.ListCampaignsRequest{Region: region, PageSize: 1})
	if err != nil {
		return nil, err
	}
	out := make([]int, 0, len(resp.GetYears()))
	for _, y := range resp.GetYears() {
		out = append(out, int(y))
	}
	return out, nil
}

func (b *grpcBackend) indicatorDefs(ctx context.Context) ([]IndicatorDef, error) {
	defs, err := b.aggregates.ListIndicators(ctx, &indicatorsv1.ListIndicatorsRequest{})
	if err != nil {
		return nil, err
	}
	var out []IndicatorDef
	for _, d := range defs.GetIndicators() {
		out = append(out, IndicatorDef{Code: d.GetCode(), Name: d.GetName(), Counts: d.GetCounts(), Unit: d.GetUnit(),
			Share: d.GetKind() == indicatorsv1.IndicatorKind_INDICATOR_KIND_SHARE})
	}
	return out, nil
}

// unitValues reads the aggregates at a level inside parent in year, by unit
// and indicator, with the units' names.
func (b *grpcBackend) unitValues(ctx context.Context, level indicatorsv1.Level, parent string, year int) (map[string]map[string]UnitValue, map[string]string, error) {
	return b.unitValuesNamed(ctx, level, parent, year, true)
}

// unitValuesNamed is unitValues, without the units' names (all empty) when
// not named: the caller has them.
func (b *grpcBackend) unitValuesNamed(ctx context.Context, level indicatorsv1.Level, parent string, year int, named bool) (map[string]map[string]UnitValue, map[string]string, error) {
	resp, err := b.aggregates.GetAggregates(ctx, &indicatorsv1.GetAggregatesRequest{Level: level, Parent: parent,
		Years: []int32{int32(year)}, Basis: indicatorsv1.Basis_BASIS_ACCEPTED, OmitUnitNames: !named})
	if err != nil {
		return nil, nil, err
	}
	out, names := map[string]map[string]UnitValue{}, map[string]string{}
	for _, a := range resp.GetAggregates() {
		if int(a.GetYear()) != year {
			continue
		}
		if out[a.GetUnit()] == nil {
			out[a.GetUnit()] = map[string]UnitValue{}
		}
		names[a.GetUnit()] = a.GetUnitName()
		out[a.GetUnit()][a.GetIndicatorCode()] = UnitValue{IndicatorYear: IndicatorYear{Year: year, HasValue: a.Value != nil, Value: a.GetValue(),
			Numerator: a.GetNumerator(), Denominator: a.GetDenominator(), Contributors: int(a.GetContributors()), Expected: int(a.GetExpected()),
			HasTarget: a.Target != nil, Target: a.GetTarget(), Status: targetStatus(a.GetStatus()), HasChange: a.Change != nil,
			Change: a.GetChange(), Comparable: a.GetComparable()}, HasPrevious: a.PreviousValue != nil, Previous: a.GetPreviousValue()}
	}
	return out, names, nil
}

func counts(c *indicatorsv1.Completeness) Counts {
	return Counts{Expected: int(c.GetExpected()), OnTime: int(c.GetOnTime()), Late: int(c.GetLate()), Missing: int(c.GetMissing()),
		Submitted: int(c.GetSubmitted()), Returned: int(c.GetReturned()), Accepted: int(c.GetAccepted())}
}

func (b *grpcBackend) Region(ctx context.Context, region string, year int) (RegionView, error) {
	out := RegionView{Region: region, Year: year}
	var (
		muns        *registryv1.ListMunicipalitiesResponse
		comp        *indicatorsv1.GetCompletenessResponse
		values, tot map[string]map[string]UnitValue
		rname       map[string]string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		out.Indicators, err = b.indicatorDefs(gctx)
		return err
	})
	g.Go(func() (err error) {
		muns, err = b.municipalities.ListMunicipalities(gctx, &registryv1.ListMunicipalitiesRequest{Region: region, PageSize: 500})
		return err
	})
	g.Go(func() (err error) {
		comp, err = b.campaigns.GetCompleteness(gctx, &indicatorsv1.GetCompletenessRequest{Year: int32(year), Region: region, CountsOnly: true})
		return err
	})
	// The municipalities are named from the registry's list: indicators
	// would ask the registry for the same list to name them.
	g.Go(func() (err error) {
		values, _, err = b.unitValuesNamed(gctx, indicatorsv1.Level_LEVEL_MUNICIPALITY, region, year, false)
		return err
	})
	g.Go(func() (err error) {
		tot, rname, err = b.unitValues(gctx, indicatorsv1.Level_LEVEL_REGION, region, year)
		return err
	})
	g.Go(func() (err error) {
		out.SignOffs, err = b.SignOffs(gctx, SignOffQuery{Year: year, Region: region})
		return err
	})
	if err := g.Wait(); err != nil {
		return RegionView{}, err
	}
	byMun := map[string]Counts{}
	for _, m := range comp.GetMunicipalities() {
		byMun[m.GetMunicipalityId()] = counts(m.GetCounts())
	}
	out.Name = rname[region]
	out.Total = UnitRow{ID: region, Name: rname[region], Counts: counts(comp.GetTotal()), Values: tot[region]}
	seen := map[string]bool{}
	for _, m := range muns.GetMunicipalities() {
		seen[m.GetId()] = true
		out.Municipalities = append(out.Municipalities, UnitRow{ID: m.GetId(), Name: m.GetName(), Counts: byMun[m.GetId()], Values: values[m.GetId()]})
	}
	for id, v := range values { // a municipality the registry no longer lists: named by its id, as indicators would
		if !seen[id] {
			out.Municipalities = append(out.Municipalities, UnitRow{ID: id, Name: id, Counts: byMun[id], Values: v})
		}
	}
	return out, nil
}

func (b *grpcBackend) Country(ctx context.Context, year int) (RegionView, error) {
	out := RegionView{Year: year, Name: "Россия"}
	var (
		regions     []*registryv1.Region
		comp        *indicatorsv1.GetCompletenessResponse
		values, tot map[string]map[string]UnitValue
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		out.Indicators, err = b.indicatorDefs(gctx)
		return err
	})
	g.Go(func() error {
		token := ""
		for {
			resp, err := b.regions.ListRegions(gctx, &registryv1.ListRegionsRequest{PageSize: 500, PageToken: token})
			if err != nil {
				return err
			}
			regions = append(regions, resp.GetRegions()...)
			if token = resp.GetNextPageToken(); token == "" {
				return nil
			}
		}
	})
	g.Go(func() (err error) {
		comp, err = b.campaigns.GetCompleteness(gctx, &indicatorsv1.GetCompletenessRequest{Year: int32(year), CountsOnly: true})
		return err
	})
	g.Go(func() (err error) {
		values, _, err = b.unitValues(gctx, indicatorsv1.Level_LEVEL_REGION, "", year)
		return err
	})
	g.Go(func() (err error) {
		tot, _, err = b.unitValues(gctx, indicatorsv1.Level_LEVEL_COUNTRY, "", year)
		return err
	})
	g.Go(func() (err error) {
		out.SignOffs, err = b.SignOffs(gctx, SignOffQuery{Year: year})
		return err
	})
	if err := g.Wait(); err != nil {
		return RegionView{}, err
	}
	byRegion := map[string]Counts{}
	for _, r := range comp.GetRegions() {
		byRegion[r.GetRegionCode()] = counts(r.GetCounts())
	}
	out.Total = UnitRow{Name: out.Name, Counts: counts(comp.GetTotal()), Values: tot[""]}
	for _, r := range regions {
		out.Municipalities = append(out.Municipalities, UnitRow{ID: r.GetCode(), Name: r.GetName(), Counts: byRegion[r.GetCode()],
			Values: values[r.GetCode()]})
	}
	return out, nil
}

func (b *grpcBackend) Municipality(ctx context.Context, municipality string, year int) (MunicipalityView, error) {
	m, err := b.municipalities.GetMunicipality(ctx, &registryv1.GetMunicipalityRequest{Id: municipality})
	if err != nil {
		return MunicipalityView{}, err
	}
	out := MunicipalityView{ID: municipality, Name: m.GetMunicipality().GetName(), Region: m.GetMunicipality().GetRegionCode(), Year: year}
	var (
		comp        *indicatorsv1.GetCompletenessResponse
		values, tot map[string]map[string]UnitValue
		names       map[string]string
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		out.Indicators, err = b.indicatorDefs(gctx)
		return err
	})
	g.Go(func() (err error) {
		comp, err = b.campaigns.GetCompleteness(gctx, &indicatorsv1.GetCompletenessRequest{Year: int32(year), Municipality: municipality})
		return err
	})
	g.Go(func() (err error) {
		values, names, err = b.unitValues(gctx, indicatorsv1.Level_LEVEL_ORGANISATION, municipality, year)
		return err
	})
	g.Go(func() (err error) {
		tot, _, err = b.unitValues(gctx, indicatorsv1.Level_LEVEL_MUNICIPALITY, out.Region, year)
		return err
	})
	g.Go(func() (err error) {
		out.SignOffs, err = b.SignOffs(gctx, SignOffQuery{Year: year, Municipality: municipality})
		return err
	})
	if err := g.Wait(); err != nil {
		return MunicipalityView{}, err
	}
	out.Total = UnitRow{ID: municipality, Name: out.Name, Counts: counts(comp.GetTotal()), Values: tot[municipality]}
	seen := map[string]bool{}
	for _, o := range comp.GetOrganisations() {
		seen[o.GetOrganisationId()] = true
		out.Organisations = append(out.Organisations, UnitRow{ID: o.GetOrganisationId(), Name: o.GetShortName(), State: expectedState(o),
			Late: o.GetLate(), ReportID: o.GetReportId(), Values: values[o.GetOrganisationId()]})
	}
	for id, v := range values {
		if !seen[id] {
			out.Organisations = append(out.Organisations, UnitRow{ID: id, Name: names[id], Values: v})
		}
	}
	return out, nil
}

func (b *grpcBackend) Targets(ctx context.Context, region string, years []int) ([]IndicatorTarget, error) {
	ys := make([]int32, len(years))
	for i, y := range years {
		ys[i] = int32(y)
	}
	var (
		resp *indicatorsv1.ListTargetsResponse
		muns *registryv1.ListMunicipalitiesResponse
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		resp, err = b.aggregates.ListTargets(gctx, &indicatorsv1.ListTargetsRequest{Years: ys})
		return err
	})
	g.Go(func() (err error) {
		muns, err = b.municipalities.ListMunicipalities(gctx, &registryv1.ListMunicipalitiesRequest{Region: region, PageSize: 500})
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	ours := map[string]bool{}
	for _, m := range muns.GetMunicipalities() {
		ours[m.GetId()] = true
	}
	var out []IndicatorTarget
	for _, t := range resp.GetTargets() {
		level := TargetScope(t.GetLevel())
		if t.GetUnit() != "" && !(level == TargetRegion && t.GetUnit() == region) && !(level == TargetMunicipality && ours[t.GetUnit()]) {
			continue // another region's
		}
		out = append(out, IndicatorTarget{Indicator: t.GetIndicatorCode(), Year: int(t.GetYear()), Level: level, Unit: t.GetUnit(),
			Min: t.GetMinValue(), Source: t.GetSource()})
	}
	return out, nil
}

func (b *grpcBackend) PutTarget(ctx context.Context, t IndicatorTarget) error {
	_, err := b.aggregates.PutTarget(ctx, &indicatorsv1.PutTargetRequest{Target: &indicatorsv1.Target{IndicatorCode: t.Indicator,
		Year: int32(t.Year), Level: indicatorsv1.Level(t.Level), Unit: t.Unit, MinValue: t.Min, Source: t.Source}})
	return err
}
