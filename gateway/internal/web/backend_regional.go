package web

import "context"

// RegionalBackend is what the regional centre's pages need: the region's
// municipalities with who has reported and the indicators against their
// targets, one municipality's organisations, and the region's targets.
type RegionalBackend interface {
	// CampaignYears lists the years with campaigns in the region, newest
	// first.
	CampaignYears(ctx context.Context, region string) ([]int, error)
	// Region reads every municipality of the region in year: completeness
	// of every campaign of the year and the indicators from accepted reports
	// (with last year's values beside them).
	Region(ctx context.Context, region string, year int) (RegionView, error)
	// Country reads every region in year, as Region reads a region's
	// municipalities (the view's Municipalities are the regions, its Total
	// the country).
	Country(ctx context.Context, year int) (RegionView, error)
	// Municipality reads one municipality's organisations in year with their
	// report state and indicators.
	Municipality(ctx context.Context, municipality string, year int) (MunicipalityView, error)
	// Targets lists the targets that apply to the region and its
	// municipalities in years.
	Targets(ctx context.Context, region string, years []int) ([]IndicatorTarget, error)
	// PutTarget sets a target; the services' field errors name
	// target.min_value, target.year, target.indicator_code.
	PutTarget(ctx context.Context, t IndicatorTarget) error
}

// IndicatorDef is an indicator as column headings name it.
type IndicatorDef struct {
	Code, Name, Counts, Unit string
	Share                    bool
}

// UnitRow is one unit (municipality or organisation) in a year: who has
// reported and its indicators by code.
type UnitRow struct {
	ID, Name string
	Counts   Counts
	// State, Late and ReportID are an organisation's.
	State    ReportState
	Late     bool
	ReportID string
	Values   map[string]UnitValue
}

// UnitValue is an indicator of a unit in a year, with last year's value.
type UnitValue struct {
	IndicatorYear
	Previous    float64
	HasPrevious bool
}

// RegionView is the region's municipalities in a year (at country level, the
// regions).
type RegionView struct {
	Region, Name string
	Year         int
	Indicators   []IndicatorDef
	// Total is the region as a whole.
	Total          UnitRow
	Municipalities []UnitRow
	// SignOffs are the municipalities' sign-offs of the year's campaigns.
	SignOffs []SignOffView
}

// MunicipalityView is a municipality's organisations in a year.
type MunicipalityView struct {
	ID, Name, Region string
	Year             int
	Indicators       []IndicatorDef
	Total            UnitRow
	Organisations    []UnitRow
	// SignOffs are the municipality's sign-offs of the year's campaigns.
	SignOffs []SignOffView
}

// TargetScope is the level a target applies at.
type TargetScope int

// Target scopes.
const (
	TargetAnyUnit TargetScope = iota
	TargetOrganisation
	TargetMunicipality
	TargetRegion
	TargetCountry
)

// IndicatorTarget is one target.
type IndicatorTarget struct {
	Indicator string
	Year      int
	Level     TargetScope
	// Unit is the region code or municipality id; empty: every unit.
	Unit   string
	Min    float64
	Source string
}
