package web

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/russian"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

var _ RoadmapBackend = (*grpcBackend)(nil)

// roadmapsListed bounds the roadmaps a list page reads.
const roadmapsListed = 200

func (b *grpcBackend) Schools(ctx context.Context, orgIDs []string) ([]SchoolRoadmaps, error) {
	var out []SchoolRoadmaps
	for _, id := range orgIDs {
		o, err := b.organisations.GetOrganisation(ctx, &registryv1.GetOrganisationRequest{Id: id})
		if err != nil {
			return nil, err
		}
		s := SchoolRoadmaps{OrgID: id, OrgName: o.GetOrganisation().GetShortName(), TimeZone: o.GetOrganisation().GetEffectiveTimeZone()}
		if s.OrgName == "" {
			s.OrgName = o.GetOrganisation().GetFullName()
		}
		l, err := b.roadmaps.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{OrganisationId: id, PageSize: roadmapsListed})
		if err != nil {
			return nil, err
		}
		for _, r := range l.GetRoadmaps() {
			s.Roadmaps = append(s.Roadmaps, roadmapSummary(r))
		}
		out = append(out, s)
	}
	return out, nil
}

func (b *grpcBackend) MunicipalityRoadmaps(ctx context.Context, munIDs []string) ([]RoadmapSummary, error) {
	var out []RoadmapSummary
	for _, id := range munIDs {
		l, err := b.roadmaps.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{MunicipalityId: id, PageSize: roadmapsListed})
		if err != nil {
			return nil, err
		}
		for _, r := range l.GetRoadmaps() {
			out = append(out, roadmapSummary(r))
		}
	}
	return out, nil
}

func (b *grpcBackend) MunicipalOwners(ctx context.Context, munIDs []string) ([]SchoolRoadmaps, error) {
	var out []SchoolRoadmaps
	for _, id := range munIDs {
		m, err := b.municipalities.GetMunicipality(ctx, &registryv1.GetMunicipalityRequest{Id: id})
		if err != nil {
			return nil, err
		}
		s := SchoolRoadmaps{OrgID: id, OrgName: m.GetMunicipality().GetName(), Municipal: true}
		l, err := b.roadmaps.ListRoadmaps(ctx, &roadmapv1.ListRoadmapsRequest{MunicipalityId: id, PageSize: roadmapsListed})
		if err != nil {
			return nil, err
		}
		for _, r := range l.GetRoadmaps() {
			if r.GetOwner().GetKind() == roadmapv1.OwnerKind_OWNER_KIND_MUNICIPALITY {
				s.Roadmaps = append(s.Roadmaps, roadmapSummary(r))
			}
		}
		out = append(out, s)
	}
	return out, nil
}

func (b *grpcBackend) Roadmap(ctx context.Context, id string) (RoadmapView, error) {
	resp, err := b.roadmaps.GetRoadmap(ctx, &roadmapv1.GetRoadmapRequest{Id: id})
	if err != nil {
		return RoadmapView{}, err
	}
	return roadmapView(resp.GetRoadmap()), nil
}

func (b *grpcBackend) MarkOccurrence(ctx context.Context, m MarkInput) error {
	req := &roadmapv1.MarkOccurrenceRequest{ItemId: m.ItemID, Due: m.Due.Format(time.DateOnly), Version: m.Version,
		Done: m.Done, Note: m.Note, EvidenceUrl: m.Link}
	if m.Done && !m.DoneOn.IsZero() {
		req.DoneOn = m.DoneOn.Format(time.DateOnly)
	}
	_, err := b.roadmaps.MarkOccurrence(ctx, req)
	return staleErr(err)
}

func itemFields(in ItemInput) *roadmapv1.ItemFields {
	return &roadmapv1.ItemFields{Measure: in.Measure, ResultForm: in.ResultForm, DeadlineText: in.DeadlineText, Responsible: in.Responsible}
}

func (b *grpcBackend) CreateItem(ctx context.Context, stageID string, version int64, in ItemInput) (string, error) {
	resp, err := b.roadmaps.CreateItem(ctx, &roadmapv1.CreateItemRequest{StageId: stageID, Version: version, Item: itemFields(in)})
	if err != nil {
		return "", staleErr(err)
	}
	return resp.GetItemId(), nil
}

