package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
)

// The dashboards as a workbook: one sheet per topic, Russian headers, a
// frozen header row with a filter, numbers as numbers and shares as
// percentages. The methodologist's municipality (or ?municipality= for the
// region), or ?region= for the regional page.

var exporters = []identity.Role{identity.Methodologist, identity.Regional, identity.Operator}

// Column kinds of an exported sheet.
const (
	xText = iota
	xInt
	xPct // a share, written as a fraction with a percent format
	xDec
	xDate
)

type xcol struct {
	Head  string
	Width float64
	Kind  int
}

// xpct is a share in a column of mixed values: written as a percentage.
type xpct float64

type xsheet struct {
	Name string
	Cols []xcol
	Rows [][]any
}

func num(v float64, ok bool) any {
	if !ok {
		return nil
	}
	return v
}

// indicatorCol is the column of an indicator's value: percent or number.
func indicatorCol(d IndicatorDef, head string) xcol {
	if d.Share {
		return xcol{Head: head, Width: 18, Kind: xPct}
	}
	return xcol{Head: head, Width: 16, Kind: xDec}
}

func indicatorCell(d IndicatorDef, v UnitValue, ok bool) any {
	if !ok || !v.HasValue {
		return nil
	}
	if d.Share {
		return v.Value / 100
	}
	return v.Value
}

var targetWords = map[TargetStatus]string{TargetMet: "достигнута", TargetNotMet: "не достигнута", TargetNoData: "нет данных", TargetNone: "цель не задана"}

var stateWords = map[ReportState]string{StateMissing: "не начат", StateDraft: "черновик", StateSubmitted: "на проверке",
	StateReturned: "возвращён", StateAccepted: "принят"}

func yesNo(b bool) string {
	if b {
		return "да"
	}
	return "нет"
}

// writeBook writes the sheets into a workbook.
func writeBook(sheets []xsheet, title string) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Vertical: "top", WrapText: true},
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9D9D9"}}})
	if err != nil {
		return nil, err
	}
	pctFmt, decFmt, dateFmt := "0.0%", "# ##0.0", "dd.mm.yyyy"
	styles := map[int]int{}
	for kind, st := range map[int]*excelize.Style{
		xText: {Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}},
		xInt:  {NumFmt: 3},
		xPct:  {CustomNumFmt: &pctFmt},
		xDec:  {CustomNumFmt: &decFmt},
		xDate: {CustomNumFmt: &dateFmt},
	} {
		if styles[kind], err = f.NewStyle(st); err != nil {
			return nil, err
		}
	}
	for i, sh := range sheets {
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sh.Name); err != nil {
				return nil, err
			}
		} else if _, err := f.NewSheet(sh.Name); err != nil {
			return nil, err
		}
		e := errs{}
		for c, col := range sh.Cols {
			name, _ := excelize.ColumnNumberToName(c + 1)
			e.do(f.SetColWidth(sh.Name, name, name, col.Width))
			e.do(f.SetCellValue(sh.Name, cellName(c+1, 1), col.Head))
		}
		last := cellName(max(len(sh.Cols), 1), 1)
		e.do(f.SetCellStyle(sh.Name, "A1", last, head))
		for r, row := range sh.Rows {
			for c, v := range row {
				if v == nil || c >= len(sh.Cols) {
					continue
				}
				cell := cellName(c+1, r+2)
				kind := sh.Cols[c].Kind
				if p, ok := v.(xpct); ok {
					v, kind = float64(p), xPct
				}
				e.do(f.SetCellValue(sh.Name, cell, v))
				e.do(f.SetCellStyle(sh.Name, cell, cell, styles[kind]))
			}
		}
		e.do(f.SetPanes(sh.Name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}))
		e.do(f.AutoFilter(sh.Name, "A1:"+cellName(max(len(sh.Cols), 1), max(len(sh.Rows)+1, 2)), nil))
		if e.err != nil {
			return nil, e.err
		}
	}
	if err := f.SetDocProps(&excelize.DocProperties{Title: title, Creator: "Наставник", Language: "ru-RU"}); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// indicatorsSheet is the units × indicators against their targets, one
