package web

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
)

// The school's roadmap (дорожная карта): stages and items with the deadline as
// written and as understood, overdue occurrences, progress per stage; an item
// page to mark each occurrence done or undo it; forms to add, edit and move
// items. Curators change their own school's roadmap; methodologists of its
// municipality may look at it.

// roadmapViewers may open the roadmap pages; only curators change roadmaps.
var roadmapViewers = []identity.Role{identity.Curator, identity.Methodologist}

// methodologistMunicipalities are the municipalities the person is a
// methodologist of.
func methodologistMunicipalities(r *http.Request) []string {
	c, _ := signedIn(r)
	var out []string
	for _, b := range c.Principal.Bindings {
		if b.Role == identity.Methodologist && b.Municipality != "" && !slices.Contains(out, b.Municipality) {
			out = append(out, b.Municipality)
		}
	}
	return out
}

// canEdit reports whether the person keeps this roadmap: a curator of its
// school, a methodologist of its municipality.
func canEdit(r *http.Request, rv RoadmapView) bool {
	switch rv.OwnerKind {
	case OwnerOrganisation:
		return slices.Contains(curatorOrgs(r), rv.OrganisationID)
	case OwnerMunicipality:
		return slices.Contains(methodologistMunicipalities(r), rv.MunicipalityID)
	}
	return false
}

// roadmapEditors keep roadmaps on the pages: a curator its school's, a
// methodologist its municipality's (canEdit says which roadmap).
var roadmapEditors = []identity.Role{identity.Curator, identity.Methodologist}

