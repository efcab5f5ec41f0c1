package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// The region's targets: the list for a year and the form to set one for the
// whole region or one municipality.

// TargetsPage lists the targets and the form to set one.
type TargetsPage struct {
	Base
	Region     string
	Year       int
	Years      []int
	Indicators []IndicatorDef
	Units      []UnitRow
	Rows       []TargetRow
	Form       TargetForm
	Errors     map[string]string
	Summary    []SummaryItem
	Notice     string
	BackURL    string
}

// TargetRow is one target in words.
type TargetRow struct {
	Indicator, Scope, Value, Source string
	Year                            int
}

// TargetForm is what was typed.
type TargetForm struct {
	Indicator, Year, Unit, Min, Source string
}

func (p *Pages) targetsRegion(r *http.Request) (string, error) {
	region := regionalRegion(r)
	if q := r.FormValue("region"); q != "" {
		region = q
	}
	if !regionCode(region) {
		return "", status.Error(codes.NotFound, "no region")
	}
	return region, nil
}

func (p *Pages) targetsPage(r *http.Request, region string, year int) (TargetsPage, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return TargetsPage{}, err
	}
	page := TargetsPage{Base: p.base(r, "Целевые значения региона", "targets"), Region: region, Year: year,
		Years: []int{year - 1, year, year + 1}, Errors: map[string]string{},
		Form: TargetForm{Year: strconv.Itoa(year), Unit: "region"}}
	page.BackURL = "/?year=" + strconv.Itoa(year)
	if regionalRegion(r) != region {
		page.BackURL = "/region/" + region + "?year=" + strconv.Itoa(year)
	}
	view, err := p.regional.Region(ctx, region, year)
	if err != nil {
		return page, err
	}
	page.Indicators, page.Units = view.Indicators, view.Municipalities
	slices.SortFunc(page.Units, func(a, b UnitRow) int { return strings.Compare(a.Name, b.Name) })
	ts, err := p.regional.Targets(ctx, region, page.Years)
	if err != nil {
		return page, err
	}
	names := map[string]string{region: "весь регион"}
	for _, m := range view.Municipalities {
		names[m.ID] = m.Name
	}
	for _, t := range ts {
		row := TargetRow{Year: t.Year, Source: t.Source, Indicator: t.Indicator}
		share := false
		for _, d := range view.Indicators {
			if d.Code == t.Indicator {
				row.Indicator, share = d.Name, d.Share
				row.Value = indicatorValue(t.Min, d.Share, d.Unit)
			}
		}
		if row.Value == "" {
			row.Value = indicatorValue(t.Min, share, "")
		}
		switch {
		case t.Unit != "":
			row.Scope = names[t.Unit]
		case t.Level == TargetAnyUnit:
			row.Scope = "все организации, муниципалитеты и регионы"
		default:
			row.Scope = map[TargetScope]string{TargetOrganisation: "каждая организация", TargetMunicipality: "каждый муниципалитет",
				TargetRegion: "каждый регион", TargetCountry: "страна"}[t.Level]
		}
		page.Rows = append(page.Rows, row)
	}
	slices.SortStableFunc(page.Rows, func(a, b TargetRow) int {
		if a.Year != b.Year {
			return b.Year - a.Year
		}
		return strings.Compare(a.Indicator, b.Indicator)
	})
	return page, nil
}

func (p *Pages) regionalTargets(w http.ResponseWriter, r *http.Request) error {
	region, err := p.targetsRegion(r)
	if err != nil {
		return err
	}
	page, err := p.targetsPage(r, region, p.chooseYear(r, nil))
	if err != nil {
		return err
	}
	if r.URL.Query().Get("done") == "1" {
		page.Notice = "Целевое значение сохранено. Показатели сравниваются с ним сразу."
	}
	p.render(w, r, http.StatusOK, "regional_targets.html", page)
	return nil
}

// targetFields maps the services' field names to the form's.
var targetFields = map[string]string{"target.indicator_code": "indicator", "target.year": "year", "target.min_value": "min",
	"target.source": "source", "target.unit": "unit", "target.level": "unit"}

func (p *Pages) setRegionalTarget(w http.ResponseWriter, r *http.Request) error {
	region, err := p.targetsRegion(r)
	if err != nil {
		return err
	}
	form := TargetForm{Indicator: r.PostFormValue("indicator"), Year: strings.TrimSpace(r.PostFormValue("year")),
		Unit: r.PostFormValue("unit"), Min: strings.TrimSpace(r.PostFormValue("min")), Source: strings.TrimSpace(r.PostFormValue("source"))}
	year, yerr := strconv.Atoi(form.Year)
	errs := map[string]string{}
	if yerr != nil || year < 2000 || year > 2100 {
		errs["year"] = "Выберите год от 2000 до 2100"
		year = p.now().Year()
	}
	if form.Indicator == "" {
		errs["indicator"] = "Выберите показатель"
	}
	min, merr := strconv.ParseFloat(strings.ReplaceAll(strings.ReplaceAll(form.Min, " ", ""), ",", "."), 64)
	switch {
	case form.Min == "":
		errs["min"] = "Введите целевое значение, например 50 или 42,5"
	case merr != nil:
		errs["min"] = "Введите число, например 50 или 42,5"
	case min < 0:
		errs["min"] = "Целевое значение не может быть меньше нуля"
	}
	t := IndicatorTarget{Indicator: form.Indicator, Year: year, Level: TargetRegion, Unit: region, Min: min, Source: form.Source}
	if form.Unit != "" && form.Unit != "region" {
		t.Level, t.Unit = TargetMunicipality, form.Unit
	}
	if len(errs) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		err = p.regional.PutTarget(ctx, t)
		if err == nil {
			http.Redirect(w, r, "/region/targets?"+url.Values{"region": {region}, "year": {strconv.Itoa(year)}, "done": {"1"}}.Encode(), http.StatusSeeOther)
			return nil
		}
		if status.Code(err) != codes.InvalidArgument {
			return err
		}
		for k, v := range fieldViolations(err) {
			if f, ok := targetFields[k]; ok {
				errs[f] = v
			} else {
				errs["min"] = v
			}
		}
	}
	page, err := p.targetsPage(r, region, year)
	if err != nil {
		return err
	}
	page.Form, page.Errors = form, errs
	for _, f := range []string{"indicator", "unit", "year", "min", "source"} {
		if msg, ok := errs[f]; ok {
			page.Summary = append(page.Summary, SummaryItem{Href: "#" + f, Message: msg})
		}
	}
	p.render(w, r, http.StatusUnprocessableEntity, "regional_targets.html", page)
	return nil
}
