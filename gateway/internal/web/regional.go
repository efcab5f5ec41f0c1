package web

import (
	"cmp"
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/russian"
)

// The regional centre's pages: every municipality of the region with who
// has reported and each indicator against its target, this year beside the
// year before; a municipality's organisations; a school's report read-only;
// the region's targets. The operator opens any region at /region/{code}.

var (
	regionals = []identity.Role{identity.Regional, identity.Operator}
	operators = []identity.Role{identity.Operator}
)

// regionalRegion is the region the person is a regional centre of.
func regionalRegion(r *http.Request) string {
	c, _ := signedIn(r)
	for _, b := range c.Principal.Bindings {
		if b.Role == identity.Regional && b.Region != "" {
			return b.Region
		}
	}
	return ""
}

// Cell is one indicator of one unit as the tables show it.
type Cell struct {
	Text, Coverage, Before string
	Status                 TargetStatus
	Partial                bool
	// NotComparable: the form changed what the indicator counts.
	NotComparable bool
}

// UnitLine is a municipality or organisation in the tables.
type UnitLine struct {
	UnitRow
	Href     string
	Coverage string
	Cells    []Cell
	// CellsHTML is Cells as the tables' cells (cellsHTML); a units page
	// writes its rows' cells straight into its tables (writeTables).
	CellsHTML template.HTML
	// SignOff is a municipality's sign-off (zero: not signed);
	// SignOffText a region's count of its municipalities' sign-offs.
	SignOff     SignOffView
	SignOffText string
}

// RegionPage is the regional centre's dashboard.
type RegionPage struct {
	Base
	View       RegionView
	Years      []int
	Year, Prev int
	Sort       string
	Desc       bool
	Total      UnitLine
	Rows       []UnitLine
	// CompletenessRows and IndicatorRows are the Rows' lines of the table
	// of who has reported and of the indicators' table, in pieces
	// (writeTables).
	CompletenessRows, IndicatorRows []template.HTML
	Notes                           []string
	Path                            string
	ExportURL                       string
	TargetsURL                      string
	CanTargets                      bool
	OtherRegion                     bool
	// SignOffCounts counts the municipalities by sign-off state.
	SignOffCounts map[SignOffState]int
	// Charts draw the unit as a whole against its targets, this year and
	// the year before; the indicator table below is their table.
	Charts []IndicatorCard
	Level  unitLevel
	// Idle names the units with nothing to show (country level).
	Idle []string
}

// totalCards are the indicator cards of a unit as a whole: this year's
// value against its target, beside the year before.
func totalCards(defs []IndicatorDef, total UnitRow, year int) []IndicatorCard {
	out := make([]IndicatorCard, 0, len(defs))
	for _, d := range defs {
		v := total.Values[d.Code]
		now := v.IndicatorYear
		now.Year = year
		before := IndicatorYear{Year: year - 1, Value: v.Previous, HasValue: v.HasPrevious, Comparable: true}
		out = append(out, indicatorCard(IndicatorView{Code: d.Code, Name: d.Name, Counts: d.Counts, Unit: d.Unit, Share: d.Share,
			Years: []IndicatorYear{before, now}}))
	}
	return out
}

// latestSignOffs is each municipality's sign-off of the year's newest
// campaign (the list comes newest campaign first).
func latestSignOffs(list []SignOffView) map[string]SignOffView {
	out := map[string]SignOffView{}
	for _, s := range list {
		if _, ok := out[s.MunicipalityID]; !ok {
			out[s.MunicipalityID] = s
		}
	}
	return out
}

// SortURL orders the table by key; the order in force turns around.
func (p RegionPage) SortURL(key string) string {
	v := url.Values{}
	v.Set("year", strconv.Itoa(p.Year))
	v.Set("sort", key)
	if key == p.Sort && !p.Desc {
		v.Set("desc", "1")
	}
	return p.Path + "?" + v.Encode() + "#indicators"
}

// SortMark says how a column orders the table, for its heading.
func (p RegionPage) SortMark(key string) string {
	if key != p.Sort {
		return ""
	}
	if p.Desc {
		return " ↓"
	}
	return " ↑"
}

func cellOf(d IndicatorDef, v UnitValue, prevYear int) Cell {
	return cellWith(d, v, prevYear, coverageText(v.Contributors, v.Expected))
}

