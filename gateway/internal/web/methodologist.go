package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/russian"
)

// The municipal methodologist's pages: the dashboard (who has reported, the
// indicators against their targets, overdue roadmap items, recent activity),
// the list of organisations behind each count, and all overdue items. The
// review of one report is in review.go.

var methodologists = []identity.Role{identity.Methodologist}

// methodologistMunicipality is the municipality the person is a
// methodologist of (the first, when several: the scope switcher narrows).
func methodologistMunicipality(r *http.Request) string {
	c, _ := signedIn(r)
	for _, b := range c.Principal.Bindings {
		if b.Role == identity.Methodologist && b.Municipality != "" {
			return b.Municipality
		}
	}
	return ""
}

// Numbers of rows shown.
const (
	dashboardOrgs     = 10
	dashboardOverdue  = 5
	dashboardActivity = 8
	orgsPerPage       = 25
	overduePerPage    = 50
	// trendYears is how many years the trend shows, the campaign's last.
	trendYears = 5
)

// Tile is one count on the dashboard, opening the list behind it.
type Tile struct {
	Label, Hint string
	Count       int
	Href        string
	// Tone colours the tile: "", "ok", "warn", "bad".
	Tone string
}

// IndicatorCard is one indicator as the dashboard shows it: this year's
// value against the target, how many organisations it counts, the trend.
type IndicatorCard struct {
	IndicatorView
	Now                                             IndicatorYear
	ValueText, TargetText, CoverageText, ChangeText string
	// Partial: counted from fewer organisations than expected.
	Partial bool
	Bar     Bar
	Trend   *Trend
}

// Cell writes one year's value for the table.
func (c IndicatorCard) Cell(y IndicatorYear) string {
	if !y.HasValue {
		return "нет данных"
	}
	return indicatorValue(y.Value, c.Share, c.Unit)
}

// MethodologistHome is the methodologist's dashboard.
type MethodologistHome struct {
	Base
	Campaigns []CampaignSummary
	// Campaign is the campaign shown; nil when there is none.
	Campaign *CampaignSummary
	Year     int
	// AsOf is the day the counts are as of (zero: now); AsOfInput the
	// field's value, AsOfError what is wrong with it.
	AsOf                 time.Time
	AsOfInput, AsOfError string
	Counts               Counts
	Tiles                []Tile
	Orgs                 []OrgRow
	Indicators           []IndicatorCard
	Years                []int
	Overdue              []OverdueItem
	OverdueTotal         int
	Activity             []ActivityItem
}

// OrgsURL is the list of organisations in state (empty: all), as of the
// day shown.
func (h MethodologistHome) OrgsURL(state string) string {
	return orgsURL(h.Campaign.ID, OrgQuery{State: state, AsOf: h.AsOfInput})
}

// ActivityText says what happened to a report, in words.
func (h MethodologistHome) ActivityText(a ActivityItem) string {
	switch a.Kind {
	case "submitted":
		if a.Late {
			return "отправлен отчёт (после срока)"
		}
		return "отправлен отчёт"
	case "resubmitted":
		return "отчёт отправлен повторно после доработки"
	case "returned":
		return "отчёт возвращён на доработку"
	case "accepted":
		return "отчёт принят"
	case "reopened":
		return "принятый отчёт открыт для исправления"
	}
	return a.Kind
}

// When writes a moment in the organisation's zone.
func (h MethodologistHome) When(t time.Time, tz string) string { return DateTimeRU(t, location(tz)) }

// chooseCampaign picks the campaign of year (0: the open one, newest first,
// or the newest of all).
func chooseCampaign(cs []CampaignSummary, year int) *CampaignSummary {
	for i := range cs {
		if (year != 0 && cs[i].Year == year && cs[i].Open) || (year == 0 && cs[i].Open) {
			return &cs[i]
		}
	}
	for i := range cs {
		if year == 0 || cs[i].Year == year {
			return &cs[i]
		}
	}
	return nil
}

// parseAsOf reads the «as of» day; an error is said in Russian.
func parseAsOf(s string) (time.Time, string) {
	if s == "" {
		return time.Time{}, ""
	}
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, "Дата в формате ГГГГ-ММ-ДД, например 2026-12-15"
	}
	return d, ""
}

