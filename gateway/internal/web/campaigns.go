package web

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/russian"
)

// The municipality's monitoring campaigns: the list, opening one (a form
// version, a year, a deadline), a campaign's page with the organisations it
// expects (their state, the deadline in force, its extensions), bringing
// that list in line with the registry, extending one organisation's
// deadline with a reason, and closing the campaign.

// CampaignsPage lists the campaigns.
type CampaignsPage struct {
	Base
	Campaigns []CampaignRecord
	// Own: campaigns of the municipality (others are the region's).
	Municipality string
}

func (p *Pages) campaignsPage(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	mun := methodologistMunicipality(r)
	list, err := p.registry.CampaignList(ctx, mun)
	if err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b CampaignRecord) int { return cmp.Compare(b.Year, a.Year) })
	p.render(w, r, http.StatusOK, "campaigns.html", CampaignsPage{Base: p.base(r, "Кампании мониторинга", "campaigns"),
		Campaigns: list, Municipality: mun})
	return nil
}

// CampaignForm opens a campaign.
type CampaignForm struct {
	Base
	Forms                      []FormChoice
	Form, Name, Year, Deadline string
	RequestID                  string
	Errors                     FormErrors
	Summary                    []SummaryItem
}

// FormKey is a form version's value in the select.
func (CampaignForm) FormKey(f FormChoice) string { return f.Code + ":" + strconv.Itoa(f.Version) }

func (p *Pages) campaignForm(r *http.Request) (CampaignForm, error) {
	page := CampaignForm{Base: p.base(r, "Новая кампания", "campaigns"), Errors: FormErrors{}, RequestID: uuid.NewString()}
	ctx, err := p.callerContext(r)
	if err != nil {
		return page, err
	}
	page.Forms, err = p.registry.Forms(ctx)
	return page, err
}

func (p *Pages) newCampaignForm(w http.ResponseWriter, r *http.Request) error {
	page, err := p.campaignForm(r)
	if err != nil {
		return err
	}
	y := p.now().Year()
	page.Year = strconv.Itoa(y)
	page.Name = fmt.Sprintf("Мониторинг наставничества %d", y)
	if len(page.Forms) > 0 {
		page.Form = page.FormKey(page.Forms[len(page.Forms)-1])
	}
	p.render(w, r, http.StatusOK, "campaign_new.html", page)
	return nil
}

var campaignInputs = map[string]string{"name": "name", "year": "year", "deadline": "deadline", "form_code": "form",
	"form_version": "form", "opened_on": "deadline"}

func (p *Pages) createCampaign(w http.ResponseWriter, r *http.Request) error {
	page, err := p.campaignForm(r)
	if err != nil {
		return err
	}
	v := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	page.Form, page.Name, page.Year, page.Deadline = v("form"), v("name"), v("year"), v("deadline")
	if id := v("request_id"); uuid.Validate(id) == nil {
		page.RequestID = id
	}
	c := CampaignRecord{Name: page.Name, Municipality: methodologistMunicipality(r)}
	i := slices.IndexFunc(page.Forms, func(f FormChoice) bool { return page.FormKey(f) == page.Form })
	if i < 0 {
		page.Errors["form"] = "Выберите форму отчёта"
	} else {
		c.FormCode, c.FormVersion = page.Forms[i].Code, page.Forms[i].Version
	}
	if n := utf8.RuneCountInString(page.Name); n == 0 || n > 200 {
		page.Errors["name"] = "Назовите кампанию (не длиннее 200 символов)"
	}
	if c.Year, err = strconv.Atoi(page.Year); err != nil || c.Year < 2000 || c.Year > 2100 {
		page.Errors["year"] = "Год четырьмя цифрами, например 2026"
	}
	if c.Deadline, err = time.Parse(time.DateOnly, page.Deadline); err != nil {
		page.Errors["deadline"] = "Дата в формате ГГГГ-ММ-ДД, например 2026-12-15"
	}
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		saved, err := p.registry.CreateCampaign(ctx, c, page.RequestID)
		switch status.Code(err) {
		case codes.OK:
			http.Redirect(w, r, "/campaigns/"+saved.ID+"?done=created", http.StatusSeeOther)
			return nil
		case codes.AlreadyExists:
			page.Errors["year"] = "Кампания этого года уже открыта"
		case codes.InvalidArgument, codes.FailedPrecondition:
			violationsInto(page.Errors, err, "campaign.", campaignInputs, "form")
		default:
			return err
		}
	}
	page.Summary = page.Errors.summary("form", "name", "year", "deadline")
	p.render(w, r, http.StatusBadRequest, "campaign_new.html", page)
	return nil
}

