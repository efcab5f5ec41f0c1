package server

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	"github.com/nastavnik/nastavnik/services/indicators/internal/domain"
	"github.com/nastavnik/nastavnik/services/indicators/internal/indicator"
	"github.com/nastavnik/nastavnik/services/indicators/internal/store"
)

var regionCode = regexp.MustCompile(`^[0-9]{2}$`)

// Namer names regions and municipalities (the registry's names).
type Namer interface {
	RegionNames(ctx context.Context) (map[string]string, error)
	MunicipalityNames(ctx context.Context, region string) (map[string]string, error)
}

// Aggregates implements AggregateService over the same store.
type Aggregates struct {
	indicatorsv1.UnimplementedAggregateServiceServer
	s     *Server
	namer Namer
}

var _ indicatorsv1.AggregateServiceServer = (*Aggregates)(nil)

// NewAggregates returns the aggregate service of s; namer may be nil (units
// are then named by their ids).
func NewAggregates(s *Server, namer Namer) *Aggregates { return &Aggregates{s: s, namer: namer} }

// Register registers the aggregate service on g.
func (a *Aggregates) Register(g grpc.ServiceRegistrar) {
	indicatorsv1.RegisterAggregateServiceServer(g, a)
}

func indicatorToProto(d indicator.Definition) *indicatorsv1.Indicator {
	out := &indicatorsv1.Indicator{Code: d.Code, Name: d.Name, Counts: d.Counts, Source: d.Source, Kind: indicatorsv1.IndicatorKind(d.Kind),
		Numerator: d.Numerator, Denominator: d.Denominator, Factor: d.Factor, Unit: d.Unit, FormCode: d.Form}
	for _, v := range d.Versions {
		out.FormVersions = append(out.FormVersions, int32(v))
	}
	return out
}

func targetToProto(t indicator.Target) *indicatorsv1.Target {
	return &indicatorsv1.Target{IndicatorCode: t.Indicator, Year: int32(t.Year), Level: indicatorsv1.Level(t.Level), Unit: t.Unit,
		MinValue: t.Min, Source: t.Source}
}

// ListIndicators implements AggregateService.
func (a *Aggregates) ListIndicators(ctx context.Context, _ *indicatorsv1.ListIndicatorsRequest) (*indicatorsv1.ListIndicatorsResponse, error) {
	defs, err := a.s.store.Indicators(ctx)
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListIndicatorsResponse{}
	for _, d := range defs {
		resp.Indicators = append(resp.Indicators, indicatorToProto(d))
	}
	return resp, nil
}

// codes checks indicator codes against the definitions; empty means all.
func (a *Aggregates) codes(ctx context.Context, want []string, field string) ([]indicator.Definition, error) {
	defs, err := a.s.store.Indicators(ctx)
	if err != nil {
		return nil, err
	}
	if len(want) == 0 {
		return defs, nil
	}
	var out []indicator.Definition
	var ve validation.Error
	for i, c := range want {
		j := slices.IndexFunc(defs, func(d indicator.Definition) bool { return d.Code == c })
		if j < 0 {
			ve.Add(fmt.Sprintf("%s[%d]", field, i), validation.NotFound("indicator"))
			continue
		}
		out = append(out, defs[j])
	}
	return out, ve.Err()
}

