package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

func date(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestRoadmapScheduleInRussianWords(t *testing.T) {
	once := func(start, end string) *roadmapv1.ScheduleRule {
		return &roadmapv1.ScheduleRule{Kind: roadmapv1.RuleKind_RULE_KIND_ONCE, Start: start, End: end}
	}
	yearly := func(fm, fd, tm, td, first, last int32) *roadmapv1.ScheduleRule {
		return &roadmapv1.ScheduleRule{Kind: roadmapv1.RuleKind_RULE_KIND_YEARLY, FromMonth: fm, FromDay: fd, ToMonth: tm, ToDay: td,
			FirstYear: first, LastYear: last}
	}
	for _, c := range []struct {
		rules []*roadmapv1.ScheduleRule
		want  string
	}{
		{[]*roadmapv1.ScheduleRule{yearly(1, 1, 12, 15, 0, 0)}, "ежегодно до 15 декабря"},
		{[]*roadmapv1.ScheduleRule{once("", "2022-03-31")}, "до 31 марта 2022 г."},
		{[]*roadmapv1.ScheduleRule{once("2020-11-01", "2020-11-30")}, "в ноябре 2020 г."},
		{[]*roadmapv1.ScheduleRule{once("2024-02-01", "2024-02-29")}, "в феврале 2024 г."},
		{[]*roadmapv1.ScheduleRule{once("2022-03-01", "2022-04-30")}, "с 1 марта по 30 апреля 2022 г."},
		{[]*roadmapv1.ScheduleRule{once("2021-12-01", "2022-01-31")}, "с 1 декабря 2021 г. по 31 января 2022 г."},
		{[]*roadmapv1.ScheduleRule{once("2022-05-20", "2022-05-20")}, "20 мая 2022 г."},
		{[]*roadmapv1.ScheduleRule{yearly(5, 1, 5, 31, 0, 0)}, "ежегодно в мае"},
		{[]*roadmapv1.ScheduleRule{yearly(2, 1, 2, 28, 0, 0)}, "ежегодно в феврале"},
		{[]*roadmapv1.ScheduleRule{yearly(8, 1, 9, 30, 0, 0)}, "ежегодно с 1 августа по 30 сентября"},
		{[]*roadmapv1.ScheduleRule{yearly(1, 1, 12, 31, 0, 0)}, "ежегодно в течение года"},
		{[]*roadmapv1.ScheduleRule{yearly(1, 1, 1, 31, 2022, 0)}, "ежегодно в январе (начиная с 2022 г.)"},
		{[]*roadmapv1.ScheduleRule{yearly(1, 1, 7, 1, 2022, 2024)}, "ежегодно до 1 июля (2022–2024 гг.)"},
		{[]*roadmapv1.ScheduleRule{{Kind: roadmapv1.RuleKind_RULE_KIND_CONTINUOUS}}, "в течение всего периода"},
		{[]*roadmapv1.ScheduleRule{{Kind: roadmapv1.RuleKind_RULE_KIND_MONTHLY}}, "ежемесячно"},
		{[]*roadmapv1.ScheduleRule{{Kind: roadmapv1.RuleKind_RULE_KIND_AS_NEEDED}}, "по мере необходимости"},
		{[]*roadmapv1.ScheduleRule{once("2022-05-01", "2022-05-31"), yearly(1, 1, 12, 15, 0, 0)}, "в мае 2022 г.; ежегодно до 15 декабря"},
	} {
		got, understood, not := scheduleRU(&roadmapv1.Schedule{Rules: c.rules, Understood: true})
		if got != c.want || !understood || not != "" {
			t.Errorf("%v: %q %v %q, want %q", c.rules, got, understood, not, c.want)
		}
	}
	for note, want := range map[string]string{
		"the deadline is empty":                    "не понято: срок не указан",
		"words not understood: «квартал», «уч»":    "не понято: непонятные слова «квартал», «уч»",
		"no date, period or recurrence found":      "не понято: не найдено ни даты, ни периода, ни повторения",
		"not a real date; the years run backwards": "не понято: такой даты нет в календаре; годы указаны в обратном порядке",
		"something the gateway has never heard of": "не понято: проверьте формулировку срока",
		"": "не понято: проверьте формулировку срока",
	} {
		_, understood, got := scheduleRU(&roadmapv1.Schedule{Note: note})
		if understood || got != want {
			t.Errorf("note %q: %v %q, want %q", note, understood, got, want)
		}
	}
}

func TestRoadmapOverdueText(t *testing.T) {
	ref := date("2022-03-31")
	for due, want := range map[string]string{
		"2022-03-30": "просрочено на 1 день",
		"2022-03-28": "просрочено на 3 дня",
		"2022-03-26": "просрочено на 5 дней",
		"2022-03-10": "просрочено на 21 день",
		"2021-03-31": "просрочено на 365 дней",
	} {
		if got := OverdueText(date(due), ref); got != want {
			t.Errorf("due %s: %q, want %q", due, got, want)
		}
	}
	// Today in the school's zone: 23:30 UTC on 31 March is 1 April in Krasnoyarsk.
	if got := today(time.Date(2022, 3, 31, 23, 30, 0, 0, time.UTC), "Asia/Krasnoyarsk"); got != date("2022-04-01") {
		t.Errorf("today in Krasnoyarsk: %v", got)
	}
	if got := today(time.Date(2022, 3, 31, 23, 30, 0, 0, time.UTC), "Europe/Kaliningrad"); got != date("2022-04-01") {
		t.Errorf("today in Kaliningrad: %v", got)
	}
	if got := today(time.Date(2022, 3, 31, 21, 30, 0, 0, time.UTC), "Europe/Kaliningrad"); got != date("2022-03-31") {
		t.Errorf("today in Kaliningrad before midnight: %v", got)
	}
}

func TestRoadmapViewMapping(t *testing.T) {
	r := &roadmapv1.Roadmap{Id: "r1", Title: "ДК", Goal: "Цель", Version: 7, PeriodStart: "2022-01-01", PeriodEnd: "2022-12-31",
		Owner: &roadmapv1.Owner{Kind: roadmapv1.OwnerKind_OWNER_KIND_ORGANISATION, OrganisationId: "o1", MunicipalityId: "m1",
			Name: "СШ № 1", TimeZone: "Asia/Krasnoyarsk"},
		Targets:  []*roadmapv1.Target{{Year: 2022, Percent: 10}},
		Progress: &roadmapv1.Progress{Total: 3, Due: 2, Done: 1, Overdue: 1},
		Stages: []*roadmapv1.Stage{{Id: "s1", Number: 1, Title: "Подготовка", Task: "Задача", Result: "Результат",
			Progress: &roadmapv1.Progress{Total: 3, Due: 2, Done: 1, Overdue: 1},
			Items: []*roadmapv1.Item{
				{Id: "i1", StageId: "s1", Number: "1.1", Depth: 1, Measure: "Положение", ResultForm: "Приказ", DeadlineText: "До 31.03.2022",
					Responsible: "Директор", Schedule: &roadmapv1.Schedule{Understood: true, Rules: []*roadmapv1.ScheduleRule{
						{Kind: roadmapv1.RuleKind_RULE_KIND_ONCE, End: "2022-03-31"}}},
					Occurrences: []*roadmapv1.ItemOccurrence{{Year: 2022, Due: "2022-03-31", State: roadmapv1.OccurrenceState_OCCURRENCE_STATE_OVERDUE}}},
				{Id: "i2", StageId: "s1", Number: "1.2", Depth: 1, Measure: "Мониторинг", DeadlineText: "Ежегодно, не позднее 15 декабря",
					SourceItemId: "municipal-item", Schedule: &roadmapv1.Schedule{Understood: true, Rules: []*roadmapv1.ScheduleRule{
						{Kind: roadmapv1.RuleKind_RULE_KIND_YEARLY, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 15}}},
					Occurrences: []*roadmapv1.ItemOccurrence{{Year: 2022, Start: "2022-01-01", Due: "2022-12-15",
						State: roadmapv1.OccurrenceState_OCCURRENCE_STATE_DONE, DoneOn: "2022-03-01", DoneBy: "curator",
						Note: "приказ № 5", EvidenceUrl: "https://school.ru/p.pdf", Version: 2}}},
				{Id: "i3", StageId: "s1", Number: "1.3", Measure: "Что-то", DeadlineText: "II квартал", Schedule: &roadmapv1.Schedule{
					Note: "words not understood: «квартал»"}},
			}}},
	}
	v := roadmapView(r)
	if v.ID != "r1" || v.Version != 7 || v.OwnerKind != OwnerOrganisation || v.OrganisationID != "o1" || v.MunicipalityID != "m1" ||
		v.TimeZone != "Asia/Krasnoyarsk" || v.PeriodStart != date("2022-01-01") || v.PeriodEnd != date("2022-12-31") ||
		v.Progress != (ProgressView{Total: 3, Due: 2, Done: 1, Overdue: 1}) || len(v.Targets) != 1 || v.Targets[0] != (TargetView{2022, 10}) {
		t.Fatalf("roadmap: %+v", v)
	}
	s := v.Stages[0]
	if s.ID != "s1" || s.Number != 1 || s.Task != "Задача" || s.Result != "Результат" || s.Progress.Overdue != 1 || len(s.Items) != 3 {
		t.Fatalf("stage: %+v", s)
	}
	i1, i2, i3 := s.Items[0], s.Items[1], s.Items[2]
	if i1.Schedule != "до 31 марта 2022 г." || !i1.Understood || i1.HandedDown || i1.ResultForm != "Приказ" || i1.Responsible != "Директор" ||
		i1.Occurrences[0].State != OccurrenceOverdue || i1.Occurrences[0].Due != date("2022-03-31") || !i1.Occurrences[0].Start.IsZero() {
		t.Errorf("1.1: %+v", i1)
	}
	o := i2.Occurrences[0]
	if !i2.HandedDown || i2.Schedule != "ежегодно до 15 декабря" || o.State != OccurrenceDone || o.DoneOn != date("2022-03-01") ||
		o.DoneBy != "curator" || o.Note != "приказ № 5" || o.Link != "https://school.ru/p.pdf" || o.Version != 2 || o.Start != date("2022-01-01") {
		t.Errorf("1.2: %+v", i2)
	}
	if i3.Understood || i3.Schedule != "" || i3.NotUnderstood != "не понято: непонятные слова «квартал»" || len(i3.Occurrences) != 0 {
		t.Errorf("1.3: %+v", i3)
	}
	// Every outcome of the import report has its Russian name.
	for o := range roadmapv1.ImportRowOutcome_name {
		if o != 0 && OutcomeRU(ImportOutcome(o)) == "—" {
			t.Errorf("outcome %d has no Russian name", o)
		}
	}
	for o := range roadmapv1.OccurrenceState_name {
		if o != 0 && OccurrenceState(o) != OccurrencePending && OccurrenceState(o) != OccurrenceDone && OccurrenceState(o) != OccurrenceOverdue {
			t.Errorf("occurrence state %d unknown", o)
		}
	}
}

func TestRoadmapItemPageShowsBegunOccurrences(t *testing.T) {
	p := ItemPage{dayCounter: dayCounter{today: date("2022-04-03")}}
	for _, o := range []OccurrenceView{
		{Start: date("2022-01-01"), Due: date("2022-01-31"), State: OccurrenceDone},
		{Start: date("2022-02-01"), Due: date("2022-02-28"), State: OccurrenceOverdue},
		{Start: date("2022-04-01"), Due: date("2022-04-30"), State: OccurrencePending},
		{Start: date("2022-05-01"), Due: date("2022-05-31"), State: OccurrencePending},
		{Start: date("2022-06-01"), Due: date("2022-06-30"), State: OccurrencePending},
		{Due: date("2022-12-31"), State: OccurrencePending},
	} {
		p.Item.Occurrences = append(p.Item.Occurrences, o)
	}
	var shown, later []string
	for _, o := range p.Shown() {
		shown = append(shown, o.Due.Format("01"))
	}
	for _, o := range p.Later() {
		later = append(later, o.Due.Format("01"))
	}
	if fmt.Sprint(shown) != "[01 02 04 05 12]" || fmt.Sprint(later) != "[06]" {
		t.Errorf("shown %v, later %v", shown, later)
	}
}

func TestRoadmapItemStatus(t *testing.T) {
	d := dayCounter{today: date("2022-04-03")}
	var it ItemView
	for i, st := range []OccurrenceState{OccurrenceDone, OccurrenceOverdue, OccurrenceOverdue, OccurrenceOverdue, OccurrenceOverdue, OccurrencePending, OccurrencePending} {
		it.Occurrences = append(it.Occurrences, OccurrenceView{Due: date("2022-01-01").AddDate(0, i, 0), State: st})
	}
	s := d.Status(it)
	if s.Single != nil || s.Total != 7 || s.Done != 1 || len(s.Overdue) != 3 || s.MoreOverdue != 1 || s.Next == nil || s.Next.Due != date("2022-06-01") {
		t.Errorf("status %+v", s)
	}
	if !d.Pending(it) || d.Pending(ItemView{Occurrences: []OccurrenceView{{State: OccurrenceDone}}}) {
		t.Error("pending")
	}
	if w := d.Window(OccurrenceView{Start: date("2022-03-01"), Due: date("2022-04-30")}); w != "с 1 марта по 30 апреля 2022 г." {
		t.Errorf("window %q", w)
	}
	if w := d.Window(OccurrenceView{Due: date("2022-04-30")}); w != "до 30 апреля 2022 г." {
		t.Errorf("window %q", w)
	}
}

func zipWith(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("<x/>"))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestRoadmapDetectFormat(t *testing.T) {
	tsv := "№\tМероприятия\tСроки\n1\tПодготовка\t\n"
	// «Подготовка» in Windows-1251, as Excel saves tab-separated text.
	cp1251 := []byte("1\t\xcf\xee\xe4\xe3\xee\xf2\xee\xe2\xea\xe0\t\xc4\xee 31.03.2022\n")
	for _, c := range []struct {
		name    string
		content []byte
		format  ImportFormat
		text    string
		problem string
	}{
		{"dk.docx", zipWith(t, "word/document.xml"), ImportDOCX, "", ""},
		{"dk.xlsx", zipWith(t, "xl/workbook.xml"), ImportXLSX, "", ""},
		{"без расширения", zipWith(t, "xl/workbook.xml"), ImportXLSX, "", ""},
		{"dk.docx", zipWith(t, "mimetype"), 0, "", "Это не документ Word"},
		{"dk.tsv", []byte(tsv), ImportTSV, tsv, ""},
		{"dk.txt", append([]byte("\xef\xbb\xbf"), tsv...), ImportTSV, tsv, ""},
		{"dk.txt", cp1251, ImportTSV, "1\tПодготовка\tДо 31.03.2022\n", ""},
		{"dk.txt", []byte("одна колонка\nбез табуляций\n"), 0, "", "нет табуляций"},
		{"dk.pdf", []byte("%PDF-1.4"), 0, "", "PDF не читается"},
		{"dk.doc", []byte("\xd0\xcf\x11\xe0"), 0, "", "сохраните как DOCX или XLSX"},
		{"dk.txt", nil, 0, "", "Файл пустой"},
		{"dk.txt", bytes.Repeat([]byte("\t"), maxImportFile+1), 0, "", "больше 4 МБ"},
	} {
		f, content, problem := detectFormat(c.name, c.content)
		if f != c.format || (c.text != "" && string(content) != c.text) || !strings.Contains(problem, c.problem) || (c.problem == "") != (problem == "") {
			t.Errorf("%s %.20q: %v %.40q %q, want %v %q", c.name, c.content, f, content, problem, c.format, c.problem)
		}
	}
}

// fakeRoadmaps is a RoadmapBackend in memory that records the writes.
type fakeRoadmaps struct {
	schools   []SchoolRoadmaps
	municipal []RoadmapSummary
	roadmap   RoadmapView
	err       error // returned by the next write
	marks     []MarkInput
	moves     []string
	created   []ItemInput
	updated   []ItemInput
	imports   []ImportInput
}

func (f *fakeRoadmaps) Schools(_ context.Context, orgIDs []string) ([]SchoolRoadmaps, error) {
	var out []SchoolRoadmaps
	for _, s := range f.schools {
		for _, id := range orgIDs {
			if s.OrgID == id {
				out = append(out, s)
			}
		}
	}
	return out, nil
}

func (f *fakeRoadmaps) MunicipalityRoadmaps(context.Context, []string) ([]RoadmapSummary, error) {
	return f.municipal, nil
}

func (f *fakeRoadmaps) MunicipalOwners(_ context.Context, munIDs []string) ([]SchoolRoadmaps, error) {
	var out []SchoolRoadmaps
	for _, id := range munIDs {
		out = append(out, SchoolRoadmaps{OrgID: id, OrgName: "Муниципалитет", Municipal: true})
	}
	return out, nil
}

func (f *fakeRoadmaps) Roadmap(_ context.Context, id string) (RoadmapView, error) {
	if id != f.roadmap.ID {
		return RoadmapView{}, status.Error(codes.NotFound, "no roadmap")
	}
	return f.roadmap, nil
}

func (f *fakeRoadmaps) write() error {
	err := f.err
	f.err = nil
	return err
}

func (f *fakeRoadmaps) MarkOccurrence(_ context.Context, m MarkInput) error {
	if err := f.write(); err != nil {
		return err
	}
	f.marks = append(f.marks, m)
	return nil
}

func (f *fakeRoadmaps) CreateItem(_ context.Context, stageID string, version int64, in ItemInput) (string, error) {
	if err := f.write(); err != nil {
		return "", err
	}
	f.created = append(f.created, in)
	return "new-item", nil
}

func (f *fakeRoadmaps) UpdateItem(_ context.Context, itemID string, version int64, in ItemInput) error {
	if err := f.write(); err != nil {
		return err
	}
	f.updated = append(f.updated, in)
	return nil
}

func (f *fakeRoadmaps) MoveItem(_ context.Context, itemID string, version int64, stageID string, position, depth int) error {
	if err := f.write(); err != nil {
		return err
	}
	f.moves = append(f.moves, fmt.Sprintf("%s v%d %s @%d d%d", itemID, version, stageID, position, depth))
	return nil
}

func (f *fakeRoadmaps) ImportRoadmap(_ context.Context, in ImportInput) (ImportView, error) {
	if err := f.write(); err != nil {
		return ImportView{}, err
	}
	f.imports = append(f.imports, in)
	v := ImportView{Roadmap: f.roadmap, Saved: !in.DryRun, NotUnderstood: []string{"1.3"},
		Rows: []ImportRow{{Row: 1, Outcome: RowTitle}, {Row: 2, Outcome: RowHeader}, {Row: 3, Outcome: RowStage, Ref: "1"},
			{Row: 4, Outcome: RowItem, Ref: "1.1"}, {Row: 5, Outcome: RowMerged, Ref: "1.1"}, {Row: 6, Outcome: RowUnreadable, Note: "нет текста мероприятия"}}}
	if in.DryRun {
		v.Roadmap.ID = ""
	}
	return v, nil
}

const (
	testOrg  = "11111111-1111-1111-1111-111111111111"
	testMun  = "22222222-2222-2222-2222-222222222222"
	testCSRF = "csrf-token-of-the-session"
)

// testRoadmap is a school's roadmap as of 3 April 2022 in Krasnoyarsk.
func testRoadmap() RoadmapView {
	return RoadmapView{ID: "rm-1", Title: "Дорожная карта СШ № 1", OwnerName: "СШ № 1", OwnerKind: OwnerOrganisation,
		OrganisationID: testOrg, MunicipalityID: testMun, TimeZone: "Asia/Krasnoyarsk", Version: 4,
		PeriodStart: date("2022-01-01"), PeriodEnd: date("2022-12-31"), Progress: ProgressView{Total: 3, Due: 2, Done: 1, Overdue: 1},
		Stages: []StageView{{ID: "st-1", Number: 1, Title: "Подготовка условий", Progress: ProgressView{Total: 3, Due: 2, Done: 1, Overdue: 1},
			Items: []ItemView{
				{ID: "it-1", StageID: "st-1", Number: "1.1", Depth: 1, Measure: "Разработать положение о наставничестве",
					DeadlineText: "До 31.03.2022", Schedule: "до 31 марта 2022 г.", Understood: true, Responsible: "Заместитель директора",
					Occurrences: []OccurrenceView{{Year: 2022, Due: date("2022-03-31"), State: OccurrenceOverdue}}},
				{ID: "it-2", StageID: "st-1", Number: "1.2", Depth: 1, Measure: "Мониторинг программы наставничества",
					DeadlineText: "Ежегодно, не позднее 15 декабря", Schedule: "ежегодно до 15 декабря", Understood: true, HandedDown: true,
					Occurrences: []OccurrenceView{{Year: 2022, Start: date("2022-01-01"), Due: date("2022-12-15"), State: OccurrenceDone,
						DoneOn: date("2022-03-01"), DoneBy: "curator", Note: "приказ № 5", Link: "https://school.ru/p.pdf", Version: 2}}},
				{ID: "it-3", StageID: "st-1", Number: "1.3", Depth: 1, Measure: "Сформировать базу наставников", DeadlineText: "II квартал",
					NotUnderstood: "не понято: непонятные слова «квартал»",
					Occurrences:   []OccurrenceView{{Year: 2022, Due: date("2022-06-30"), State: OccurrencePending}}},
			}}},
	}
}

func testPages(t *testing.T, be *fakeRoadmaps) http.Handler {
	t.Helper()
	signer, err := identity.NewSigner([]byte("nastavnik-web-test-identity-key-0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Deps{Logger: slog.New(slog.DiscardHandler), Auth: &auth.Authenticator{Signer: signer}, Roadmap: be})
	if err != nil {
		t.Fatal(err)
	}
	p.now = func() time.Time { return time.Date(2022, 4, 3, 3, 0, 0, 0, time.UTC) } // 10:00 in Krasnoyarsk
	return p.Handler()
}

// as signs the request in: a curator of testOrg, a methodologist of testMun,
// or both.
func as(r *http.Request, roles ...identity.Role) *http.Request {
	c := auth.Caller{Principal: identity.Principal{AccountID: "acc", Login: "person"}, CSRF: testCSRF}
	for _, role := range roles {
		b := identity.Binding{Role: role, Region: "24", Municipality: testMun}
		if role == identity.Curator {
			b.Organisation = testOrg
		}
		c.Principal.Bindings = append(c.Principal.Bindings, b)
	}
	return r.WithContext(context.WithValue(r.Context(), sessionKey{}, session{Caller: c, all: c.Principal.Bindings}))
}

type response struct {
	code     int
	body     string
	location string
}

func serve(h http.Handler, r *http.Request) response {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	return response{rec.Code, rec.Body.String(), rec.Header().Get("Location")}
}

func getAs(h http.Handler, path string, roles ...identity.Role) response {
	return serve(h, as(httptest.NewRequest("GET", path, nil), roles...))
}

func post(h http.Handler, path string, form url.Values, roles ...identity.Role) response {
	if form.Get("csrf_token") == "" {
		form.Set("csrf_token", testCSRF)
	}
	r := httptest.NewRequest("POST", path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return serve(h, as(r, roles...))
}

var tags = regexp.MustCompile(`<[^>]*>`)

// visible is the page's text without tags, spaces collapsed.
func (r response) visible() string {
	return strings.Join(strings.Fields(tags.ReplaceAllString(r.body, " ")), " ")
}

func (r response) check(t *testing.T, code int, want ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("status %d, want %d: %s", r.code, code, r.visible())
	}
	for _, bad := range []string{"<no value>", "ZgotmplZ", "%!", "г.."} { // г..: a full stop after a date
		if strings.Contains(r.body, bad) {
			t.Errorf("page has %q", bad)
		}
	}
	text := r.visible()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("page lacks %q:\n%s", w, text)
		}
	}
}

func TestRoadmapPage(t *testing.T) {
	be := &fakeRoadmaps{roadmap: testRoadmap(),
		schools: []SchoolRoadmaps{{OrgID: testOrg, OrgName: "СШ № 1", Roadmaps: []RoadmapSummary{{ID: "rm-1", Title: "Дорожная карта СШ № 1"}}}}}
	h := testPages(t, be)
	// One school, one roadmap: /roadmap is the roadmap.
	r := getAs(h, "/roadmap", identity.Curator)
	r.check(t, 200, "Дорожная карта СШ № 1", "1 января 2022 г. — 31 декабря 2022 г.", "Подготовка условий", "Выполнено 1 из 3",
		"просрочено: 1", "31 марта 2022 г. просрочено на 3 дня", "от муниципалитета", "Понято: ежегодно до 15 декабря",
		"не понято: непонятные слова «квартал»", "выполнено 1 марта 2022 г.", "до 30 июня 2022 г.", "Отметить выполнение мероприятия 1.1",
		"Добавить мероприятие в этап 1", "↓ Ниже : мероприятие 1.1", "↑ Выше : мероприятие 1.3")
	if !strings.Contains(r.body, `<tr id="item-it-1" class="overdue">`) || !strings.Contains(r.body, `aria-current="page">Дорожная карта`) {
		t.Error("overdue row or navigation not marked")
	}
	if v := r.visible(); strings.Contains(v, "Выше : мероприятие 1.1") || strings.Contains(v, "Ниже : мероприятие 1.3") {
		t.Error("the first item moves up or the last down")
	}
	// A methodologist of the municipality looks at it: nothing to change.
	m := getAs(h, "/roadmap/rm-1", identity.Methodologist)
	m.check(t, 200, "Дорожная карта СШ № 1", "просрочено на 3 дня")
	for _, s := range []string{"/move", "Отметить выполнение", "Добавить мероприятие", "<form method=\"post\" action=\"/roadmap"} {
		if strings.Contains(m.body, s) {
			t.Errorf("methodologist's page has %q", s)
		}
	}
	// …but cannot change it, nor can others open it.
	post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"due": {"2022-03-31"}, "done": {"yes"}}, identity.Methodologist).check(t, 403)
	getAs(h, "/roadmap/rm-1", identity.Regional).check(t, 403, "Нет доступа")
	getAs(h, "/roadmap/other", identity.Curator).check(t, 404)
	if r := serve(h, httptest.NewRequest("GET", "/roadmap", nil)); r.code != 303 || !strings.HasPrefix(r.location, "/login") {
		t.Errorf("anonymous: %d %s", r.code, r.location)
	}
}