func (p *Pages) methodologistHome(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	mun := methodologistMunicipality(r)
	q := r.URL.Query()
	year, _ := strconv.Atoi(q.Get("year"))
	base := p.baseMeanwhile(r, "home")
	page := MethodologistHome{Year: p.now().Year()}
	page.AsOf, page.AsOfError = parseAsOf(q.Get("asOf"))
	if page.AsOfError == "" {
		page.AsOfInput = q.Get("asOf")
	}
	trend := func(year int) []int {
		var out []int
		for y := year - trendYears + 1; y <= year; y++ {
			out = append(out, y)
		}
		return out
	}
	// Everything at once: the campaigns, then the chosen one's completeness
	// and activity; the roadmaps' overdue items; the indicators over the
	// years up to the year asked or this one — the campaign's year, but
	// for a campaign of another year, read again below.
	guess := p.chooseYear(r, nil)
	var (
		comp       CompletenessView
		indicators []IndicatorView
		overdue    OverduePage
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		if page.Campaigns, err = p.methodologist.Campaigns(gctx, mun); err != nil {
			return err
		}
		if page.Campaign = chooseCampaign(page.Campaigns, year); page.Campaign == nil {
			return nil
		}
		g.Go(func() (err error) {
			comp, err = p.methodologist.Completeness(gctx, page.Campaign.ID, mun, page.AsOf)
			return err
		})
		g.Go(func() (err error) {
			page.Activity, err = p.methodologist.Activity(gctx, page.Campaign.ID, mun, dashboardActivity)
			return err
		})
		return nil
	})
	g.Go(func() (err error) {
		indicators, err = p.methodologist.Indicators(gctx, mun, trend(guess))
		return err
	})
	g.Go(func() (err error) {
		overdue, err = p.methodologist.MunicipalOverdue(gctx, mun, "", dashboardOverdue)
		return err
	})
	if err := g.Wait(); err != nil {
		return err
	}
	page.Base = base("Мониторинг муниципалитета")
	if page.Campaign != nil {
		page.Year = page.Campaign.Year
	}
	page.Years = trend(page.Year)
	if page.Year != guess {
		if indicators, err = p.methodologist.Indicators(ctx, mun, page.Years); err != nil {
			return err
		}
	}
	page.Overdue, page.OverdueTotal = overdue.Items, overdue.Total
	for _, v := range indicators {
		page.Indicators = append(page.Indicators, indicatorCard(v))
	}
	if page.Campaign != nil {
		page.Counts = comp.Counts
		page.Tiles = tiles(page)
		rows := sortOrgs(comp.Organisations, "state")
		page.Orgs = orgRows(rows[:min(len(rows), dashboardOrgs)])
	}
	p.render(w, r, http.StatusOK, "methodologist.html", page)
	return nil
}

func tiles(h MethodologistHome) []Tile {
	c := h.Counts
	return []Tile{
		{Label: "Ожидается", Count: c.Expected, Href: h.OrgsURL(""), Hint: "организаций должны сдать отчёт"},
		{Label: "Сдано в срок", Count: c.OnTime, Href: h.OrgsURL("on_time"), Tone: "ok"},
		{Label: "Сдано после срока", Count: c.Late, Href: h.OrgsURL("late"), Tone: tone(c.Late > 0, "warn")},
		{Label: "Не сдано", Count: c.Missing, Href: h.OrgsURL("missing"), Hint: "нет отчёта или черновик", Tone: tone(c.Missing > 0, "bad")},
		{Label: "Ждут проверки", Count: c.Submitted, Href: h.OrgsURL("submitted"), Tone: tone(c.Submitted > 0, "warn")},
		{Label: "Возвращено", Count: c.Returned, Href: h.OrgsURL("returned"), Hint: "на доработке в школе"},
		{Label: "Принято", Count: c.Accepted, Href: h.OrgsURL("accepted"), Tone: "ok"},
	}
}

func tone(cond bool, t string) string {
	if cond {
		return t
	}
	return ""
}