// row per unit and indicator (filterable either way).
func indicatorsSheet(unitHead string, defs []IndicatorDef, units []UnitRow, year int) xsheet {
	sh := xsheet{Name: "Показатели", Cols: []xcol{{unitHead, 36, xText}, {"Показатель", 44, xText}, {"Год", 8, xInt},
		{"Значение", 14, xDec}, {"Единица", 10, xText}, {"Цель", 12, xDec}, {"Цель", 18, xText},
		{"Учтено организаций", 14, xInt}, {"Ожидалось организаций", 14, xInt}, {"Охват", 12, xPct},
		{fmt.Sprintf("Значение %d", year-1), 14, xDec}, {"Изменение (для долей — п. п.)", 14, xDec}, {"Сравнимо с прошлым годом", 16, xText}}}
	for _, u := range units {
		for _, d := range defs {
			v, ok := u.Values[d.Code]
			unit := d.Unit
			if d.Share {
				unit = "%"
			}
			val := func(x float64, has bool) any {
				if !has {
					return nil
				}
				if d.Share {
					return xpct(x / 100)
				}
				return x
			}
			row := []any{u.Name, d.Name, year, val(v.Value, ok && v.HasValue), unit, val(v.Target, ok && v.HasTarget),
				targetWords[TargetNoData], nil, nil, nil, val(v.Previous, ok && v.HasPrevious), num(v.Change, ok && v.HasChange), yesNo(!ok || v.Comparable)}
			if ok {
				row[6] = targetWords[v.Status]
				row[7], row[8] = v.Contributors, v.Expected
				if v.Expected > 0 {
					row[9] = float64(v.Contributors) / float64(v.Expected)
				}
			}
			sh.Rows = append(sh.Rows, row)
		}
	}
	return sh
}

func countsRow(name string, c Counts) []any {
	var cov any
	if c.Expected > 0 {
		cov = float64(c.Accepted) / float64(c.Expected)
	}
	return []any{name, c.Expected, c.OnTime, c.Late, c.Missing, c.Submitted, c.Returned, c.Accepted, cov}
}

var countsCols = []xcol{{"Ожидается", 11, xInt}, {"Сдано в срок", 11, xInt}, {"Сдано после срока", 11, xInt},
	{"Не сдано", 11, xInt}, {"Ждут проверки", 11, xInt}, {"Возвращено", 11, xInt}, {"Принято", 11, xInt}, {"Охват принятыми", 12, xPct}}

// orgSheet lists organisations with their report state, indicators and,
// when reports are given, every form field.
func orgSheet(defs []IndicatorDef, muns []MunicipalityView, reports map[string]ReportView) xsheet {
	sh := xsheet{Name: "Организации", Cols: []xcol{{"Муниципалитет", 30, xText}, {"Организация", 36, xText},
		{"Состояние отчёта", 14, xText}, {"После срока", 10, xText}}}
	for _, d := range defs {
		sh.Cols = append(sh.Cols, indicatorCol(d, d.Name))
	}
	// The form's fields, in the order the forms give them.
	var fields []FieldView
	seen := map[string]bool{}
	for _, m := range muns {
		for _, o := range m.Organisations {
			for _, s := range reports[o.ReportID].Sections {
				for _, fl := range s.Fields {
					if !seen[fl.Code] {
						seen[fl.Code] = true
						fields = append(fields, fl)
					}
				}
			}
		}
	}
	for _, fl := range fields {
		kind := xText
		if fl.Type == FieldCount {
			kind = xInt
		}
		sh.Cols = append(sh.Cols, xcol{Head: fl.Label, Width: 16, Kind: kind})
	}
	for _, m := range muns {
		for _, o := range m.Organisations {
			row := []any{m.Name, o.Name, stateWords[o.State], yesNo(o.Late)}
			for _, d := range defs {
				v, ok := o.Values[d.Code]
				row = append(row, indicatorCell(d, v, ok))
			}
			values := map[string]FieldView{}
			for _, s := range reports[o.ReportID].Sections {
				for _, fl := range s.Fields {
					values[fl.Code] = fl
				}
			}
			for _, fl := range fields {
				v, ok := values[fl.Code]
				switch {
				case !ok || !v.Set:
					row = append(row, nil)
				case v.Type == FieldCount:
					n, err := strconv.ParseInt(v.Value, 10, 64)
					if err != nil {
						row = append(row, v.Value)
					} else {
						row = append(row, n)
					}
				default:
					row = append(row, shownValue(v))
				}
			}
			sh.Rows = append(sh.Rows, row)
		}
	}
	return sh
}