func TestRoadmapChooseOrImport(t *testing.T) {
	be := &fakeRoadmaps{roadmap: testRoadmap(), schools: []SchoolRoadmaps{{OrgID: testOrg, OrgName: "СШ № 1"}}}
	h := testPages(t, be)
	// No roadmap yet: the explanation and the import form.
	r := getAs(h, "/roadmap", identity.Curator)
	r.check(t, 200, "Дорожной карты вашей школы в Наставнике пока нет", "Файл дорожной карты", "Прочитать файл")
	if !strings.Contains(r.body, `enctype="multipart/form-data"`) || !strings.Contains(r.body, `name="csrf_token" value="`+testCSRF) {
		t.Error("import form is not multipart with the CSRF field")
	}
	// Two roadmaps (two periods): a list to choose from.
	be.schools[0].Roadmaps = []RoadmapSummary{{ID: "rm-1", Title: "ДК 2022", PeriodStart: date("2022-01-01"), PeriodEnd: date("2022-12-31")},
		{ID: "rm-0", Title: "ДК 2020–2021", PeriodStart: date("2020-09-01"), PeriodEnd: date("2021-08-31")}}
	getAs(h, "/roadmap", identity.Curator).check(t, 200, "СШ № 1", "ДК 2022 (1 января 2022 г. — 31 декабря 2022 г.)", "ДК 2020–2021",
		"Загрузить дорожную карту на другой период")
	// A methodologist: the municipality's roadmaps.
	be.municipal = []RoadmapSummary{{ID: "rm-m", Title: "ДК города", OwnerName: "г. Красноярск", OwnerKind: OwnerMunicipality},
		{ID: "rm-1", Title: "ДК 2022", OwnerName: "СШ № 1", OwnerKind: OwnerOrganisation}}
	getAs(h, "/roadmap", identity.Methodologist).check(t, 200, "г. Красноярск муниципалитет", "ДК города", "СШ № 1")
}