// cellWith is cellOf with the coverage's text (coverageText) given.
func cellWith(d IndicatorDef, v UnitValue, prevYear int, coverage string) Cell {
	c := Cell{Text: "нет данных", Status: v.Status, Coverage: coverage}
	if v.Status == 0 {
		c.Status = TargetNoData
	}
	if v.HasValue {
		c.Text = indicatorValue(v.Value, d.Share, d.Unit)
	}
	c.Partial = v.HasValue && v.Contributors < v.Expected
	switch {
	case v.Year != 0 && !v.Comparable:
		c.NotComparable = true
		c.Before = strconv.Itoa(prevYear) + ": сравнивать нельзя"
	case v.HasPrevious:
		c.Before = strconv.Itoa(prevYear) + ": " + indicatorValue(v.Previous, d.Share, d.Unit)
		if v.HasChange {
			unit := ""
			if d.Share {
				unit = "\u00a0п.\u00a0п."
			}
			c.Before += " (" + signed(v.Change, 1) + unit + ")"
		}
	}
	return c
}

func acceptedCoverage(c Counts) string {
	if c.Expected == 0 {
		return "—"
	}
	return DecimalRU(float64(c.Accepted)/float64(c.Expected)*100, 1) + "\u00a0%"
}

func unitLine(u UnitRow, defs []IndicatorDef, year int) UnitLine {
	return newLines(defs, year).line(u)
}

// lines makes the table lines of one year's units against the same
// indicators: what every line shares (the cells' labels) is done once.
type lines struct {
	defs   []IndicatorDef
	labels []string // the indicators' names, escaped
	year   int
}

func newLines(defs []IndicatorDef, year int) lines {
	l := lines{defs: defs, labels: make([]string, len(defs)), year: year}
	for i, d := range defs {
		l.labels[i] = template.HTMLEscapeString(d.Name)
	}
	return l
}

// line is unit u's line.
func (ls lines) line(u UnitRow) UnitLine {
	l := ls.cells(u)
	l.CellsHTML = writeCells(ls.labels, l.Cells)
	return l
}

// cells is unit u's line without its cells' HTML.
func (ls lines) cells(u UnitRow) UnitLine {
	l := UnitLine{UnitRow: u, Coverage: acceptedCoverage(u.Counts), Cells: make([]Cell, 0, len(ls.defs))}
	// A unit's indicators are mostly counted from the same reports: their
	// coverage's text is written once for each count.
	var (
		covered, expected = -1, -1
		coverage          string
	)
	for _, d := range ls.defs {
		v := u.Values[d.Code]
		if v.Contributors != covered || v.Expected != expected {
			covered, expected, coverage = v.Contributors, v.Expected, coverageText(v.Contributors, v.Expected)
		}
		l.Cells = append(l.Cells, cellWith(d, v, ls.year-1, coverage))
	}
	return l
}

// writeTables writes the lines of both tables of a units page, once their
// links and sign-offs are known: each table's lines in pieces of about
// pieceSize, so the template prints a few dozen values rather than two a
// row, and no row's cells are written twice (as its CellsHTML, then into
// its line).
func (ls lines) writeTables(rows []UnitLine) (completeness, indicators []template.HTML) {
	var c, ind pieces
	for _, l := range rows {
		writeCompleteness(c.builder(), l)
		writeIndicatorRow(ind.builder(), l, func(b *strings.Builder) { writeCellsTo(b, ls.labels, l.Cells) })
	}
	return c.done(), ind.done()
}

// pieceSize is the size of a piece of a table's HTML. The template prints
// a value through fmt, which copies it into a buffer it keeps for the next
// print only up to 64 KB: a table of hundreds of KB as one value would be
// copied into a buffer made for it, as a builder grown to it copies it as
// it doubles.
const pieceSize = 32 << 10

// pieces is HTML written in pieces of about pieceSize.
type pieces struct {
	b   *strings.Builder
	out []template.HTML
}

// builder is the builder of the current piece, a new one once it is full.
func (p *pieces) builder() *strings.Builder {
	if p.b != nil && p.b.Len() >= pieceSize {
		p.out = append(p.out, template.HTML(p.b.String()))
		p.b = nil
	}
	if p.b == nil {
		p.b = &strings.Builder{}
		p.b.Grow(pieceSize + pieceSize/4)
	}
	return p.b
}