// CampaignPage is one campaign with the organisations it expects.
type CampaignPage struct {
	Base
	Campaign CampaignRecord
	Rows     []ExpectedRow
	// Own: the municipality's own campaign (it may close it).
	Own  bool
	Done string
	// Added and Dropped name who a refresh added and dropped.
	Added, Dropped []string
	Refreshed      bool
	// The reminders' form: days as typed, the time of day, their errors.
	ReminderDays, ReminderTime string
	Errors                     FormErrors
	Summary                    []SummaryItem
}

// campaignOf reads a campaign covering the methodologist's municipality.
func (p *Pages) campaignOf(r *http.Request) (CampaignRecord, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return CampaignRecord{}, err
	}
	c, err := p.registry.Campaign(ctx, r.PathValue("id"))
	if err != nil {
		return c, err
	}
	if c.Municipality != "" && c.Municipality != methodologistMunicipality(r) {
		return c, status.Error(codes.NotFound, "not the municipality's campaign")
	}
	return c, nil
}

func (p *Pages) renderCampaign(w http.ResponseWriter, r *http.Request, page CampaignPage) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	if page.Campaign, err = p.campaignOf(r); err != nil {
		return err
	}
	page.Base = p.base(r, page.Campaign.Name, "campaigns")
	page.Own = page.Campaign.Municipality != ""
	if page.Errors == nil {
		page.ReminderDays, page.ReminderTime = reminderDaysText(page.Campaign.ReminderDays), page.Campaign.ReminderTime
	}
	if page.Rows, err = p.registry.Expected(ctx, page.Campaign.ID, methodologistMunicipality(r)); err != nil {
		return err
	}
	slices.SortStableFunc(page.Rows, func(a, b ExpectedRow) int {
		if c := cmp.Compare(len(a.Dropped), len(b.Dropped)); c != 0 {
			return c
		}
		return cmp.Compare(russian.SortKey(a.Name), russian.SortKey(b.Name))
	})
	code := http.StatusOK
	if len(page.Errors) > 0 {
		code = http.StatusBadRequest
		page.Summary = page.Errors.summary("reminder_days", "reminder_time")
	}
	p.render(w, r, code, "campaign.html", page)
	return nil
}

// reminderDaysText writes days as the form shows them: «7, 3, 1, 0».
func reminderDaysText(days []int) string {
	parts := make([]string, len(days))
	for i, d := range days {
		parts[i] = strconv.Itoa(d)
	}
	return strings.Join(parts, ", ")
}

// setReminders changes when the campaign's organisations that have not
// submitted are reminded.
func (p *Pages) setReminders(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaignOf(r)
	if err != nil {
		return err
	}
	if c.Municipality == "" {
		return status.Error(codes.PermissionDenied, "a regional campaign")
	}
	page := CampaignPage{Errors: FormErrors{}, ReminderDays: strings.TrimSpace(r.PostFormValue("reminder_days")),
		ReminderTime: strings.TrimSpace(r.PostFormValue("reminder_time"))}
	var days []int
	for _, f := range strings.FieldsFunc(page.ReminderDays, func(r rune) bool { return r == ',' || r == ' ' || r == ';' }) {
		n, err := strconv.Atoi(f)
		if err != nil || n < 0 || n > 60 || len(days) == 10 {
			page.Errors["reminder_days"] = "Не больше 10 чисел от 0 до 60 через запятую, например 7, 3, 1, 0 (0 — в день срока); пусто — без напоминаний"
			break
		}
		days = append(days, n)
	}
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
		err = p.registry.SetReminders(ctx, c.ID, version, days, page.ReminderTime)
		switch status.Code(err) {
		case codes.OK:
			http.Redirect(w, r, "/campaigns/"+c.ID+"?done=reminders", http.StatusSeeOther)
			return nil
		case codes.Aborted:
			http.Redirect(w, r, "/campaigns/"+c.ID+"?done=stale", http.StatusSeeOther)
			return nil
		case codes.InvalidArgument:
			violationsInto(page.Errors, err, "", map[string]string{"reminder_days": "reminder_days", "reminder_time": "reminder_time"}, "reminder_days")
		default:
			return err
		}
	}
	return p.renderCampaign(w, r, page)
}