// today is the day now in the roadmap owner's zone, as a UTC midnight like
// the occurrences' days.
func today(now time.Time, tz string) time.Time {
	y, m, d := now.In(location(tz)).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// OverdueText says how long an occurrence is overdue, counting calendar days
// in the school's zone: «просрочено на 3 дня» the third day after its due day.
func OverdueText(due, today time.Time) string {
	days := int64(today.Sub(due).Hours() / 24)
	return "просрочено на " + Count(max(days, 1), "день", "дня", "дней")
}

// dayCounter words occurrences as of a school's today.
type dayCounter struct{ today time.Time }

// Today is the school's today.
func (d dayCounter) Today() time.Time { return d.today }

// Overdue says how long o is overdue.
func (d dayCounter) Overdue(o OccurrenceView) string { return OverdueText(o.Due, d.today) }

// Window words an occurrence's window: «до 31 марта 2022 г.», «с 1 марта по
// 30 апреля 2022 г.».
func (d dayCounter) Window(o OccurrenceView) string {
	if w := windowRU(o.Start, o.Due); w != "" && !o.Start.Equal(o.Due) {
		return w
	}
	return "до " + DateRU(o.Due)
}

// ItemStatus sums up an item's occurrences for the roadmap's table.
type ItemStatus struct {
	// Single is the only occurrence, when there is one.
	Single *OccurrenceView
	Total  int
	Done   int
	// Overdue are the first overdue occurrences; MoreOverdue counts the rest.
	Overdue     []OccurrenceView
	MoreOverdue int
	// Next is the next occurrence not done and not overdue.
	Next *OccurrenceView
}

// overdueListed is how many overdue occurrences of one item the table lists.
const overdueListed = 3

// Status sums up an item's occurrences.
func (d dayCounter) Status(it ItemView) ItemStatus {
	s := ItemStatus{Total: len(it.Occurrences)}
	if len(it.Occurrences) == 1 {
		s.Single = &it.Occurrences[0]
	}
	for i, o := range it.Occurrences {
		switch o.State {
		case OccurrenceDone:
			s.Done++
		case OccurrenceOverdue:
			if len(s.Overdue) < overdueListed {
				s.Overdue = append(s.Overdue, o)
			} else {
				s.MoreOverdue++
			}
		default:
			if s.Next == nil {
				s.Next = &it.Occurrences[i]
			}
		}
	}
	return s
}

// Pending reports an item with an occurrence still to be marked done.
func (d dayCounter) Pending(it ItemView) bool {
	return slices.ContainsFunc(it.Occurrences, func(o OccurrenceView) bool { return o.State != OccurrenceDone })
}

// RoadmapListPage lists the roadmaps to choose from.
type RoadmapListPage struct {
	Base
	// Schools are the curator's organisations with their roadmaps.
	Schools []SchoolRoadmaps
	// Municipal are the roadmaps of the methodologist's municipalities.
	Municipal []RoadmapSummary
	// MunicipalOwners are the methodologist's municipalities with their own
	// roadmaps, each with the way to load one.
	MunicipalOwners []SchoolRoadmaps
}

// RoadmapPage is a roadmap with its stages and items.
type RoadmapPage struct {
	Base
	dayCounter
	Roadmap  RoadmapView
	Editable bool
	// Others are the school's other roadmaps (other periods).
	Others []RoadmapSummary
	Notice string
	// Problem is a Russian message of a change not made (a stale version).
	Problem string
}

// Last reports the last item of a stage.
func (RoadmapPage) Last(s StageView, i int) bool { return i == len(s.Items)-1 }

// ItemPage is one item with its occurrences, where they are marked done.
type ItemPage struct {
	Base
	dayCounter
	Roadmap  RoadmapView
	Stage    StageView
	Item     ItemView
	Editable bool
	Notice   string
	// Problem is a stale mark: what the person typed is kept in Form.
	Problem string
	Summary []SummaryItem
	// Form is the occurrence form as the person sent it, shown again.
	Form *MarkForm
	// CanCascade: the item is in the person's municipal roadmap, to be
	// handed down to every school; Cascade is where each school stands
	// with it (nil when not handed down).
	CanCascade bool
	Cascade    *CascadeView
}

// StateText says where the school stands with the handed-down item.
func (c CascadeRow) StateText() string {
	switch c.State {
	case CascadeDone:
		return "Выполнено"
	case CascadeOverdue:
		return "Просрочено"
	}
	return "Ещё не выполнено"
}

// canCascade: a methodologist of the roadmap's municipality hands its items
// down.
func canCascade(r *http.Request, rv RoadmapView) bool {
	return rv.OwnerKind == OwnerMunicipality && slices.Contains(methodologistMunicipalities(r), rv.MunicipalityID)
}

// withCascade adds the per-school table of a municipal item.
func (p *Pages) withCascade(r *http.Request, page *ItemPage) error {
	if page.Roadmap.OwnerKind != OwnerMunicipality || p.cascade == nil {
		return nil
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	v, err := p.cascade.Cascade(ctx, page.Item.ID)
	if err != nil {
		return err
	}
	if len(v.Rows) > 0 {
		page.Cascade = &v
	}
	return nil
}

// cascadeItem hands the item down to every school of the municipality.
func (p *Pages) cascadeItem(w http.ResponseWriter, r *http.Request) error {
	rv, _, it, err := p.itemOf(r)
	if err != nil {
		return err
	}
	if !canCascade(r, rv) {
		return status.Error(codes.PermissionDenied, "not the person's municipal roadmap")
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	res, err := p.cascade.CascadeItem(ctx, it.ID)
	if err != nil {
		return err
	}
	v := url.Values{"done": {"cascaded"}, "added": {strconv.Itoa(res.Added)}, "existing": {strconv.Itoa(res.Existing)}}
	http.Redirect(w, r, "/roadmap/"+rv.ID+"/items/"+it.ID+"?"+v.Encode()+"#cascade", http.StatusSeeOther)
	return nil
}

// Shown are the occurrences the page shows with their form: done, overdue,
// or pending whose window has begun, and the next one; Later are the rest,
// listed by date only, so an item due every month keeps a light page.
func (p ItemPage) Shown() []OccurrenceView {
	shown, _ := p.split()
	return shown
}

// Later are the occurrences whose window has not begun, after the next one.
func (p ItemPage) Later() []OccurrenceView {
	_, later := p.split()
	return later
}

func (p ItemPage) split() (shown, later []OccurrenceView) {
	next := false // the first occurrence not begun yet is shown too
	for _, o := range p.Item.Occurrences {
		if begun := o.State != OccurrencePending || o.Start.IsZero() || !o.Start.After(p.today); !begun {
			if next {
				later = append(later, o)
				continue
			}
			next = true
		}
		shown = append(shown, o)
	}
	return shown, later
}

// MarkForm is the form of one occurrence.
type MarkForm struct {
	Due, DoneOn, Note, Link string
	Errors                  map[string]string
}

// FormFor is the form of o: as sent when it was the one sent, else with
// today's date.
func (p ItemPage) FormFor(o OccurrenceView) MarkForm {
	key := o.Due.Format(time.DateOnly)
	if p.Form != nil && p.Form.Due == key {
		return *p.Form
	}
	return MarkForm{Due: key, DoneOn: p.today.Format(time.DateOnly)}
}

func (p *Pages) roadmapHome(w http.ResponseWriter, r *http.Request) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	page := RoadmapListPage{Base: p.base(r, "Дорожная карта", "roadmap")}
	if orgs := curatorOrgs(r); len(orgs) > 0 {
		if page.Schools, err = p.roadmap.Schools(ctx, orgs); err != nil {
			return err
		}
	}
	if muns := methodologistMunicipalities(r); len(muns) > 0 {
		if page.Municipal, err = p.roadmap.MunicipalityRoadmaps(ctx, muns); err != nil {
			return err
		}
		if page.MunicipalOwners, err = p.roadmap.MunicipalOwners(ctx, muns); err != nil {
			return err
		}
	}
	if len(page.Schools) == 1 && len(page.Municipal) == 0 {
		s := page.Schools[0]
		switch len(s.Roadmaps) {
		case 0:
			// Nothing yet: explain and offer the import form.
			ip := p.importPage(r, page.Schools)
			ip.First = true
			p.render(w, r, http.StatusOK, "roadmap_import.html", ip)
			return nil
		case 1:
			return p.showRoadmap(w, r, s.Roadmaps[0].ID, http.StatusOK, "", "")
		}
	}
	p.render(w, r, http.StatusOK, "roadmap_list.html", page)
	return nil
}

func (p *Pages) roadmapPage(w http.ResponseWriter, r *http.Request) error {
	notice := ""
	switch r.URL.Query().Get("done") {
	case "imported":
		notice = "Дорожная карта сохранена."
	case "moved":
		notice = "Порядок мероприятий изменён."
	}
	return p.showRoadmap(w, r, r.PathValue("id"), http.StatusOK, notice, "")
}

// showRoadmap renders a roadmap page.
func (p *Pages) showRoadmap(w http.ResponseWriter, r *http.Request, id string, code int, notice, problem string) error {
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	rv, err := p.roadmap.Roadmap(ctx, id)
	if err != nil {
		return err
	}
	page := RoadmapPage{Base: p.base(r, rv.Title, "roadmap"), dayCounter: dayCounter{today(p.now(), rv.TimeZone)},
		Roadmap: rv, Editable: canEdit(r, rv), Notice: notice, Problem: problem}
	if page.Editable {
		var schools []SchoolRoadmaps
		if rv.OwnerKind == OwnerMunicipality {
			schools, err = p.roadmap.MunicipalOwners(ctx, []string{rv.MunicipalityID})
		} else {
			schools, err = p.roadmap.Schools(ctx, []string{rv.OrganisationID})
		}
		if err != nil {
			return err
		}
		for _, s := range schools {
			for _, o := range s.Roadmaps {
				if o.ID != rv.ID {
					page.Others = append(page.Others, o)
				}
			}
		}
	}
	p.render(w, r, code, "roadmap.html", page)
	return nil
}

// findItem finds an item and its stage in a roadmap.
func findItem(rv RoadmapView, id string) (StageView, int, bool) {
	for _, s := range rv.Stages {
		for i, it := range s.Items {
			if it.ID == id {
				return s, i, true
			}
		}
	}
	return StageView{}, 0, false
}

var errNoItem = status.Error(codes.NotFound, "no such item in this roadmap")

// itemOf reads the roadmap of the request and the item it names.
func (p *Pages) itemOf(r *http.Request) (RoadmapView, StageView, ItemView, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return RoadmapView{}, StageView{}, ItemView{}, err
	}
	rv, err := p.roadmap.Roadmap(ctx, r.PathValue("id"))
	if err != nil {
		return rv, StageView{}, ItemView{}, err
	}
	s, i, ok := findItem(rv, r.PathValue("item"))
	if !ok {
		return rv, s, ItemView{}, errNoItem
	}
	return rv, s, s.Items[i], nil
}

func (p *Pages) itemPage(w http.ResponseWriter, r *http.Request) error {
	rv, s, it, err := p.itemOf(r)
	if err != nil {
		return err
	}
	page := p.newItemPage(r, rv, s, it)
	switch r.URL.Query().Get("done") {
	case "marked":
		page.Notice = "Выполнение отмечено."
	case "unmarked":
		page.Notice = "Отметка о выполнении снята."
	case "saved":
		page.Notice = "Мероприятие сохранено."
	case "cascaded":
		added, _ := strconv.Atoi(r.URL.Query().Get("added"))
		existing, _ := strconv.Atoi(r.URL.Query().Get("existing"))
		page.Notice = "Мероприятие передано: получили " + Count(int64(added), "школа", "школы", "школ")
		if existing > 0 {
			page.Notice += ", у " + Count(int64(existing), "школы", "школ", "школ") + " оно уже было"
		}
		page.Notice += "."
	}
	if err := p.withCascade(r, &page); err != nil {
		return err
	}
	p.render(w, r, http.StatusOK, "roadmap_item.html", page)
	return nil
}

func (p *Pages) newItemPage(r *http.Request, rv RoadmapView, s StageView, it ItemView) ItemPage {
	return ItemPage{Base: p.base(r, "Мероприятие "+it.Number, "roadmap"), dayCounter: dayCounter{today(p.now(), rv.TimeZone)},
		Roadmap: rv, Stage: s, Item: it, Editable: canEdit(r, rv), CanCascade: canCascade(r, rv)}
}

// markFields are the mark form's inputs by the service's field names.
var markFields = map[string]string{"done_on": "done_on", "note": "note", "evidence_url": "link"}

func (p *Pages) markOccurrence(w http.ResponseWriter, r *http.Request) error {
	rv, s, it, err := p.itemOf(r)
	if err != nil {
		return err
	}
	if !canEdit(r, rv) {
		return status.Error(codes.PermissionDenied, "not the person's school")
	}
	due, err := time.Parse(time.DateOnly, r.PostFormValue("due"))
	if err != nil || !slices.ContainsFunc(it.Occurrences, func(o OccurrenceView) bool { return o.Due.Equal(due) }) {
		return status.Error(codes.InvalidArgument, "no such occurrence")
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	done := r.PostFormValue("done") == "yes"
	form := &MarkForm{Due: due.Format(time.DateOnly), DoneOn: strings.TrimSpace(r.PostFormValue("done_on")),
		Note: strings.TrimSpace(r.PostFormValue("note")), Link: strings.TrimSpace(r.PostFormValue("link")), Errors: map[string]string{}}
	in := MarkInput{ItemID: it.ID, Due: due, Version: version, Done: done}
	page := p.newItemPage(r, rv, s, it)
	if done {
		in.Note, in.Link = form.Note, form.Link
		if form.DoneOn != "" {
			d, err := time.Parse(time.DateOnly, form.DoneOn)
			switch {
			case err != nil:
				form.Errors["done_on"] = "Введите дату выполнения, например " + page.today.Format(time.DateOnly)
			case d.After(page.today):
				form.Errors["done_on"] = "Дата выполнения не может быть позже сегодняшней"
			default:
				in.DoneOn = d
			}
		}
		if utf8.RuneCountInString(form.Note) > 2000 {
			form.Errors["note"] = "Заметка не длиннее 2000 символов"
		}
		if form.Link != "" {
			if u, err := url.Parse(form.Link); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				form.Errors["link"] = "Ссылка начинается с https:// или http://, например https://school.ru/nastavnik/prikaz.pdf"
			} else if utf8.RuneCountInString(form.Link) > 2000 {
				form.Errors["link"] = "Ссылка не длиннее 2000 символов"
			}
		}
	}
	if len(form.Errors) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		err = p.roadmap.MarkOccurrence(ctx, in)
		switch {
		case errors.Is(err, ErrChanged):
			return p.staleMark(w, r, form, done)
		case status.Code(err) == codes.InvalidArgument:
			for field, msg := range fieldViolations(err) {
				if name, ok := markFields[field]; ok {
					form.Errors[name] = markErrorRU(name)
				} else {
					form.Errors["done_on"] = "Проверьте значения: " + msg
				}
			}
		case err != nil:
			return err
		default:
			result := "unmarked"
			if done {
				result = "marked"
			}
			http.Redirect(w, r, "/roadmap/"+rv.ID+"/items/"+it.ID+"?done="+result+"#occ-"+form.Due, http.StatusSeeOther)
			return nil
		}
	}
	page.Form = form
	for _, name := range []string{"done_on", "note", "link"} {
		if msg, ok := form.Errors[name]; ok {
			page.Summary = append(page.Summary, SummaryItem{Href: "#" + name + "-" + form.Due, Message: msg})
		}
	}
	p.render(w, r, http.StatusBadRequest, "roadmap_item.html", page)
	return nil
}