// done is the pieces written.
func (p *pieces) done() []template.HTML {
	if p.b != nil && p.b.Len() > 0 {
		p.out = append(p.out, template.HTML(p.b.String()))
	}
	return p.out
}

// cellsHTML writes a line's indicator cells as table cells. It is the one
// place their markup lives: a region's table has thousands of cells, and a
// template spends a reflective call on each action of each cell (about
// 10 ms a page for 60 municipalities), so the markup is written here once.
// Every text is escaped; the rest is constant.
func cellsHTML(defs []IndicatorDef, cells []Cell) template.HTML {
	return writeCells(newLines(defs, 0).labels, cells)
}

// writeCells is cellsHTML with the indicators' names escaped already.
func writeCells(labels []string, cells []Cell) template.HTML {
	var b strings.Builder
	b.Grow(len(cells) * 320)
	writeCellsTo(&b, labels, cells)
	return template.HTML(b.String())
}

// writeCellsTo is writeCells into b.
func writeCellsTo(b *strings.Builder, labels []string, cells []Cell) {
	for i, c := range cells {
		b.WriteString(`<td data-label="`)
		b.WriteString(labels[i])
		b.WriteString(`"><span class="cell__value">`)
		b.WriteString(template.HTMLEscapeString(c.Text))
		b.WriteString(`</span>`)
		switch c.Status {
		case TargetMet:
			b.WriteString(` <span class="tag tag--green">Цель достигнута</span>`)
		case TargetNotMet:
			b.WriteString(` <span class="tag tag--red">Цель не достигнута</span>`)
		}
		if c.Partial {
			b.WriteString(` <span class="tag tag--yellow">Неполные данные</span>`)
		}
		b.WriteString(`<span class="detail">`)
		b.WriteString(template.HTMLEscapeString(c.Coverage))
		b.WriteString(`</span>`)
		if c.Before != "" {
			if c.NotComparable {
				b.WriteString(`<span class="detail warning-message">`)
			} else {
				b.WriteString(`<span class="detail">`)
			}
			b.WriteString(template.HTMLEscapeString(c.Before))
			b.WriteString(`</span>`)
		}
		b.WriteString(`</td>`)
	}
}

// indicatorRowHTML writes a unit's line of the indicators' table (its cells
// and the link to its page), as completenessHTML does its line of who has
// reported. Every text is escaped; the rest is constant.
func indicatorRowHTML(l UnitLine) template.HTML {
	var b strings.Builder
	b.Grow(len(l.CellsHTML) + 200)
	writeIndicatorRow(&b, l, func(b *strings.Builder) { b.WriteString(string(l.CellsHTML)) })
	return template.HTML(b.String())
}

// writeIndicatorRow is indicatorRowHTML into b, its cells written by cells.
func writeIndicatorRow(b *strings.Builder, l UnitLine, cells func(*strings.Builder)) {
	b.WriteString(`<tr id="mun-`)
	b.WriteString(template.HTMLEscapeString(l.ID))
	b.WriteString(`"><th scope="row"><a href="`)
	b.WriteString(template.HTMLEscapeString(l.Href))
	b.WriteString(`">`)
	b.WriteString(template.HTMLEscapeString(l.Name))
	b.WriteString(`</a></th>`)
	cells(b)
	b.WriteString(`</tr>`)
}

// completenessHTML writes a line of the table of who has reported (a
// municipality's, with its sign-off; a region's, with its count of them):
// as cellsHTML, once here rather than a dozen template actions a line, each
// a reflective call. Every text is escaped; the rest is constant.
func completenessHTML(l UnitLine) template.HTML {
	var b strings.Builder
	writeCompleteness(&b, l)
	return template.HTML(b.String())
}