func (p *Pages) exportDashboard(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	var (
		body []byte
		name string
	)
	switch region := q.Get("region"); {
	case region != "":
		if !regionCode(region) {
			return status.Error(codes.NotFound, "no region")
		}
		years, err := p.regional.CampaignYears(ctx, region)
		if err != nil {
			return err
		}
		year := p.chooseYear(r, years)
		body, err = p.regionBook(ctx, region, year)
		if err != nil {
			return err
		}
		name = fmt.Sprintf("monitoring-region-%s-%d.xlsx", region, year)
	default:
		mun := q.Get("municipality")
		if mun == "" {
			mun = methodologistMunicipality(r)
		}
		if mun == "" {
			return status.Error(codes.NotFound, "no municipality")
		}
		year := p.chooseYear(r, nil)
		if q.Get("year") == "" && p.methodologist != nil {
			if cs, err := p.methodologist.Campaigns(ctx, mun); err == nil {
				if c := chooseCampaign(cs, 0); c != nil {
					year = c.Year
				}
			}
		}
		body, err = p.municipalityBook(ctx, mun, year)
		if err != nil {
			return err
		}
		name = fmt.Sprintf("monitoring-municipality-%d.xlsx", year)
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", "attachment; filename="+strconv.Quote(name)+"; filename*=UTF-8''"+url.PathEscape(name))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
	return nil
}

func (p *Pages) regionBook(ctx context.Context, region string, year int) ([]byte, error) {
	view, err := p.regional.Region(ctx, region, year)
	if err != nil {
		return nil, err
	}
	muns := make([]MunicipalityView, len(view.Municipalities))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, m := range view.Municipalities {
		if m.Counts.Expected == 0 && len(m.Values) == 0 {
			muns[i] = MunicipalityView{ID: m.ID, Name: m.Name}
			continue
		}
		g.Go(func() (err error) {
			muns[i], err = p.regional.Municipality(gctx, m.ID, year)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	units := append(append([]UnitRow{}, view.Municipalities...), UnitRow{Name: "Регион в целом", Values: view.Total.Values})
	comp := xsheet{Name: "Сдача отчётов", Cols: append([]xcol{{"Муниципалитет", 36, xText}}, countsCols...)}
	for _, m := range view.Municipalities {
		comp.Rows = append(comp.Rows, countsRow(m.Name, m.Counts))
	}
	comp.Rows = append(comp.Rows, countsRow("Регион в целом", view.Total.Counts))
	sheets := []xsheet{indicatorsSheet("Муниципалитет", view.Indicators, units, year), comp, orgSheet(view.Indicators, muns, nil)}
	return writeBook(sheets, fmt.Sprintf("Мониторинг наставничества %d: регион %s", year, region))
}

func (p *Pages) municipalityBook(ctx context.Context, mun string, year int) ([]byte, error) {
	view, err := p.regional.Municipality(ctx, mun, year)
	if err != nil {
		return nil, err
	}
	reports := map[string]ReportView{}
	var overdue OverduePage
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	results := make([]ReportView, len(view.Organisations))
	for i, o := range view.Organisations {
		if o.ReportID == "" || p.curator == nil {
			continue
		}
		g.Go(func() (err error) {
			results[i], err = p.curator.Report(gctx, o.ReportID)
			return err
		})
	}
	if p.methodologist != nil {
		g.Go(func() error {
			var err error
			overdue, err = p.methodologist.MunicipalOverdue(gctx, mun, "", 500)
			if status.Code(err) == codes.PermissionDenied { // the region does not see roadmaps
				return nil
			}
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for i, o := range view.Organisations {
		if o.ReportID != "" {
			reports[o.ReportID] = results[i]
		}
	}
	units := append(append([]UnitRow{}, view.Organisations...), UnitRow{Name: "Муниципалитет в целом", Values: view.Total.Values})
	comp := xsheet{Name: "Сдача отчётов", Cols: []xcol{{"Организация", 36, xText}, {"Состояние отчёта", 16, xText},
		{"После срока", 10, xText}, {"Отправлен", 12, xDate}}}
	for _, o := range view.Organisations {
		var sent any
		if rv := reports[o.ReportID]; !rv.SubmitTime.IsZero() {
			t := rv.SubmitTime.In(location(rv.TimeZone))
			sent = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
		}
		comp.Rows = append(comp.Rows, []any{o.Name, stateWords[o.State], yesNo(o.Late), sent})
	}
	od := xsheet{Name: "Просроченные мероприятия", Cols: []xcol{{"Номер", 8, xText}, {"Мероприятие", 48, xText},
		{"Организация", 30, xText}, {"Ответственный", 24, xText}, {"Срок", 12, xDate}, {"Дней просрочки", 12, xInt}}}
	for _, it := range overdue.Items {
		od.Rows = append(od.Rows, []any{it.Number, it.Measure, it.Owner, it.Responsible, it.Due, it.DaysOverdue})
	}
	sheets := []xsheet{indicatorsSheet("Организация", view.Indicators, units, year), orgSheet(view.Indicators, []MunicipalityView{view}, reports), comp, od}
	return writeBook(sheets, fmt.Sprintf("Мониторинг наставничества %d: %s", year, strings.TrimSpace(view.Name)))
}