func indicatorCard(v IndicatorView) IndicatorCard {
	c := IndicatorCard{IndicatorView: v}
	if len(v.Years) == 0 {
		return c
	}
	c.Now = v.Years[len(v.Years)-1]
	n := c.Now
	c.ValueText = "нет данных"
	if n.HasValue {
		c.ValueText = indicatorValue(n.Value, v.Share, v.Unit)
	}
	if n.HasTarget {
		c.TargetText = indicatorValue(n.Target, v.Share, v.Unit)
	}
	c.CoverageText = coverageText(n.Contributors, n.Expected)
	c.Partial = n.Contributors < n.Expected
	switch {
	case !n.Comparable:
		c.ChangeText = "с прошлым годом не сравнить: форма отчёта изменилась"
	case n.HasChange && v.Share:
		c.ChangeText = signed(n.Change, 1) + "\u00a0п.\u00a0п. к прошлому году"
	case n.HasChange:
		c.ChangeText = signed(n.Change, 1) + " к прошлому году"
	}
	label := v.Name + ": " + c.ValueText
	if n.HasTarget {
		label += ", цель " + c.TargetText
	}
	c.Bar = newBar(n, v.Share, label)
	var parts []string
	for _, y := range v.Years {
		if y.HasValue {
			parts = append(parts, fmt.Sprintf("%d — %s", y.Year, indicatorValue(y.Value, v.Share, v.Unit)))
		}
	}
	c.Trend = newTrend(v, v.Name+" по годам: "+strings.Join(parts, "; "))
	return c
}

// OrgQuery is the list of organisations as asked: filter, search, order,
// page and the day it is as of.
type OrgQuery struct {
	State, Q, Sort, AsOf string
	Page                 int
}

// orgStates are the filters of the list, as the tiles name them.
var orgStates = []struct{ Key, Title string }{
	{"", "Все"}, {"on_time", "Сдано в срок"}, {"late", "Сдано после срока"}, {"missing", "Не сдано"},
	{"submitted", "Ждут проверки"}, {"returned", "Возвращено"}, {"accepted", "Принято"},
}