func (p *Pages) campaignPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderCampaign(w, r, CampaignPage{Done: r.URL.Query().Get("done")})
}

func (p *Pages) refreshExpected(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaignOf(r)
	if err != nil {
		return err
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	added, dropped, err := p.registry.RefreshExpected(ctx, c.ID)
	if err != nil {
		return err
	}
	names, _, err := p.orgNames(r)
	if err != nil {
		return err
	}
	page := CampaignPage{Refreshed: true}
	for _, id := range added {
		page.Added = append(page.Added, cmp.Or(names[id], id))
	}
	for _, id := range dropped {
		page.Dropped = append(page.Dropped, cmp.Or(names[id], id))
	}
	return p.renderCampaign(w, r, page)
}

func (p *Pages) closeCampaign(w http.ResponseWriter, r *http.Request) error {
	c, err := p.campaignOf(r)
	if err != nil {
		return err
	}
	if c.Municipality == "" {
		return status.Error(codes.PermissionDenied, "a regional campaign")
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	err = p.registry.CloseCampaign(ctx, c.ID, version)
	switch status.Code(err) {
	case codes.OK:
		http.Redirect(w, r, "/campaigns/"+c.ID+"?done=closed", http.StatusSeeOther)
	case codes.Aborted, codes.FailedPrecondition:
		http.Redirect(w, r, "/campaigns/"+c.ID+"?done=stale", http.StatusSeeOther)
	default:
		return err
	}
	return nil
}

// ExtendForm gives one organisation a new deadline.
type ExtendForm struct {
	Base
	Campaign         CampaignRecord
	Org              ExpectedRow
	Deadline, Reason string
	Errors           FormErrors
	Summary          []SummaryItem
}

func (p *Pages) extendPage(r *http.Request) (ExtendForm, error) {
	page := ExtendForm{Errors: FormErrors{}}
	c, err := p.campaignOf(r)
	if err != nil {
		return page, err
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return page, err
	}
	rows, err := p.registry.Expected(ctx, c.ID, methodologistMunicipality(r))
	if err != nil {
		return page, err
	}
	i := slices.IndexFunc(rows, func(e ExpectedRow) bool { return e.OrgID == r.PathValue("org") && e.Dropped == "" })
	if i < 0 {
		return page, status.Error(codes.NotFound, "not expected")
	}
	page.Base, page.Campaign, page.Org = p.base(r, "Продлить срок", "campaigns"), c, rows[i]
	return page, nil
}

func (p *Pages) extendForm(w http.ResponseWriter, r *http.Request) error {
	page, err := p.extendPage(r)
	if err != nil {
		return err
	}
	page.Deadline = page.Org.Deadline.AddDate(0, 0, 7).Format(time.DateOnly)
	p.render(w, r, http.StatusOK, "campaign_extend.html", page)
	return nil
}

func (p *Pages) extendDeadline(w http.ResponseWriter, r *http.Request) error {
	page, err := p.extendPage(r)
	if err != nil {
		return err
	}
	page.Deadline, page.Reason = strings.TrimSpace(r.PostFormValue("deadline")), strings.TrimSpace(r.PostFormValue("reason"))
	d, err := time.Parse(time.DateOnly, page.Deadline)
	if err != nil {
		page.Errors["deadline"] = "Дата в формате ГГГГ-ММ-ДД, например 2026-12-22"
	}
	if n := utf8.RuneCountInString(page.Reason); n == 0 || n > 1000 {
		page.Errors["reason"] = "Напишите, почему срок продлён (не длиннее 1000 символов): это останется в истории"
	}
	if len(page.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		err = p.registry.ExtendDeadline(ctx, page.Campaign.ID, page.Org.OrgID, d, page.Reason)
		switch status.Code(err) {
		case codes.OK:
			http.Redirect(w, r, "/campaigns/"+page.Campaign.ID+"?done=extended", http.StatusSeeOther)
			return nil
		case codes.InvalidArgument, codes.FailedPrecondition:
			violationsInto(page.Errors, err, "", map[string]string{"deadline": "deadline", "reason": "reason"}, "deadline")
		default:
			return err
		}
	}
	page.Summary = page.Errors.summary("deadline", "reason")
	p.render(w, r, http.StatusBadRequest, "campaign_extend.html", page)
	return nil
}