// writeCompleteness is completenessHTML into b.
func writeCompleteness(b *strings.Builder, l UnitLine) {
	esc := template.HTMLEscapeString
	num := func(label string, n int) {
		b.WriteString(`<td class="num" data-label="`)
		b.WriteString(label)
		b.WriteString(`">`)
		b.WriteString(strconv.Itoa(n))
		b.WriteString(`</td>`)
	}
	b.WriteString(`<tr><th scope="row"><a href="`)
	b.WriteString(esc(l.Href))
	b.WriteString(`">`)
	b.WriteString(esc(l.Name))
	b.WriteString(`</a></th>`)
	num("Ожидается", l.Counts.Expected)
	num("Принято", l.Counts.Accepted)
	num("Ждут проверки", l.Counts.Submitted)
	num("Возвращено", l.Counts.Returned)
	num("Не сдано", l.Counts.Missing)
	b.WriteString(`<td class="num" data-label="Охват">`)
	b.WriteString(esc(l.Coverage))
	b.WriteString(`</td><td data-label="Подписание">`)
	if l.SignOffText != "" {
		b.WriteString(esc(l.SignOffText))
	} else {
		b.WriteString(`<span class="tag tag--`)
		b.WriteString(esc(l.SignOff.Tone()))
		b.WriteString(`">`)
		b.WriteString(esc(l.SignOff.StateText()))
		b.WriteString(`</span>`)
		if who := l.SignOff.Who(); who != "" {
			b.WriteString(` <span class="detail">`)
			b.WriteString(esc(who))
			b.WriteString(`</span>`)
		}
	}
	if l.SignOff.Comment != "" {
		b.WriteString(`<span class="detail">«`)
		b.WriteString(esc(l.SignOff.Comment))
		b.WriteString(`»</span>`)
	}
	if l.SignOff.State == SentBack {
		b.WriteString(`<span class="detail">Возвращено: «`)
		b.WriteString(esc(l.SignOff.BackComment))
		b.WriteString(`»</span>`)
	}
	b.WriteString(`</td></tr>`)
}

// notComparable explains, in words, which indicators cannot be compared
// with the year before.
func notComparable(defs []IndicatorDef, rows []UnitLine, year int) []string {
	var out []string
	for i, d := range defs {
		if slices.ContainsFunc(rows, func(l UnitLine) bool { return i < len(l.Cells) && l.Cells[i].NotComparable }) {
			s := fmt.Sprintf("«%s»: сравнивать с %d годом нельзя — в форме %d года изменилось, что считается в полях показателя", d.Name, year-1, year)
			if d.Counts != "" {
				s += " (" + strings.TrimSuffix(d.Counts, ".") + ")"
			}
			out = append(out, s+".")
		}
	}
	return out
}

// sortLines orders the rows by a column: name, expected, accepted,
// missing, coverage, or an indicator's code.
func sortLines(rows []UnitLine, defs []IndicatorDef, key string, desc bool) {
	idx := slices.IndexFunc(defs, func(d IndicatorDef) bool { return d.Code == key })
	// Each name's sort key once, not twice a comparison.
	names := make(map[string]string, len(rows))
	for _, l := range rows {
		if _, ok := names[l.Name]; !ok {
			names[l.Name] = russian.SortKey(l.Name)
		}
	}
	slices.SortStableFunc(rows, func(a, b UnitLine) int {
		c := 0
		switch {
		case key == "accepted":
			c = cmp.Compare(a.Counts.Accepted, b.Counts.Accepted)
		case key == "missing":
			c = cmp.Compare(a.Counts.Missing, b.Counts.Missing)
		case key == "submitted":
			c = cmp.Compare(a.Counts.Submitted, b.Counts.Submitted)
		case key == "expected":
			c = cmp.Compare(a.Counts.Expected, b.Counts.Expected)
		case idx >= 0:
			av, bv := a.Values[defs[idx].Code], b.Values[defs[idx].Code]
			switch {
			case av.HasValue && bv.HasValue:
				c = cmp.Compare(av.Value, bv.Value)
			case av.HasValue != bv.HasValue: // no data last, either way
				if av.HasValue {
					return -1
				}
				return 1
			}
		}
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(names[a.Name], names[b.Name])
		}
		return c
	})
}

// chooseYear picks ?year= when it is a campaign year, else the newest
// campaign's, else this year.
func (p *Pages) chooseYear(r *http.Request, years []int) int {
	y, _ := strconv.Atoi(r.URL.Query().Get("year"))
	if y >= 2000 && y <= 2100 {
		return y
	}
	if len(years) > 0 {
		return years[0]
	}
	return p.now().Year()
}

// yearsAndView reads a region's (empty: the country's) campaign years and
// its view of the year shown (see chooseYear) at once: the view of the year
// asked, or of this year, which is the newest campaign's in the season; for
// a newest campaign of another year the view is read again.
func yearsAndView(ctx context.Context, p *Pages, r *http.Request, region string,
	read func(ctx context.Context, region string, year int) (RegionView, error)) (years []int, year int, view RegionView, err error) {
	guess := p.chooseYear(r, nil)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		years, err = p.regional.CampaignYears(gctx, region)
		return err
	})
	g.Go(func() (err error) {
		view, err = read(gctx, region, guess)
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, 0, RegionView{}, err
	}
	if year = p.chooseYear(r, years); year != guess {
		view, err = read(ctx, region, year)
	}
	return years, year, view, err
}