func markErrorRU(name string) string {
	switch name {
	case "done_on":
		return "Дата выполнения не может быть позже сегодняшней"
	case "link":
		return "Ссылка начинается с https:// или http://"
	}
	return "Заметка не длиннее 2000 символов"
}

// staleMark shows the item as it is now, after someone else marked the
// occurrence meanwhile: what the person typed stays in the form and in the
// message, nothing is lost.
func (p *Pages) staleMark(w http.ResponseWriter, r *http.Request, form *MarkForm, done bool) error {
	rv, s, it, err := p.itemOf(r)
	if err != nil {
		return err
	}
	page := p.newItemPage(r, rv, s, it)
	page.Form = form
	if done {
		var typed []string
		if form.DoneOn != "" {
			typed = append(typed, "дата "+form.DoneOn)
		}
		if form.Note != "" {
			typed = append(typed, "заметка «"+form.Note+"»")
		}
		if form.Link != "" {
			typed = append(typed, "ссылка "+form.Link)
		}
		page.Problem = "Отметку этого срока изменили в другой вкладке или другой человек, поэтому ваша отметка не сохранена. " +
			"Проверьте, как она выглядит сейчас, и при необходимости отметьте ещё раз."
		if len(typed) > 0 {
			page.Problem += " Вы вводили: " + strings.Join(typed, ", ") + "."
		}
	} else {
		page.Problem = "Отметку этого срока изменили в другой вкладке или другой человек, поэтому она не снята. " +
			"Проверьте, как она выглядит сейчас, и при необходимости снимите её ещё раз."
	}
	p.render(w, r, http.StatusConflict, "roadmap_item.html", page)
	return nil
}