func (b *grpcBackend) UpdateItem(ctx context.Context, itemID string, version int64, in ItemInput) error {
	_, err := b.roadmaps.UpdateItem(ctx, &roadmapv1.UpdateItemRequest{ItemId: itemID, Version: version, Item: itemFields(in)})
	return staleErr(err)
}

func (b *grpcBackend) MoveItem(ctx context.Context, itemID string, version int64, stageID string, position, depth int) error {
	_, err := b.roadmaps.MoveItem(ctx, &roadmapv1.MoveItemRequest{ItemId: itemID, Version: version, StageId: stageID,
		Position: int32(position), Depth: int32(depth)})
	return staleErr(err)
}

var importFormats = map[ImportFormat]roadmapv1.ImportFormat{
	ImportTSV: roadmapv1.ImportFormat_IMPORT_FORMAT_TSV, ImportDOCX: roadmapv1.ImportFormat_IMPORT_FORMAT_DOCX,
	ImportXLSX: roadmapv1.ImportFormat_IMPORT_FORMAT_XLSX,
}

func (b *grpcBackend) ImportRoadmap(ctx context.Context, in ImportInput) (ImportView, error) {
	req := &roadmapv1.ImportRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: in.OrgID, MunicipalityId: in.MunicipalityID}, Format: importFormats[in.Format],
		Content: in.Content, Title: in.Title, DryRun: in.DryRun, RequestId: in.RequestID}
	if !in.PeriodStart.IsZero() {
		req.PeriodStart = in.PeriodStart.Format(time.DateOnly)
	}
	if !in.PeriodEnd.IsZero() {
		req.PeriodEnd = in.PeriodEnd.Format(time.DateOnly)
	}
	for _, c := range in.Columns {
		req.ColumnMapping = append(req.ColumnMapping, &roadmapv1.ImportColumnMapping{Column: int32(c.Column), Field: roadmapv1.ImportField(c.Field)})
	}
	resp, err := b.roadmaps.ImportRoadmap(ctx, req)
	if err != nil {
		return ImportView{}, err
	}
	return importView(resp), nil
}

// staleErr turns ABORTED (a stale version) into ErrChanged.
func staleErr(err error) error {
	if status.Code(err) == codes.Aborted {
		return fmt.Errorf("%w: %w", ErrChanged, err)
	}
	return err
}

func day(s string) time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return t
}

func roadmapSummary(r *roadmapv1.Roadmap) RoadmapSummary {
	return RoadmapSummary{ID: r.GetId(), Title: r.GetTitle(), OwnerName: r.GetOwner().GetName(),
		OwnerKind: OwnerKind(r.GetOwner().GetKind()), PeriodStart: day(r.GetPeriodStart()), PeriodEnd: day(r.GetPeriodEnd())}
}

func progressView(p *roadmapv1.Progress) ProgressView {
	return ProgressView{Total: int(p.GetTotal()), Due: int(p.GetDue()), Done: int(p.GetDone()), Overdue: int(p.GetOverdue())}
}

// roadmapView maps a roadmap; enum values are numbered as in the proto.
func roadmapView(r *roadmapv1.Roadmap) RoadmapView {
	v := RoadmapView{ID: r.GetId(), Title: r.GetTitle(), Goal: r.GetGoal(), OwnerName: r.GetOwner().GetName(),
		OwnerKind: OwnerKind(r.GetOwner().GetKind()), OrganisationID: r.GetOwner().GetOrganisationId(),
		MunicipalityID: r.GetOwner().GetMunicipalityId(), TimeZone: r.GetOwner().GetTimeZone(),
		PeriodStart: day(r.GetPeriodStart()), PeriodEnd: day(r.GetPeriodEnd()), Version: r.GetVersion(),
		Progress: progressView(r.GetProgress())}
	for _, t := range r.GetTargets() {
		v.Targets = append(v.Targets, TargetView{Year: int(t.GetYear()), Percent: int(t.GetPercent())})
	}
	for _, s := range r.GetStages() {
		sv := StageView{ID: s.GetId(), Number: int(s.GetNumber()), Title: s.GetTitle(), Task: s.GetTask(), Result: s.GetResult(),
			Progress: progressView(s.GetProgress())}
		for _, it := range s.GetItems() {
			iv := ItemView{ID: it.GetId(), StageID: s.GetId(), Number: it.GetNumber(), Depth: int(it.GetDepth()),
				Measure: it.GetMeasure(), ResultForm: it.GetResultForm(), DeadlineText: it.GetDeadlineText(),
				Responsible: it.GetResponsible(), HandedDown: it.GetSourceItemId() != ""}
			iv.Schedule, iv.Understood, iv.NotUnderstood = scheduleRU(it.GetSchedule())
			for _, o := range it.GetOccurrences() {
				iv.Occurrences = append(iv.Occurrences, OccurrenceView{Year: int(o.GetYear()), Start: day(o.GetStart()),
					Due: day(o.GetDue()), State: OccurrenceState(o.GetState()), DoneOn: day(o.GetDoneOn()), DoneBy: o.GetDoneBy(),
					Note: o.GetNote(), Link: o.GetEvidenceUrl(), Version: o.GetVersion()})
			}
			sv.Items = append(sv.Items, iv)
		}
		v.Stages = append(v.Stages, sv)
	}
	return v
}