var regionCode = func(s string) bool {
	return len(s) == 2 && s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9'
}

func (p *Pages) regionalHome(w http.ResponseWriter, r *http.Request) error {
	return p.regionPage(w, r, regionalRegion(r), "/")
}

func (p *Pages) regionByCode(w http.ResponseWriter, r *http.Request) error {
	code := r.PathValue("code")
	if !regionCode(code) {
		return status.Error(codes.NotFound, "no region")
	}
	return p.regionPage(w, r, code, "/region/"+code)
}

func (p *Pages) regionPage(w http.ResponseWriter, r *http.Request, region, path string) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	base := p.baseMeanwhile(r, "home")
	years, year, view, err := yearsAndView(ctx, p, r, region, p.regional.Region)
	if err != nil {
		return err
	}
	title := "Мониторинг региона"
	if view.Name != "" {
		title += " — " + view.Name
	}
	page := p.unitsPage(r, base(title), view, years, year, path, regionLevel)
	page.ExportURL = "/export/dashboard.xlsx?" + url.Values{"region": {region}, "year": {strconv.Itoa(year)}}.Encode()
	page.TargetsURL = "/region/targets?" + url.Values{"region": {region}, "year": {strconv.Itoa(year)}}.Encode()
	signOffs := latestSignOffs(view.SignOffs)
	for i := range page.Rows {
		l := &page.Rows[i]
		l.Href = "/region/municipalities/" + l.ID + "?year=" + strconv.Itoa(year)
		l.SignOff = signOffs[l.ID]
		page.SignOffCounts[l.SignOff.State]++
	}
	page.CompletenessRows, page.IndicatorRows = newLines(view.Indicators, year).writeTables(page.Rows)
	p.render(w, r, http.StatusOK, "regional.html", page)
	return nil
}

// countryPage is the operator's equivalent of the region's page: every
// region with who has reported, how many of its municipalities have signed
// off, and each indicator against its target; a region opens its page.
func (p *Pages) countryPage(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	base := p.baseMeanwhile(r, "country")
	years, year, view, err := yearsAndView(ctx, p, r, "", func(ctx context.Context, _ string, year int) (RegionView, error) {
		return p.regional.Country(ctx, year)
	})
	if err != nil {
		return err
	}
	page := p.unitsPage(r, base("Мониторинг по стране"), view, years, year, "/country", countryLevel)
	byRegion := map[string]map[SignOffState]int{}
	for _, s := range latestSignOffs(view.SignOffs) {
		if byRegion[s.RegionCode] == nil {
			byRegion[s.RegionCode] = map[SignOffState]int{}
		}
		byRegion[s.RegionCode][s.State]++
		page.SignOffCounts[s.State]++
	}
	// Regions with nothing to show are named in one line, not as rows.
	rows := page.Rows[:0]
	for _, l := range page.Rows {
		if l.Counts.Expected == 0 && len(l.Values) == 0 && byRegion[l.ID] == nil {
			page.Idle = append(page.Idle, l.Name)
			continue
		}
		l.Href = "/region/" + l.ID + "?year=" + strconv.Itoa(year)
		c := byRegion[l.ID]
		l.SignOffText = "подписано " + strconv.Itoa(c[SignedOff]) + ", устарело " + strconv.Itoa(c[SignOffOutdated]) +
			", возвращено " + strconv.Itoa(c[SentBack])
		rows = append(rows, l)
	}
	page.Rows = rows
	page.CompletenessRows, page.IndicatorRows = newLines(view.Indicators, year).writeTables(page.Rows)
	p.render(w, r, http.StatusOK, "regional.html", page)
	return nil
}

// unitLevel is what the units of a units page are.
type unitLevel struct {
	// Unit heads the units' column; Whole names the total's row; Lead
	// opens the page.
	Unit, Whole, Lead string
}

var (
	regionLevel  = unitLevel{Unit: "Муниципалитет", Whole: "Регион в целом", Lead: "по муниципалитетам"}
	countryLevel = unitLevel{Unit: "Регион", Whole: "Страна в целом", Lead: "по регионам"}
)