// ItemFormPage adds or edits an item.
type ItemFormPage struct {
	Base
	Roadmap RoadmapView
	// Item is the item edited; empty ID for a new one.
	Item    ItemView
	StageID string
	Version int64
	Input   ItemInput
	Errors  map[string]string
	Summary []SummaryItem
	// Problem is a stale version: the person's values are kept.
	Problem string
}

// New reports a form for a new item.
func (p ItemFormPage) New() bool { return p.Item.ID == "" }

// Action is where the form is sent.
func (p ItemFormPage) Action() string {
	if p.New() {
		return "/roadmap/" + p.Roadmap.ID + "/items/new"
	}
	return "/roadmap/" + p.Roadmap.ID + "/items/" + p.Item.ID + "/edit"
}

func (p *Pages) itemFormPage(r *http.Request, rv RoadmapView, it ItemView, stageID string) ItemFormPage {
	title := "Новое мероприятие"
	if it.ID != "" {
		title = "Изменить мероприятие " + it.Number
	}
	return ItemFormPage{Base: p.base(r, title, "roadmap"), Roadmap: rv, Item: it, StageID: stageID, Version: rv.Version,
		Input:  ItemInput{Measure: it.Measure, ResultForm: it.ResultForm, DeadlineText: it.DeadlineText, Responsible: it.Responsible},
		Errors: map[string]string{}}
}