func importView(resp *roadmapv1.ImportRoadmapResponse) ImportView {
	v := ImportView{Roadmap: roadmapView(resp.GetRoadmap()), Saved: resp.GetSaved(), NotUnderstood: resp.GetDeadlinesNotUnderstood(),
		ProposedStart: day(resp.GetProposedPeriodStart()), ProposedEnd: day(resp.GetProposedPeriodEnd()),
		PeriodReason: resp.GetPeriodReason().GetLocalizedMessage(), DocumentOwner: resp.GetDocumentOwner()}
	for _, c := range resp.GetColumnReport() {
		v.Columns = append(v.Columns, ImportColumnView{Column: int(c.GetColumn()), Header: c.GetHeader(), Field: ImportField(c.GetField()),
			ByHand:    c.GetSource() == roadmapv1.ImportColumnSource_IMPORT_COLUMN_SOURCE_MAPPING,
			ByContent: c.GetSource() == roadmapv1.ImportColumnSource_IMPORT_COLUMN_SOURCE_CONTENT})
	}
	for _, row := range resp.GetRows() {
		var notes []string // the service's Russian, note by note
		for _, n := range row.GetNotes() {
			notes = append(notes, n.GetLocalizedMessage())
		}
		v.Rows = append(v.Rows, ImportRow{Row: int(row.GetRow()), Outcome: ImportOutcome(row.GetOutcome()), Ref: row.GetRef(),
			Note: strings.Join(notes, "; ")})
	}
	return v
}

// scheduleRU says in Russian words what was understood from a deadline
// («ежегодно до 15 декабря; до 31 марта 2022 г.»), whether all of it was,
// and if not, what was not («не понято: …»).
func scheduleRU(s *roadmapv1.Schedule) (text string, understood bool, notUnderstood string) {
	var parts []string
	for _, r := range s.GetRules() {
		if p := ruleRU(r); p != "" {
			parts = append(parts, p)
		}
	}
	text = strings.Join(parts, "; ")
	if s.GetUnderstood() {
		return text, true, ""
	}
	return text, false, "не понято: " + deadlineNoteRU(s.GetNote())
}

func ruleRU(r *roadmapv1.ScheduleRule) string {
	switch r.GetKind() {
	case roadmapv1.RuleKind_RULE_KIND_ONCE:
		return windowRU(day(r.GetStart()), day(r.GetEnd()))
	case roadmapv1.RuleKind_RULE_KIND_YEARLY:
		return "ежегодно " + yearlyRU(r) + yearsRU(int(r.GetFirstYear()), int(r.GetLastYear()))
	case roadmapv1.RuleKind_RULE_KIND_CONTINUOUS:
		return "в течение всего периода"
	case roadmapv1.RuleKind_RULE_KIND_MONTHLY:
		return "ежемесячно"
	case roadmapv1.RuleKind_RULE_KIND_AS_NEEDED:
		return "по мере необходимости"
	}
	return ""
}

var monthsPrepositional = [...]string{"январе", "феврале", "марте", "апреле", "мае", "июне", "июле",
	"августе", "сентябре", "октябре", "ноябре", "декабре"}

func lastDay(y int, m time.Month) int { return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day() }