// unitsPage builds the region's (or the country's) page from its view: the
// rows in the order asked, the total, the charts and the notes.
func (p *Pages) unitsPage(r *http.Request, base Base, view RegionView, years []int, year int, path string, level unitLevel) RegionPage {
	q := r.URL.Query()
	page := RegionPage{Base: base, View: view, Years: years, Year: year, Prev: year - 1, Path: path,
		Level: level, SignOffCounts: map[SignOffState]int{}, Sort: q.Get("sort"), Desc: q.Get("desc") == "1"}
	if !slices.Contains(years, year) {
		page.Years = append([]int{year}, years...)
	}
	if page.Sort == "" {
		page.Sort = "name"
	}
	ls := newLines(view.Indicators, year)
	page.Total = ls.line(view.Total)
	page.Rows = make([]UnitLine, 0, len(view.Municipalities))
	for _, m := range view.Municipalities {
		page.Rows = append(page.Rows, ls.cells(m))
	}
	page.Charts = totalCards(view.Indicators, view.Total, year)
	sortLines(page.Rows, view.Indicators, page.Sort, page.Desc)
	page.Notes = notComparable(view.Indicators, append([]UnitLine{page.Total}, page.Rows...), year)
	return page
}

// MunicipalityPage is one municipality's organisations for the region.
type MunicipalityPage struct {
	Base
	View      MunicipalityView
	Year      int
	Total     UnitLine
	Rows      []UnitLine
	Notes     []string
	BackURL   string
	ExportURL string
	// SendBack is a send-back refused, shown again beside its form.
	SendBack sendBackForm
	// SentBack: a send-back just succeeded.
	SentBack bool
	Summary  []SummaryItem
}

// Refused is the refused send-back of a sign-off, if it is this one.
func (p MunicipalityPage) Refused(s SignOffView) sendBackForm {
	if p.SendBack.Campaign == s.CampaignID {
		return p.SendBack
	}
	return sendBackForm{}
}

func (p *Pages) regionalMunicipality(w http.ResponseWriter, r *http.Request) error {
	return p.municipalityPage(w, r, p.chooseYear(r, nil), http.StatusOK, sendBackForm{})
}

// municipalityPage shows a municipality's organisations in year, with a
// refused send-back when there is one.
func (p *Pages) municipalityPage(w http.ResponseWriter, r *http.Request, year, code int, refused sendBackForm) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	view, err := p.regional.Municipality(ctx, r.PathValue("id"), year)
	if err != nil {
		return err
	}
	page := MunicipalityPage{Base: p.base(r, view.Name, "home"), View: view, Year: year, SendBack: refused,
		SentBack:  r.URL.Query().Get("done") == "sentback",
		Total:     unitLine(view.Total, view.Indicators, year),
		ExportURL: "/export/dashboard.xlsx?" + url.Values{"municipality": {view.ID}, "year": {strconv.Itoa(year)}}.Encode()}
	page.BackURL = "/?year=" + strconv.Itoa(year)
	if regionalRegion(r) != view.Region {
		page.BackURL = "/region/" + view.Region + "?year=" + strconv.Itoa(year)
	}
	for _, o := range view.Organisations {
		l := unitLine(o, view.Indicators, year)
		if o.ReportID != "" {
			l.Href = "/region/reports/" + o.ReportID
		}
		page.Rows = append(page.Rows, l)
	}
	slices.SortStableFunc(page.Rows, func(a, b UnitLine) int {
		return cmp.Compare(russian.SortKey(a.Name), russian.SortKey(b.Name))
	})
	page.Notes = notComparable(view.Indicators, append([]UnitLine{page.Total}, page.Rows...), year)
	if len(refused.Error) > 0 {
		page.Summary = []SummaryItem{{Href: "#comment-" + refused.Campaign, Message: refused.Error}}
	}
	p.render(w, r, code, "regional_municipality.html", page)
	return nil
}

// regionalReport shows a school's report read-only, beside last year's.
func (p *Pages) regionalReport(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	rv, err := p.methodologist.Review(ctx, r.PathValue("id"))
	if err != nil {
		return err
	}
	page := p.reviewPage(r, rv)
	page.Title = "Отчёт — " + rv.Report.OrgName
	page.build()
	p.render(w, r, http.StatusOK, "regional_report.html", page)
	return nil
}