func (p *Pages) editableRoadmap(r *http.Request) (RoadmapView, error) {
	ctx, err := p.callerContext(r)
	if err != nil {
		return RoadmapView{}, err
	}
	rv, err := p.roadmap.Roadmap(ctx, r.PathValue("id"))
	if err != nil {
		return rv, err
	}
	if !canEdit(r, rv) {
		return rv, status.Error(codes.PermissionDenied, "not the person's school")
	}
	return rv, nil
}

func (p *Pages) newItemForm(w http.ResponseWriter, r *http.Request) error {
	rv, err := p.editableRoadmap(r)
	if err != nil {
		return err
	}
	if len(rv.Stages) == 0 {
		return status.Error(codes.FailedPrecondition, "the roadmap has no stages")
	}
	stage := r.URL.Query().Get("stage")
	if !slices.ContainsFunc(rv.Stages, func(s StageView) bool { return s.ID == stage }) {
		stage = rv.Stages[0].ID
	}
	p.render(w, r, http.StatusOK, "roadmap_item_form.html", p.itemFormPage(r, rv, ItemView{}, stage))
	return nil
}

func (p *Pages) editItemForm(w http.ResponseWriter, r *http.Request) error {
	rv, err := p.editableRoadmap(r)
	if err != nil {
		return err
	}
	s, i, ok := findItem(rv, r.PathValue("item"))
	if !ok {
		return errNoItem
	}
	p.render(w, r, http.StatusOK, "roadmap_item_form.html", p.itemFormPage(r, rv, s.Items[i], s.ID))
	return nil
}