// windowRU words a one-off window: «до 31 марта 2022 г.», «в ноябре 2020 г.»,
// «с 1 марта по 30 апреля 2022 г.».
func windowRU(start, end time.Time) string {
	switch {
	case end.IsZero():
		return ""
	case start.IsZero():
		return "до " + DateRU(end)
	case start.Equal(end):
		return DateRU(end)
	case start.Day() == 1 && end.Day() == lastDay(end.Year(), end.Month()) && start.Year() == end.Year() && start.Month() == end.Month():
		return fmt.Sprintf("в %s %d г.", monthsPrepositional[end.Month()-1], end.Year())
	case start.Year() == end.Year():
		return fmt.Sprintf("с %d %s по %s", start.Day(), russian.MonthGenitive(start.Month()), DateRU(end))
	}
	return "с " + DateRU(start) + " по " + DateRU(end)
}

// yearlyRU words a yearly window: «до 15 декабря», «в мае», «с 1 августа по
// 30 сентября»; the whole year says nothing more.
func yearlyRU(r *roadmapv1.ScheduleRule) string {
	fm, fd, tm, td := time.Month(r.GetFromMonth()), int(r.GetFromDay()), time.Month(r.GetToMonth()), int(r.GetToDay())
	if fm < time.January || fm > time.December || tm < time.January || tm > time.December {
		return ""
	}
	switch {
	case fm == time.January && fd == 1 && tm == time.December && td == 31:
		return "в течение года"
	case fm == tm && fd == 1 && td >= lastDay(2001, tm):
		return "в " + monthsPrepositional[tm-1]
	case fm == time.January && fd == 1:
		return fmt.Sprintf("до %d %s", td, russian.MonthGenitive(tm))
	}
	return fmt.Sprintf("с %d %s по %d %s", fd, russian.MonthGenitive(fm), td, russian.MonthGenitive(tm))
}

func yearsRU(first, last int) string {
	switch {
	case first != 0 && last != 0 && first == last:
		return fmt.Sprintf(" (в %d г.)", first)
	case first != 0 && last != 0:
		return fmt.Sprintf(" (%d–%d гг.)", first, last)
	case first != 0:
		return fmt.Sprintf(" (начиная с %d г.)", first)
	case last != 0:
		return fmt.Sprintf(" (по %d г.)", last)
	}
	return ""
}

// deadlineNotes are the parser's other notes in Russian.
var deadlineNotes = map[string]string{
	"a part of a period without the period":                  "часть периода названа без самого периода",
	"a part of several school years":                         "часть периода из нескольких учебных лет",
	"this part of the period is not understood":              "непонятно, какая часть периода",
	"a day of the month for a weekly deadline":               "число месяца у еженедельного срока",
	"months for a recurrence other than monthly":             "месяцы названы у повторения, которое не ежемесячное",
	"a start without its year in a roadmap of several years": "начало без года в дорожной карте на несколько лет",
	"the span ends before it starts":                         "период заканчивается раньше, чем начинается",
	"a day of the month without the month":                   "число названо без месяца",
	"«the month after» without a recurrence":                 "«следующий месяц» без повторения",
	"«the current year» in a roadmap of several years":       "«текущий год» в дорожной карте на несколько лет",
}

// deadlineNoteRU puts the deadline parser's note in Russian: the words it
// did not understand are quoted as they were written.
func deadlineNoteRU(note string) string {
	var out []string
	for _, p := range strings.Split(note, "; ") {
		switch {
		case p == "":
		case p == "the deadline is empty":
			out = append(out, "срок не указан")
		case p == "no date, period or recurrence found":
			out = append(out, "не найдено ни даты, ни периода, ни повторения")
		case p == "not a real date":
			out = append(out, "такой даты нет в календаре")
		case p == "the years run backwards":
			out = append(out, "годы указаны в обратном порядке")
		case deadlineNotes[p] != "":
			out = append(out, deadlineNotes[p])
		case strings.HasPrefix(p, "words not understood: "):
			out = append(out, "непонятные слова "+strings.TrimPrefix(p, "words not understood: "))
		default:
			out = append(out, "проверьте формулировку срока")
		}
	}
	if len(out) == 0 {
		return "проверьте формулировку срока"
	}
	return strings.Join(out, "; ")
}