func TestRoadmapMarkOccurrence(t *testing.T) {
	be := &fakeRoadmaps{roadmap: testRoadmap()}
	h := testPages(t, be)
	// The item page: the form of the overdue occurrence with today's date in Krasnoyarsk.
	r := getAs(h, "/roadmap/rm-1/items/it-1", identity.Curator)
	r.check(t, 200, "Мероприятие 1.1", "Разработать положение о наставничестве", "Как понят срок до 31 марта 2022 г.",
		"Срок: до 31 марта 2022 г.", "просрочено на 3 дня", "Отметить выполненным")
	if !strings.Contains(r.body, `id="done_on-2022-03-31" name="done_on" value="2022-04-03"`) {
		t.Error("the done date is not today in the school's zone")
	}
	// Done in the future, a link that is not one: errors beside the fields, nothing sent.
	bad := post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"due": {"2022-03-31"}, "version": {"0"}, "done": {"yes"},
		"done_on": {"2022-04-05"}, "note": {"утверждено"}, "link": {"school.ru/p"}}, identity.Curator)
	bad.check(t, 400, "Исправьте 2 ошибки", "Дата выполнения не может быть позже сегодняшней", "Ссылка начинается с https://")
	if !strings.Contains(bad.body, `value="утверждено"`) || !strings.Contains(bad.body, `href="#link-2022-03-31"`) || len(be.marks) != 0 {
		t.Errorf("typed note lost, summary not linked or mark sent: %v", be.marks)
	}
	// Done with a note.
	ok := post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"due": {"2022-03-31"}, "version": {"0"}, "done": {"yes"},
		"done_on": {"2022-04-02"}, "note": {"утверждено приказом № 12"}, "link": {"https://school.ru/p.pdf"}}, identity.Curator)
	if ok.code != 303 || ok.location != "/roadmap/rm-1/items/it-1?done=marked#occ-2022-03-31" {
		t.Fatalf("mark: %d %s %s", ok.code, ok.location, ok.visible())
	}
	want := MarkInput{ItemID: "it-1", Due: date("2022-03-31"), Done: true, DoneOn: date("2022-04-02"), Note: "утверждено приказом № 12",
		Link: "https://school.ru/p.pdf"}
	if len(be.marks) != 1 || be.marks[0] != want {
		t.Errorf("marked %+v, want %+v", be.marks, want)
	}
	// Undo: the done occurrence has a confirmed undo button.
	done := getAs(h, "/roadmap/rm-1/items/it-2?done=marked", identity.Curator)
	done.check(t, 200, "Выполнение отмечено.", "выполнено 1 марта 2022 г., отметил(а) curator", "Заметка: приказ № 5", "Снять отметку")
	if !strings.Contains(done.body, `data-confirm="Снять отметку о выполнении срока 15 декабря 2022 г.?`) {
		t.Error("undo without confirmation")
	}
	post(h, "/roadmap/rm-1/items/it-2/mark", url.Values{"due": {"2022-12-15"}, "version": {"2"}, "done": {"no"}}, identity.Curator)
	if got := be.marks[len(be.marks)-1]; got.Done || got.Version != 2 || got.Due != date("2022-12-15") {
		t.Errorf("undo sent %+v", got)
	}
	// Someone marked it meanwhile: shown again with what was typed, nothing lost.
	be.err = fmt.Errorf("%w: aborted", ErrChanged)
	stale := post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"due": {"2022-03-31"}, "version": {"0"}, "done": {"yes"},
		"note": {"моя заметка"}}, identity.Curator)
	stale.check(t, 409, "Отметка не сохранена", "изменили в другой вкладке", "Вы вводили: заметка «моя заметка»")
	if !strings.Contains(stale.body, `value="моя заметка"`) {
		t.Error("typed note not kept in the form")
	}
	// The service's own check names the field.
	be.err = (badRequest("done_on", "must not be in the future"))
	post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"due": {"2022-03-31"}, "done": {"yes"}}, identity.Curator).
		check(t, 400, "Дата выполнения не может быть позже сегодняшней")
	// No CSRF token, an occurrence that does not exist.
	post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"csrf_token": {"forged"}, "due": {"2022-03-31"}, "done": {"yes"}}, identity.Curator).
		check(t, 403, "Форма устарела")
	post(h, "/roadmap/rm-1/items/it-1/mark", url.Values{"due": {"2022-03-30"}, "done": {"yes"}}, identity.Curator).check(t, 400)
}