// itemInputs are the form's fields: the service's field path, the input's
// name, its label and limit.
var itemInputs = []struct {
	field, name, label string
	max                int
}{
	{"item.measure", "measure", "Мероприятие", 4000},
	{"item.result_form", "result_form", "Форма представления результата", 2000},
	{"item.deadline_text", "deadline_text", "Срок", 500},
	{"item.responsible", "responsible", "Ответственные", 2000},
}

// readItem reads the item form; errors are Russian, by input name.
func readItem(r *http.Request) (ItemInput, map[string]string) {
	in := ItemInput{Measure: strings.TrimSpace(r.PostFormValue("measure")), ResultForm: strings.TrimSpace(r.PostFormValue("result_form")),
		DeadlineText: strings.TrimSpace(r.PostFormValue("deadline_text")), Responsible: strings.TrimSpace(r.PostFormValue("responsible"))}
	errs := map[string]string{}
	values := map[string]string{"measure": in.Measure, "result_form": in.ResultForm, "deadline_text": in.DeadlineText, "responsible": in.Responsible}
	for _, f := range itemInputs {
		if n := utf8.RuneCountInString(values[f.name]); n > f.max {
			errs[f.name] = f.label + ": не длиннее " + Count(int64(f.max), "символа", "символов", "символов") +
				" (сейчас " + NumberRU(int64(n)) + ")"
		}
	}
	if in.Measure == "" {
		errs["measure"] = "Введите, что нужно сделать: например, «Разработать положение о наставничестве»"
	}
	return in, errs
}

func (p *Pages) createItem(w http.ResponseWriter, r *http.Request) error {
	return p.saveItem(w, r, true)
}