func years32(ys []int32) []int {
	out := make([]int, 0, len(ys))
	for _, y := range ys {
		out = append(out, int(y))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ListTargets implements AggregateService: the targets the caller may see —
// those for every unit or a level, and those of the named units Related to
// its scope (a regional centre's region and its municipalities; a
// methodologist's or curator's municipality and region). Any other is left
// out, as if it did not exist.
func (a *Aggregates) ListTargets(ctx context.Context, req *indicatorsv1.ListTargetsRequest) (*indicatorsv1.ListTargetsResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	defs, err := a.codes(ctx, req.GetIndicatorCodes(), "indicator_codes")
	if err != nil {
		return nil, err
	}
	ts, err := a.s.store.Targets(ctx, defCodes(defs), years32(req.GetYears()))
	if err != nil {
		return nil, err
	}
	resp := &indicatorsv1.ListTargetsResponse{}
	regions := map[string]string{} // municipality → region, as the directory tells the caller
	for _, t := range ts {
		if !p.IsOperator() && t.Unit != "" {
			if (t.Level == indicator.LevelRegion && !regionCode.MatchString(t.Unit)) ||
				(t.Level == indicator.LevelMunicipality && !isUUID(t.Unit)) {
				continue // no unit anyone but the operator can place
			}
			scope, err := a.targetScope(ctx, t, regions)
			if errors.Is(err, domain.ErrNotFound) || (err == nil && !p.Related(scope)) {
				continue
			}
			if err != nil {
				return nil, err
			}
		}
		resp.Targets = append(resp.Targets, targetToProto(t))
	}
	return resp, nil
}

func defCodes(defs []indicator.Definition) []string {
	out := make([]string, 0, len(defs))
	for _, d := range defs {
		out = append(out, d.Code)
	}
	return out
}

// PutTarget implements AggregateService: the operator sets any target, a
// regional centre those of its own region and its municipalities.
func (a *Aggregates) PutTarget(ctx context.Context, req *indicatorsv1.PutTargetRequest) (*indicatorsv1.PutTargetResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	pt := req.GetTarget()
	t := indicator.Target{Indicator: pt.GetIndicatorCode(), Year: int(pt.GetYear()), Level: indicator.Level(pt.GetLevel()),
		Unit: pt.GetUnit(), Min: pt.GetMinValue(), Source: pt.GetSource()}
	var ve validation.Error
	if _, err := a.codes(ctx, []string{t.Indicator}, "target.indicator_code"); err != nil {
		ve.Add("target.indicator_code", validation.NotFound("indicator"))
	}
	if t.Year < 2000 || t.Year > 2100 {
		ve.Add("target.year", validation.YearRange(2000, 2100))
	}
	if t.Min < 0 || t.Min > 1e9 {
		ve.Add("target.min_value", validation.Range(0, 1e9))
	}
	if t.Level < indicator.LevelUnspecified || t.Level > indicator.LevelCountry {
		ve.Add("target.level", validation.OneOf("organisation", "municipality", "region", "country"))
	}
	var scope identity.Scope
	switch {
	case t.Unit == "":
	case t.Level == indicator.LevelRegion && !regionCode.MatchString(t.Unit):
		ve.Add("target.unit", validation.New("region_code"))
	case t.Level == indicator.LevelMunicipality && !isUUID(t.Unit):
		ve.Add("target.unit", validation.BadUUID())
	case t.Level != indicator.LevelRegion && t.Level != indicator.LevelMunicipality:
		ve.Add("target.unit", validation.New("target_unit"))
	default:
		// A named unit exists (for the operator, who sees every unit; to
		// anyone else a unit it does not see is one it may not set).
		s, err := a.targetScope(ctx, t, nil)
		switch {
		case errors.Is(err, domain.ErrNotFound) && !p.IsOperator():
			return nil, domain.ErrPermissionDenied
		case errors.Is(err, domain.ErrNotFound) && t.Level == indicator.LevelRegion:
			ve.Add("target.unit", validation.NotFound("region"))
		case errors.Is(err, domain.ErrNotFound):
			ve.Add("target.unit", validation.NotFound("municipality"))
		case err != nil:
			return nil, err
		}
		scope = s
	}
	if len(t.Source) > 500 {
		ve.Add("target.source", validation.TooLong(500))
	}
	if err := ve.Err(); err != nil {
		return nil, err
	}
	if !p.IsOperator() && !maySetRegionalTarget(p, scope, t) {
		return nil, domain.ErrPermissionDenied
	}
	if err := a.s.store.PutTarget(ctx, t); err != nil {
		return nil, err
	}
	return &indicatorsv1.PutTargetResponse{Target: targetToProto(t)}, nil
}

// targetScope locates a target's named unit, asking the directory (as the
// caller) for a municipality's region once per request when regions is
// given; a unit the caller does not see is ErrNotFound.
func (a *Aggregates) targetScope(ctx context.Context, t indicator.Target, regions map[string]string) (identity.Scope, error) {
	switch {
	case t.Unit == "":
		return identity.Scope{}, nil
	case t.Level == indicator.LevelRegion:
		return identity.Scope{Region: t.Unit}, a.s.dir.Region(ctx, t.Unit)
	}
	if region, ok := regions[t.Unit]; ok {
		if region == "" {
			return identity.Scope{}, domain.ErrNotFound
		}
		return identity.Scope{Region: region, Municipality: t.Unit}, nil
	}
	region, err := a.s.dir.Municipality(ctx, t.Unit)
	if regions != nil && (err == nil || errors.Is(err, domain.ErrNotFound)) {
		regions[t.Unit] = region
	}
	return identity.Scope{Region: region, Municipality: t.Unit}, err
}

// query is a checked GetAggregatesRequest.
type query struct {
	store.AggregateQuery
	defs []indicator.Definition
	// parentRegion is the region of an organisation level's municipality.
	parentRegion string
	// omitNames: the caller names the units itself (omit_unit_names).
	omitNames bool
}

// check validates a request and the caller's access to its parent: a parent
// the caller does not see at all does not exist.
func (a *Aggregates) check(ctx context.Context, p identity.Principal, req *indicatorsv1.GetAggregatesRequest, prefix string) (query, error) {
	q := query{AggregateQuery: store.AggregateQuery{Level: indicator.Level(req.GetLevel()), Parent: req.GetParent(),
		Years: years32(req.GetYears()), Basis: store.BasisAccepted}, omitNames: req.GetOmitUnitNames()}
	if req.GetBasis() == indicatorsv1.Basis_BASIS_SUBMITTED {
		q.Basis = store.BasisSubmitted
	}
	defs, err := a.codes(ctx, req.GetIndicatorCodes(), prefix+"indicator_codes")
	if err != nil {
		return q, err
	}
	q.defs, q.Indicators = defs, defCodes(defs)
	switch q.Level {
	case indicator.LevelCountry:
		if q.Parent != "" {
			return q, validation.Field(prefix+"parent", validation.New("parent_forbidden"))
		}
		if !p.IsOperator() {
			return q, domain.ErrPermissionDenied
		}
	case indicator.LevelRegion, indicator.LevelMunicipality:
		if q.Parent != "" {
			if !regionCode.MatchString(q.Parent) {
				return q, validation.Field(prefix+"parent", validation.New("region_code"))
			}
			if !p.Related(identity.Scope{Region: q.Parent}) {
				return q, domain.ErrNotFound
			}
		}
		// The store reads only the units the caller may see (visible
		// still judges each): a methodologist's municipality, a regional
		// centre's region, not the country.
		// A parent region the reach holds whole is that already (the
		// statements then have no arrays to plan).
		if r := p.Reach(); !r.All && (q.Parent == "" || !slices.Contains(r.Regions, q.Parent)) {
			q.Within = &store.Within{Regions: r.Regions, Municipalities: r.Municipalities}
		}
	case indicator.LevelOrganisation:
		if !isUUID(q.Parent) {
			return q, validation.Field(prefix+"parent", validation.BadUUID())
		}
		region, err := a.s.dir.Municipality(ctx, q.Parent)
		if err != nil {
			return q, err
		}
		if !p.Related(identity.Scope{Region: region, Municipality: q.Parent}) {
			return q, domain.ErrNotFound
		}
		q.parentRegion = region
	}
	return q, nil
}

// rows computes the aggregates of a checked query, of the units the caller
// sees.
func (a *Aggregates) rows(ctx context.Context, p identity.Principal, q query) ([]*indicatorsv1.Aggregate, error) {
	requested := q.Years
	withPrev := slices.Clone(requested)
	for _, y := range requested {
		withPrev = append(withPrev, y-1)
	}
	slices.Sort(withPrev)
	q.Years = slices.Compact(withPrev)
	// The sums, the targets, the forms' signatures and (but for
	// organisations, named after their sums) the units' names at once.
	// (A read: no transaction in ctx to share.)
	var (
		sums     []store.Sums
		targets  []indicator.Target
		sigs     map[int]map[string][]string
		names    map[string]string
		namesErr error
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		sums, err = a.s.store.Aggregates(gctx, q.AggregateQuery)
		return err
	})
	g.Go(func() (err error) {
		targets, err = a.s.store.Targets(gctx, q.Indicators, requested)
		return err
	})
	g.Go(func() (err error) {
		sigs, err = a.s.store.Signatures(gctx, q.Years, q.Indicators)
		return err
	})
	if q.Level != indicator.LevelOrganisation && !q.omitNames {
		g.Go(func() error {
			names, namesErr = a.names(gctx, q, []string{""}) // the units do not matter at these levels
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	defs := map[string]indicator.Definition{}
	for _, d := range q.defs {
		defs[d.Code] = d
	}
	type key struct {
		unit, code string
		year       int
	}
	byKey := make(map[key]int, len(sums)) // the index in sums
	for i, x := range sums {
		byKey[key{x.Unit, x.Indicator, x.Year}] = i
	}
	var units []string
	var out []*indicatorsv1.Aggregate
	for _, x := range sums {
		if !slices.Contains(requested, x.Year) || !a.visible(p, q, x) {
			continue
		}
		d := defs[x.Indicator]
		agg := &indicatorsv1.Aggregate{Level: indicatorsv1.Level(q.Level), Unit: x.Unit, Year: int32(x.Year), IndicatorCode: x.Indicator,
			Numerator: x.Numerator, Denominator: x.Denominator, Contributors: int32(x.Contributors), Expected: int32(x.Expected),
			Coverage: x.Coverage(), Comparable: true}
		v, ok := d.Result(x.Value)
		if ok {
			agg.Value = &v
		}
		t, found := indicator.Find(targets, x.Indicator, x.Year, q.Level, x.Unit)
		if found {
			agg.Target = &t.Min
		}
		agg.Status = indicatorsv1.TargetStatus(indicator.Against(v, ok, t, found))
		if i, has := byKey[key{x.Unit, x.Indicator, x.Year - 1}]; has {
			pv, pok := d.Result(sums[i].Value)
			now, before := sigs[x.Year][x.Indicator], sigs[x.Year-1][x.Indicator]
			agg.Comparable = len(now) == 0 || len(before) == 0 || (len(now) == 1 && len(before) == 1 && now[0] == before[0])
			if pok {
				agg.PreviousValue = &pv
				if ok && agg.Comparable {
					c := v - pv
					agg.Change = &c
				}
			}
		}
		out = append(out, agg)
		units = append(units, x.Unit)
	}
	if q.omitNames {
		return out, nil
	}
	if q.Level == indicator.LevelOrganisation {
		names, namesErr = a.names(ctx, q, units)
	}
	if len(units) == 0 {
		names, namesErr = map[string]string{}, nil // nothing to name
	}
	if namesErr != nil {
		return nil, namesErr
	}
	for _, agg := range out {
		agg.UnitName = names[agg.GetUnit()]
		if agg.UnitName == "" {
			agg.UnitName = agg.GetUnit()
		}
	}
	return out, nil
}

// visible reports whether the caller sees a unit.
func (a *Aggregates) visible(p identity.Principal, q query, x store.Sums) bool {
	switch q.Level {
	case indicator.LevelCountry:
		return p.IsOperator()
	case indicator.LevelRegion:
		return p.Sees(identity.Scope{Region: x.Unit})
	case indicator.LevelMunicipality:
		return p.Sees(identity.Scope{Region: x.Region, Municipality: x.Unit})
	}
	return p.Sees(identity.Scope{Region: q.parentRegion, Municipality: q.Parent, Organisation: x.Unit})
}

func (a *Aggregates) names(ctx context.Context, q query, units []string) (map[string]string, error) {
	switch q.Level {
	case indicator.LevelCountry:
		return map[string]string{"": "Российская Федерация"}, nil
	case indicator.LevelOrganisation:
		return a.s.store.OrganisationNames(ctx, units)
	}
	if a.namer == nil || len(units) == 0 {
		return map[string]string{}, nil
	}
	if q.Level == indicator.LevelRegion {
		return a.namer.RegionNames(ctx)
	}
	return a.namer.MunicipalityNames(ctx, q.Parent)
}

// GetAggregates implements AggregateService.
func (a *Aggregates) GetAggregates(ctx context.Context, req *indicatorsv1.GetAggregatesRequest) (*indicatorsv1.GetAggregatesResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q, err := a.check(ctx, p, req, "")
	if err != nil {
		return nil, err
	}
	rows, err := a.rows(ctx, p, q)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.GetAggregatesResponse{Aggregates: rows}, nil
}

// RebuildAggregates implements AggregateService.
func (a *Aggregates) RebuildAggregates(ctx context.Context, _ *indicatorsv1.RebuildAggregatesRequest) (*indicatorsv1.RebuildAggregatesResponse, error) {
	p, err := identity.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if !p.IsOperator() {
		return nil, domain.ErrPermissionDenied
	}
	n, err := a.s.store.RebuildAggregates(ctx)
	if err != nil {
		return nil, err
	}
	return &indicatorsv1.RebuildAggregatesResponse{Reports: int32(n)}, nil
}