func badRequest(field, msg string) error {
	st, err := status.New(codes.InvalidArgument, "invalid").WithDetails(&errdetails.BadRequest{
		FieldViolations: []*errdetails.BadRequest_FieldViolation{{Field: field, Description: "in English",
			LocalizedMessage: &errdetails.LocalizedMessage{Locale: "ru-RU", Message: msg}}}})
	if err != nil {
		panic(err)
	}
	return st.Err()
}

func TestRoadmapEditAndMoveItems(t *testing.T) {
	be := &fakeRoadmaps{roadmap: testRoadmap()}
	h := testPages(t, be)
	getAs(h, "/roadmap/rm-1/items/new?stage=st-1", identity.Curator).check(t, 200, "Новое мероприятие", "Этап", "Срок", "Сохранить")
	getAs(h, "/roadmap/rm-1/items/it-1/edit", identity.Curator).check(t, 200, "Изменить мероприятие 1.1")
	// Empty measure: the error beside the field and in the summary.
	r := post(h, "/roadmap/rm-1/items/new", url.Values{"version": {"4"}, "stage": {"st-1"}, "measure": {"  "}, "deadline_text": {"До 01.09.2022"}}, identity.Curator)
	r.check(t, 400, "Исправьте 1 ошибку", "Введите, что нужно сделать")
	if !strings.Contains(r.body, `href="#measure"`) || !strings.Contains(r.body, `value="До 01.09.2022"`) || len(be.created) != 0 {
		t.Error("summary not linked to the field, typed deadline lost, or created")
	}
	// The service names a field.
	be.err = (badRequest("item.deadline_text", "must be at most 500 characters"))
	post(h, "/roadmap/rm-1/items/new", url.Values{"version": {"4"}, "stage": {"st-1"}, "measure": {"Новое"}}, identity.Curator).
		check(t, 400, "Срок: проверьте значение")
	// Saved.
	ok := post(h, "/roadmap/rm-1/items/new", url.Values{"version": {"4"}, "stage": {"st-1"}, "measure": {"Новое"}, "responsible": {"Куратор"}}, identity.Curator)
	if ok.code != 303 || ok.location != "/roadmap/rm-1/items/new-item?done=saved" || be.created[0] != (ItemInput{Measure: "Новое", Responsible: "Куратор"}) {
		t.Errorf("create: %d %s %+v", ok.code, ok.location, be.created)
	}
	// Stale version: the values stay.
	be.err = fmt.Errorf("%w: aborted", ErrChanged)
	st := post(h, "/roadmap/rm-1/items/it-1/edit", url.Values{"version": {"3"}, "stage": {"st-1"}, "measure": {"Моя формулировка"}}, identity.Curator)
	st.check(t, 409, "Мероприятие не сохранено", "Ничего не потеряно")
	if !strings.Contains(st.body, ">Моя формулировка</textarea>") || !strings.Contains(st.body, `name="version" value="4"`) {
		t.Error("typed measure or the current version missing")
	}
	// Move: 1.2 up is position 1, 1.1 down is position 2 (1-based, after taking it out).
	for _, c := range []struct{ item, dir, want string }{{"it-2", "up", "it-2 v4 st-1 @1 d1"}, {"it-1", "down", "it-1 v4 st-1 @2 d1"}} {
		r := post(h, "/roadmap/rm-1/items/"+c.item+"/move", url.Values{"version": {"4"}, "dir": {c.dir}}, identity.Curator)
		if r.code != 303 || be.moves[len(be.moves)-1] != c.want {
			t.Errorf("move %s %s: %d %v", c.item, c.dir, r.code, be.moves)
		}
	}
	n := len(be.moves)
	post(h, "/roadmap/rm-1/items/it-3/move", url.Values{"version": {"4"}, "dir": {"down"}}, identity.Curator)
	if len(be.moves) != n {
		t.Error("the last item moved down")
	}
	be.err = fmt.Errorf("%w: aborted", ErrChanged)
	post(h, "/roadmap/rm-1/items/it-2/move", url.Values{"version": {"3"}, "dir": {"up"}}, identity.Curator).
		check(t, 409, "порядок не изменён")
}