func (p *Pages) updateItem(w http.ResponseWriter, r *http.Request) error {
	return p.saveItem(w, r, false)
}

func (p *Pages) saveItem(w http.ResponseWriter, r *http.Request, create bool) error {
	rv, err := p.editableRoadmap(r)
	if err != nil {
		return err
	}
	var it ItemView
	var from string
	if !create {
		s, i, ok := findItem(rv, r.PathValue("item"))
		if !ok {
			return errNoItem
		}
		it, from = s.Items[i], s.ID
	}
	stage := r.PostFormValue("stage")
	if !slices.ContainsFunc(rv.Stages, func(s StageView) bool { return s.ID == stage }) {
		return status.Error(codes.InvalidArgument, "no such stage")
	}
	page := p.itemFormPage(r, rv, it, stage)
	in, errs := readItem(r)
	page.Input = in
	page.Version, _ = strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if len(errs) == 0 {
		ctx, err := p.callerContext(r)
		if err != nil {
			return err
		}
		id := it.ID
		if create {
			id, err = p.roadmap.CreateItem(ctx, stage, page.Version, in)
		} else {
			err = p.roadmap.UpdateItem(ctx, it.ID, page.Version, in)
			if err == nil && stage != from {
				// Another stage: the item goes to its end, on the version just made.
				var cur RoadmapView
				if cur, err = p.roadmap.Roadmap(ctx, rv.ID); err == nil {
					err = p.roadmap.MoveItem(ctx, it.ID, cur.Version, stage, 0, 1)
				}
			}
		}
		switch {
		case errors.Is(err, ErrChanged):
			page.Version = rv.Version
			page.Problem = "Дорожную карту изменили в другой вкладке или другой человек, поэтому мероприятие не сохранено. " +
				"Ничего не потеряно: ваши значения остались в полях ниже. Проверьте и нажмите «Сохранить» ещё раз."
			p.render(w, r, http.StatusConflict, "roadmap_item_form.html", page)
			return nil
		case status.Code(err) == codes.InvalidArgument:
			for field := range fieldViolations(err) {
				for _, f := range itemInputs {
					if field == f.field {
						errs[f.name] = f.label + ": проверьте значение"
					}
				}
			}
			if len(errs) == 0 {
				return err
			}
		case err != nil:
			return err
		default:
			http.Redirect(w, r, "/roadmap/"+rv.ID+"/items/"+id+"?done=saved", http.StatusSeeOther)
			return nil
		}
	}
	page.Errors = errs
	for _, f := range itemInputs {
		if msg, ok := errs[f.name]; ok {
			page.Summary = append(page.Summary, SummaryItem{Href: "#" + f.name, Message: msg})
		}
	}
	p.render(w, r, http.StatusBadRequest, "roadmap_item_form.html", page)
	return nil
}

func (p *Pages) moveItem(w http.ResponseWriter, r *http.Request) error {
	rv, err := p.editableRoadmap(r)
	if err != nil {
		return err
	}
	s, i, ok := findItem(rv, r.PathValue("item"))
	if !ok {
		return errNoItem
	}
	it := s.Items[i]
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	// Positions are 1-based in the stage once the item is taken out of it.
	position := 0
	switch r.PostFormValue("dir") {
	case "up":
		position = i
	case "down":
		position = i + 2
		if i == len(s.Items)-1 {
			position = -1
		}
	default:
		return status.Error(codes.InvalidArgument, "no direction")
	}
	back := "/roadmap/" + rv.ID + "?done=moved#item-" + it.ID
	if position <= 0 { // already first or last
		http.Redirect(w, r, back, http.StatusSeeOther)
		return nil
	}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	err = p.roadmap.MoveItem(ctx, it.ID, version, s.ID, position, it.Depth)
	if errors.Is(err, ErrChanged) {
		return p.showRoadmap(w, r, rv.ID, http.StatusConflict, "",
			"Дорожную карту изменили в другой вкладке или другой человек, поэтому порядок не изменён. Проверьте порядок ниже и повторите.")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
	return nil
}