func orgsURL(campaignID string, q OrgQuery) string {
	v := url.Values{}
	for k, s := range map[string]string{"state": q.State, "q": q.Q, "sort": q.Sort, "asOf": q.AsOf} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Page > 1 {
		v.Set("page", strconv.Itoa(q.Page))
	}
	u := "/campaigns/" + campaignID + "/organisations"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

// inState reports whether an organisation's standing matches a filter.
func inState(o OrgStanding, state string) bool {
	sent := o.State == StateSubmitted || o.State == StateAccepted
	switch state {
	case "on_time":
		return sent && !o.Late
	case "late":
		return sent && o.Late
	case "missing":
		return o.State == StateMissing || o.State == StateDraft
	case "submitted":
		return o.State == StateSubmitted
	case "returned":
		return o.State == StateReturned
	case "accepted":
		return o.State == StateAccepted
	}
	return true
}

// stateOrder puts what needs the methodologist first.
var stateOrder = map[ReportState]int{StateSubmitted: 0, StateReturned: 1, StateDraft: 2, StateMissing: 3, StateAccepted: 4}

func sortOrgs(list []OrgStanding, by string) []OrgStanding {
	out := slices.Clone(list)
	slices.SortStableFunc(out, func(a, b OrgStanding) int {
		if by == "state" {
			if c := cmp.Compare(stateOrder[a.State], stateOrder[b.State]); c != 0 {
				return c
			}
		}
		return cmp.Compare(russian.SortKey(a.Name), russian.SortKey(b.Name))
	})
	return out
}

// OrgRow is one organisation in a table.
type OrgRow struct {
	OrgStanding
	Submitted string
	// Href opens the report; Action names the link.
	Href, Action string
}

func orgRows(list []OrgStanding) []OrgRow {
	out := make([]OrgRow, 0, len(list))
	for _, o := range list {
		row := OrgRow{OrgStanding: o}
		if !o.SubmitTime.IsZero() {
			row.Submitted = DateTimeRU(o.SubmitTime, location(o.TimeZone))
		}
		if o.ReportID != "" {
			row.Href, row.Action = "/review/"+o.ReportID, "Открыть"
			if o.State == StateSubmitted {
				row.Action = "Проверить"
			}
		}
		out = append(out, row)
	}
	return out
}

// OrganisationsPage lists a campaign's organisations with a filter, a
// search, an order and pages.
type OrganisationsPage struct {
	Base
	CampaignID, CampaignName string
	Query                    OrgQuery
	States                   []struct{ Key, Title string }
	AsOf                     time.Time
	AsOfError                string
	Rows                     []OrgRow
	// Total is the number matching; From and To the rows shown (1-based).
	Total, From, To  int
	PrevURL, NextURL string
	Counts           Counts
}

// StateTitle names the filter in force.
func (o OrganisationsPage) StateTitle() string {
	for _, s := range orgStates {
		if s.Key == o.Query.State {
			return s.Title
		}
	}
	return "Все"
}

func (p *Pages) campaignOrganisations(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	mun, id := methodologistMunicipality(r), r.PathValue("id")
	q := r.URL.Query()
	query := OrgQuery{State: q.Get("state"), Q: strings.TrimSpace(q.Get("q")), Sort: q.Get("sort"), AsOf: q.Get("asOf")}
	if !slices.ContainsFunc(orgStates, func(s struct{ Key, Title string }) bool { return s.Key == query.State }) {
		query.State = ""
	}
	if query.Sort != "state" {
		query.Sort = ""
	}
	query.Page, _ = strconv.Atoi(q.Get("page"))
	query.Page = max(query.Page, 1)
	page := OrganisationsPage{Base: p.base(r, "Организации", "organisations"), CampaignID: id, States: orgStates}
	page.AsOf, page.AsOfError = parseAsOf(query.AsOf)
	if page.AsOfError != "" {
		query.AsOf = ""
	}
	campaigns, err := p.methodologist.Campaigns(ctx, mun)
	if err != nil {
		return err
	}
	for _, c := range campaigns {
		if c.ID == id {
			page.CampaignName = c.Name
		}
	}
	if page.CampaignName == "" {
		return status.Error(codes.NotFound, "no such campaign in the municipality")
	}
	comp, err := p.methodologist.Completeness(ctx, id, mun, page.AsOf)
	if err != nil {
		return err
	}
	page.Counts = comp.Counts
	needle := russian.SearchKey(query.Q)
	var match []OrgStanding
	for _, o := range comp.Organisations {
		if inState(o, query.State) && (needle == "" || strings.Contains(russian.SearchKey(o.Name), needle)) {
			match = append(match, o)
		}
	}
	match = sortOrgs(match, query.Sort)
	page.Total = len(match)
	last := max((page.Total+orgsPerPage-1)/orgsPerPage, 1)
	query.Page = min(query.Page, last)
	page.From = (query.Page-1)*orgsPerPage + 1
	page.To = min(query.Page*orgsPerPage, page.Total)
	if page.Total > 0 {
		page.Rows = orgRows(match[page.From-1 : page.To])
	}
	page.Query = query
	if query.Page > 1 {
		prev := query
		prev.Page--
		page.PrevURL = orgsURL(id, prev)
	}
	if query.Page < last {
		next := query
		next.Page++
		page.NextURL = orgsURL(id, next)
	}
	p.render(w, r, http.StatusOK, "organisations.html", page)
	return nil
}

// currentOrganisations opens the list of the campaign the dashboard shows.
func (p *Pages) currentOrganisations(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	campaigns, err := p.methodologist.Campaigns(ctx, methodologistMunicipality(r))
	if err != nil {
		return err
	}
	c := chooseCampaign(campaigns, 0)
	if c == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return nil
	}
	http.Redirect(w, r, orgsURL(c.ID, OrgQuery{}), http.StatusSeeOther)
	return nil
}

// OverdueListPage lists every overdue roadmap item of the municipality.
type OverdueListPage struct {
	Base
	Page    OverduePage
	NextURL string
	// First: this is the first page.
	First bool
}

func (p *Pages) municipalOverdue(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	token := r.URL.Query().Get("page")
	od, err := p.methodologist.MunicipalOverdue(ctx, methodologistMunicipality(r), token, overduePerPage)
	if err != nil {
		return err
	}
	page := OverdueListPage{Base: p.base(r, "Просроченные мероприятия", "overdue"), Page: od, First: token == ""}
	if od.NextPageToken != "" {
		page.NextURL = "/overdue?page=" + url.QueryEscape(od.NextPageToken)
	}
	p.render(w, r, http.StatusOK, "overdue.html", page)
	return nil
}

// methodologistNav are the methodologist's items of the header's navigation.
var methodologistNav = []NavItem{
	{Section: "organisations", Title: "Организации", Href: "/organisations"},
	{Section: "overdue", Title: "Просроченные мероприятия", Href: "/overdue"},
	{Section: "campaigns", Title: "Кампании", Href: "/campaigns"},
	{Section: "registry", Title: "Реестр", Href: "/registry"},
	{Section: "accounts", Title: "Кураторы", Href: "/accounts"},
	{Section: "audit", Title: "Журнал", Href: "/audit"},
}