// multipartPost sends a multipart form with a file.
func multipartPost(t *testing.T, h http.Handler, path string, fields map[string]string, fileName string, content []byte) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		_ = mw.WriteField(k, v)
	}
	if fileName != "" {
		fw, err := mw.CreateFormFile("file", fileName)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = fw.Write(content)
	}
	_ = mw.Close()
	r := httptest.NewRequest("POST", path, &buf)
	r.Header.Set("Content-Type", mw.FormDataContentType())
	return serve(h, as(r, identity.Curator))
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

func TestRoadmapImportPreviewThenConfirm(t *testing.T) {
	be := &fakeRoadmaps{roadmap: testRoadmap(), schools: []SchoolRoadmaps{{OrgID: testOrg, OrgName: "СШ № 1"}}}
	h := testPages(t, be)
	tsv := []byte("Дорожная карта\n№\tМероприятия\tСроки\tОтветственные\n1\tПодготовка\t\t\n1.1\tПоложение\tДо 31.03.2022\tДиректор\n")
	// No file, a period with one end: errors beside the fields.
	r := multipartPost(t, h, "/roadmap/import", map[string]string{"csrf_token": testCSRF, "organisation": testOrg, "period_start": "2022-01-01"}, "", nil)
	r.check(t, 400, "Исправьте 2 ошибки", "Выберите файл дорожной карты", "Укажите обе даты периода или ни одной")
	// A multipart form without the CSRF token is refused.
	multipartPost(t, h, "/roadmap/import", map[string]string{"organisation": testOrg}, "dk.tsv", tsv).check(t, 403)
	// The preview: what was found and every row.
	pv := multipartPost(t, h, "/roadmap/import", map[string]string{"csrf_token": testCSRF, "organisation": testOrg,
		"period_start": "2022-01-01", "period_end": "2022-12-31"}, "dk.tsv", tsv)
	pv.check(t, 200, "Проверьте дорожную карту перед сохранением", "«dk.tsv»", "Пока ничего не сохранено", "1 этап, 3 мероприятия",
		"не прочитано: 1", "Не понят срок у 1 мероприятия", "Что стало с каждой строкой файла", "4 мероприятие 1.1",
		"5 продолжение предыдущей строки 1.1", "6 не прочитана нет текста мероприятия", "Сохранить дорожную карту")
	if len(be.imports) != 1 || !be.imports[0].DryRun || be.imports[0].Format != ImportTSV || !bytes.Equal(be.imports[0].Content, tsv) ||
		be.imports[0].PeriodStart != date("2022-01-01") || be.imports[0].RequestID == "" {
		t.Fatalf("dry run: %+v", be.imports)
	}
	// Confirm with the hidden fields of the preview, as the browser sends them.
	fields := map[string]string{}
	for _, m := range hiddenField.FindAllStringSubmatch(pv.body, -1) {
		fields[m[1]] = strings.ReplaceAll(m[2], "&#43;", "+")
	}
	if fields["content"] != base64.StdEncoding.EncodeToString(tsv) || fields["format"] != "tsv" {
		t.Fatalf("hidden fields %v", fields)
	}
	// The period is shown for the person to confirm, in date inputs.
	for name, v := range map[string]string{"period_start": "2022-01-01", "period_end": "2022-12-31"} {
		if !strings.Contains(pv.body, `name="`+name+`" value="`+v+`"`) {
			t.Fatalf("the preview does not show %s = %s", name, v)
		}
		fields[name] = v
	}
	// Read again with a column placed by hand: another dry run, with the mapping.
	again := map[string]string{"reread": "1", "column_3": "5", "column_9": "5", "column_2": "nonsense"}
	for k, v := range fields {
		again[k] = v
	}
	multipartPost(t, h, "/roadmap/import/confirm", again, "", nil).check(t, 200, "Проверьте дорожную карту перед сохранением")
	if n := len(be.imports); n != 2 || !be.imports[1].DryRun || fmt.Sprint(be.imports[1].Columns) != "[{3 5} {9 5}]" {
		t.Fatalf("reread: %+v", be.imports[n-1])
	}
	be.imports = be.imports[:1]
	c := multipartPost(t, h, "/roadmap/import/confirm", fields, "", nil)
	if c.code != 303 || c.location != "/roadmap/rm-1?done=imported" {
		t.Fatalf("confirm: %d %s %s", c.code, c.location, c.visible())
	}
	saved := be.imports[1]
	if saved.DryRun || !bytes.Equal(saved.Content, tsv) || saved.RequestID != be.imports[0].RequestID || saved.PeriodEnd != date("2022-12-31") || saved.OrgID != testOrg {
		t.Errorf("saved %+v", saved)
	}
	getAs(h, "/roadmap/rm-1?done=imported", identity.Curator).check(t, 200, "Дорожная карта сохранена.")
	// The service finds no roadmap in the file.
	be.err = (badRequest("content", "В файле не найдено ни одного этапа или мероприятия"))
	multipartPost(t, h, "/roadmap/import", map[string]string{"csrf_token": testCSRF, "organisation": testOrg}, "dk.tsv", tsv).
		check(t, 400, "В файле не найдено ни одного этапа или мероприятия")
	// Another school's id is not the person's.
	multipartPost(t, h, "/roadmap/import", map[string]string{"csrf_token": testCSRF, "organisation": testMun}, "dk.tsv", tsv).check(t, 404)
	// Over the limit: refused before the handler, in Russian.
	big := multipartPost(t, h, "/roadmap/import", map[string]string{"csrf_token": testCSRF, "organisation": testOrg}, "dk.tsv",
		bytes.Repeat([]byte("a\tb\n"), (maxImportFile+128<<10)/4))
	big.check(t, 413, "Файл слишком большой")
}
