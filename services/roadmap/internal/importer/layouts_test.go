package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"html"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
)

// docxDoc builds a Word document: paragraphs, then a table whose cells'
// lines are paragraphs, then paragraphs after it.
func docxDoc(t *testing.T, before []string, rows [][]string, after []string) []byte {
	t.Helper()
	var body strings.Builder
	para := func(s string) {
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, html.EscapeString(s))
	}
	for _, p := range before {
		para(p)
	}
	body.WriteString("<w:tbl>")
	for _, r := range rows {
		body.WriteString("<w:tr>")
		for _, c := range r {
			body.WriteString("<w:tc>")
			for _, p := range strings.Split(c, "\n") {
				para(p)
			}
			body.WriteString("</w:tc>")
		}
		body.WriteString("</w:tr>")
	}
	body.WriteString("</w:tbl>")
	for _, p := range after {
		para(p)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	fmt.Fprintf(w, `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>`, body.String())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xlsxDoc builds a workbook of the rows (cells may hold line breaks).
func xlsxDoc(t *testing.T, rows [][]string) []byte {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		cells := make([]any, len(r))
		for j, c := range r {
			cells[j] = c
		}
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &cells); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A school roadmap with a stage per row: the approval block and a title of
// several lines above, «№ | Наименование этапа | Содержание деятельности»,
// activities numbered «1.», «1)» or dashed inside a cell, sub-points under
// numbered items, «3.» twice, «4. 5.» merged, **bold** from a converter, no
// deadline or responsible columns, a signature below.
var (
	stageApproval = []string{"УТВЕРЖДАЮ", "Директор МБОУ СОШ № 7", "__________ /Н.В. Петрова/", "Приказ № 112-о от 31.08.2022г."}
	stageTitle    = []string{"**Дорожная карта**", "реализации целевой модели наставничества", "в МБОУ СОШ № 7 на 2022-2023 учебный год"}
	stageTable    = [][]string{
		{"№", "Наименование этапа", "Содержание деятельности"},
		{"1.", "**Подготовка условий для запуска программы наставничества**",
			"1. Изучение нормативной базы наставничества.\n2. Издание приказа о внедрении целевой модели:\n– назначение куратора;\n– утверждение положения.\n3. Информирование педагогов и родителей о программе."},
		{"2.", "Формирование базы наставляемых", "1) Анкетирование обучающихся и педагогов.\n2) Формирование базы наставляемых."},
		{"3.", "Формирование базы наставников", "– Сбор данных о наставниках\n– Формирование базы наставников"},
		{"3.", "Отбор и обучение наставников", "1. Собеседование с наставниками. 2. Обучение наставников на курсах. 3. Подготовка методических материалов."},
		{"4. 5.", "Формирование наставнических пар", "1. Встреча наставников и наставляемых.\n2. Закрепление пар приказом."},
		{"6.", "Организация работы наставнических пар", "1. Составление индивидуальных планов.\n2. Встречи пар по плану:\n– организационная встреча;\n– встреча-планирование;\n– итоговая встреча."},
		{"7.", "Завершение программы наставничества", "1. Мониторинг качества программы.\n2. Подведение итогов и награждение лучших пар."},
	}
	stageSignature = []string{"Заместитель директора по УВР ________ И.И. Сидорова"}
)

// wantStageItems are the items of that roadmap, stage by stage.
var wantStageItems = [][]string{
	{"Изучение нормативной базы наставничества.", "Издание приказа о внедрении целевой модели: – назначение куратора; – утверждение положения.", "Информирование педагогов и родителей о программе."},
	{"Анкетирование обучающихся и педагогов.", "Формирование базы наставляемых."},
	{"Сбор данных о наставниках", "Формирование базы наставников"},
	{"Собеседование с наставниками.", "Обучение наставников на курсах.", "Подготовка методических материалов."},
	{"Встреча наставников и наставляемых.", "Закрепление пар приказом."},
	{"Составление индивидуальных планов.", "Встречи пар по плану: – организационная встреча; – встреча-планирование; – итоговая встреча."},
	{"Мониторинг качества программы.", "Подведение итогов и награждение лучших пар."},
}

func checkStageRoadmap(t *testing.T, r Result, approval int) {
	t.Helper()
	rm := r.Roadmap
	if !r.StageRows {
		t.Errorf("the table was not read as a stage per row: columns %v", r.Columns)
	}
	if len(rm.Stages) != 7 {
		t.Fatalf("%d stages, want 7:\n%s", len(rm.Stages), dump(r))
	}
	for i, st := range rm.Stages {
		if st.Number != i+1 {
			t.Errorf("stage %d numbered %d", i+1, st.Number)
		}
		var got []string
		for j, it := range st.Items {
			got = append(got, it.Measure)
			if want := fmt.Sprintf("%d.%d", i+1, j+1); it.Number != want {
				t.Errorf("item %q numbered %s, want %s", it.Measure, it.Number, want)
			}
			if it.DeadlineText != "" {
				t.Errorf("item %s has a deadline %q: the table has none", it.Number, it.DeadlineText)
			}
		}
		if diff := cmp.Diff(wantStageItems[i], got); diff != "" {
			t.Errorf("stage %d items (-want +got):\n%s", i+1, diff)
		}
	}
	if rm.Stages[0].Title != "Подготовка условий для запуска программы наставничества" || rm.Stages[3].Title != "Отбор и обучение наставников" {
		t.Errorf("stage titles %q, %q", rm.Stages[0].Title, rm.Stages[3].Title)
	}
	if want := "Дорожная карта реализации целевой модели наставничества в МБОУ СОШ № 7 на 2022-2023 учебный год"; rm.Title != want {
		t.Errorf("title %q, want %q", rm.Title, want)
	}
	if r.Proposed.Start != date(2022, 9, 1) || r.Proposed.End != date(2023, 8, 31) || rm.Period != r.Proposed {
		t.Errorf("proposed period %v, roadmap's %v, want 2022-09-01…2023-08-31", r.Proposed, rm.Period)
	}
	if r.PeriodReason.Code == "" {
		t.Errorf("the proposed period says no reason")
	}
	if r.Owner != "МБОУ СОШ № 7" {
		t.Errorf("owner from the document %q", r.Owner)
	}
	// Every row is accounted for, every piece of content placed.
	counts := map[Outcome]int{}
	for _, row := range r.Rows {
		counts[row.Outcome]++
		if row.Outcome != OutcomeBlank && len(row.Placements) == 0 {
			t.Errorf("row %d (%s) says nowhere its content went", row.Row, row.Outcome)
		}
		for _, n := range row.Notes {
			if n.Code == "import_cells_extra" {
				t.Errorf("row %d: content left in a note", row.Row)
			}
		}
		if row.Outcome == OutcomeUnread {
			t.Errorf("row %d not read: %s", row.Row, row.Note())
		}
	}
	if counts[OutcomeApproval] != approval || counts[OutcomeTitle] != 3 || counts[OutcomeHeader] != 1 || counts[OutcomeStage] != 7 {
		t.Errorf("outcomes %v, want %d approval, 3 title, 1 header, 7 stages", counts, approval)
	}
	var places []string
	for _, row := range r.Rows {
		for _, p := range row.Placements {
			if p.Ref == "1" || strings.HasPrefix(p.Ref, "1.") {
				places = append(places, fmt.Sprintf("%s %s", p.Place, p.Ref))
			}
		}
	}
	want := []string{"stage 1", "item 1.1", "item 1.2", "sub_point 1.2", "sub_point 1.2", "item 1.3"}
	if diff := cmp.Diff(want, places); diff != "" {
		t.Errorf("placements of stage 1 (-want +got):\n%s", diff)
	}
	notes := map[string]string{}
	for _, row := range r.Rows {
		for _, n := range row.Notes {
			notes[row.Ref] += n.Code + " "
		}
	}
	if notes["4"] != "import_number_repeated " || notes["5"] != "import_number_read " || notes["1"]+notes["2"]+notes["6"] != "" {
		t.Errorf("notes on the repeated «3.» and merged «4. 5.»: %v", notes)
	}
}

func TestStagePerRowDOCX(t *testing.T) {
	t.Parallel()
	rows, err := ReadDOCXLines(docxDoc(t, append(append([]string{}, stageApproval...), stageTitle...), stageTable, stageSignature))
	if err != nil {
		t.Fatal(err)
	}
	r := Rebuild(rows, Options{})
	checkStageRoadmap(t, r, 4)
	if last := r.Rows[len(r.Rows)-1]; last.Outcome != OutcomeSignature {
		t.Errorf("the signature after the table: %+v", last)
	}
}

func TestStagePerRowXLSX(t *testing.T) {
	t.Parallel()
	// A letterhead above the approval block.
	rows := [][]string{{"Муниципальное бюджетное общеобразовательное учреждение «Средняя общеобразовательная школа № 7»"}}
	for _, l := range append(append([]string{}, stageApproval...), stageTitle...) {
		rows = append(rows, []string{l})
	}
	rows = append(rows, stageTable...)
	got, err := ReadXLSX(xlsxDoc(t, rows))
	if err != nil {
		t.Fatal(err)
	}
	checkStageRoadmap(t, Rebuild(got, Options{}), 5)
}

// The same stage-per-row table pasted as text: cells broken across lines,
// one line a row, as a PDF or Word extraction gives it.
func TestStagePerRowBrokenLinesTSV(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for _, l := range append(append([]string{}, stageApproval...), stageTitle...) {
		b.WriteString(l + "\n")
	}
	for _, r := range stageTable {
		lines := make([][]string, len(r))
		n := 0
		for j, c := range r {
			lines[j] = strings.Split(c, "\n")
			n = max(n, len(lines[j]))
		}
		for k := 0; k < n; k++ {
			cells := make([]string, len(r))
			for j := range r {
				if k < len(lines[j]) {
					cells[j] = lines[j][k]
				}
			}
			b.WriteString(strings.Join(cells, "\t") + "\n")
		}
	}
	text := strings.TrimSuffix(b.String(), "\n")
	r := ParseTSV(text, Options{})
	accountsForEveryRow(t, text, r)
	checkStageRoadmap(t, r, 4)
}

// Stage rows and measure rows mixed, with deadline and responsible columns
// under other header words, a column the importer does not know, a stage
// whose activities sit in its own row's cell, and a stage number repeated.
func TestMixedLayoutDOCXAndMapping(t *testing.T) {
	t.Parallel()
	table := [][]string{
		{"№ п/п", "Наименование мероприятия", "Сроки исполнения", "Ответственный исполнитель", "Планируемый результат", "Отметка о выполнении"},
		{"1", "Организационный этап", "", "", "", ""},
		{"1.1", "Издание приказа о наставничестве", "до 01.09.2022 г.", "Директор", "Приказ", ""},
		{"1.2", "Назначение куратора", "сентябрь 2022 г.", "Директор", "Приказ", "выполнено"},
		{"2", "Основной этап\n1. Формирование пар\n2. Встречи пар", "ежеквартально, до 5 числа", "Куратор", "", ""},
		{"2", "Итоговый этап", "", "", "", ""},
		{"3.1", "Мониторинг", "по окончании учебного года", "Куратор", "Справка", ""},
	}
	rows, err := ReadDOCXLines(docxDoc(t, []string{"План мероприятий по наставничеству на 2022-2023 учебный год"}, table, nil))
	if err != nil {
		t.Fatal(err)
	}
	r := Rebuild(rows, Options{})
	rm := r.Roadmap
	if len(rm.Stages) != 3 || rm.Items() != 5 {
		t.Fatalf("%d stages, %d items, want 3 and 5:\n%s", len(rm.Stages), rm.Items(), dump(r))
	}
	if st := rm.Stages[1]; st.Title != "Основной этап" || st.Items[0].Measure != "Формирование пар" || st.Items[1].DeadlineText != "ежеквартально, до 5 числа" || st.Items[1].Responsible != "Куратор" {
		t.Errorf("stage 2 with its activities in its row: %+v", st)
	}
	if st := rm.Stages[2]; st.Title != "Итоговый этап" || len(st.Items) != 1 || st.Items[0].Number != "3.1" {
		t.Errorf("stage 3 written «2» again: %+v", st)
	}
	if it := rm.Stages[0].Items[0]; it.ResultForm != "Приказ" || it.Responsible != "Директор" || it.Schedule.Rules[0].String() != "once by 2022-09-01" {
		t.Errorf("1.1 = %+v", it)
	}
	if diff := cmp.Diff([]int{5}, r.Unplaced); diff != "" {
		t.Errorf("unplaced columns (-want +got):\n%s", diff)
	}
	found := false
	for _, row := range r.Rows {
		for _, p := range row.Placements {
			if p.Place == PlaceUnplaced && p.Column == 6 {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("«выполнено» in the unknown column is not reported as not imported")
	}
	// The person maps the columns by hand: the 6th holds results, the 5th
	// nothing.
	rows, _ = ReadDOCXLines(docxDoc(t, nil, table, nil))
	m := Rebuild(rows, Options{Mapping: map[int]Column{5: ColResult, 4: ColIgnore}})
	if it := m.Roadmap.Stages[0].Items[1]; it.ResultForm != "выполнено" || m.Sources[ColResult] != SourceMapping || len(m.Unplaced) != 1 {
		t.Errorf("mapped: 1.2 = %+v, sources %v, unplaced %v", it, m.Sources, m.Unplaced)
	}
}

// A table without a header: the columns are found from what they hold, and
// a column of unknown text is not taken for deadlines.
func TestNoHeaderColumnsByContentXLSX(t *testing.T) {
	t.Parallel()
	rows := [][]string{
		{"Дорожная карта на 2023 год"},
		{"1", "Подготовка", "", "", ""},
		{"1.1", "Приказ о внедрении", "Зелёная папка", "март 2023", "Заместитель директора по УВР"},
		{"1.2", "Положение о наставничестве", "Синяя папка", "апрель 2023", "Методист"},
		{"1.3", "Информирование", "Сайт", "по мере необходимости", "Куратор"},
	}
	got, err := ReadXLSX(xlsxDoc(t, rows))
	if err != nil {
		t.Fatal(err)
	}
	r := Rebuild(got, Options{})
	want := map[Column]int{ColNumber: 0, ColMeasure: 1, ColResult: 2, ColDeadline: 3, ColResponsible: 4}
	if diff := cmp.Diff(want, r.Columns); diff != "" {
		t.Errorf("columns (-want +got):\n%s", diff)
	}
	if r.Proposed.Start != date(2023, 1, 1) || r.Proposed.End != date(2023, 12, 31) {
		t.Errorf("proposed %v", r.Proposed)
	}
	// Three columns of text, none of them deadlines: none is taken for them.
	two := Rebuild([][]string{{"1", "Этап"}, {"1.1", "Мера", "Кабинет 12"}, {"1.2", "Мера 2", "Кабинет 14"}}, Options{Period: tuzhaPeriod})
	if _, ok := two.Columns[ColDeadline]; ok {
		t.Errorf("a column of room numbers taken for deadlines: %v", two.Columns)
	}
}

// The period: the request's wins; else the title, the order, the deadlines.
func TestProposedPeriod(t *testing.T) {
	t.Parallel()
	given := schedule.Period{Start: date(2024, 9, 1), End: date(2025, 8, 31)}
	r := ParseTSV("Дорожная карта на 2022-2023 учебный год\n№\tМероприятие\tСрок\n1\tЭтап\t\n1.1\tМера\tмай\n", Options{Period: given})
	if r.Roadmap.Period != given || r.PeriodReason.Code != "" {
		t.Errorf("the request's period was overridden: %v %v", r.Roadmap.Period, r.PeriodReason)
	}
	for text, want := range map[string]string{
		"УТВЕРЖДЕНО\nприказом от «15» января 2023 г. № 4\nДорожная карта\n№\tМероприятие\tСрок\n1\tЭтап\t\n1.1\tМера\tмай\n": "2023-01-01 2023-12-31 import_period_order",
		"Дорожная карта\n№\tМероприятие\tСрок\n1\tЭтап\t\n1.1\tМера\tмай 2023\n1.2\tМера\tдекабрь 2024 г.\n":                 "2023-01-01 2024-12-31 import_period_deadlines",
		"Дорожная карта на 2021 – 2024 гг.\n№\tМероприятие\tСрок\n1\tЭтап\t\n1.1\tМера\tмай\n":                               "2021-01-01 2024-12-31 import_period_title",
	} {
		r := ParseTSV(text, Options{})
		if got := r.Proposed.Start.Format("2006-01-02") + " " + r.Proposed.End.Format("2006-01-02") + " " + r.PeriodReason.Code; got != want {
			t.Errorf("%q: proposed %s, want %s", text[:20], got, want)
		}
	}
}

// Word numbers a list itself: the paragraphs carry w:numPr, not «1.».
func TestStagePerRowWordListsDOCX(t *testing.T) {
	t.Parallel()
	li := func(level int, s string) string {
		return fmt.Sprintf(`<w:p><w:pPr><w:numPr><w:ilvl w:val="%d"/><w:numId w:val="3"/></w:numPr></w:pPr><w:r><w:t>%s</w:t></w:r></w:p>`, level, s)
	}
	p := func(s string) string { return `<w:p><w:r><w:t>` + s + `</w:t></w:r></w:p>` }
	cell := func(ps ...string) string { return "<w:tc>" + strings.Join(ps, "") + "</w:tc>" }
	body := p("Дорожная карта") + "<w:tbl>" +
		"<w:tr>" + cell(p("№")) + cell(p("Этап")) + cell(p("Содержание деятельности")) + "</w:tr>" +
		"<w:tr>" + cell(p("1")) + cell(p("Подготовка")) + cell(li(0, "Приказ"), li(0, "Положение"), li(1, "разработка"), li(1, "утверждение")) + "</w:tr>" +
		"<w:tr>" + cell(p("2")) + cell(p("Итоги")) + cell(li(0, "Мониторинг")) + "</w:tr>" +
		"</w:tbl>"
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	fmt.Fprintf(w, `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>`, body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadDOCXLines(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r := Rebuild(rows, Options{Period: tuzhaPeriod})
	var got []string
	for _, st := range r.Roadmap.Stages {
		for _, it := range st.Items {
			got = append(got, it.Number+" "+it.Measure)
		}
	}
	if diff := cmp.Diff([]string{"1.1 Приказ", "1.2 Положение – разработка – утверждение", "2.1 Мониторинг"}, got); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
}

// A table a converter wrote in Markdown, pasted as text: pipes, a rule line,
// <br> in cells, **bold**.
func TestMarkdownTableTSV(t *testing.T) {
	t.Parallel()
	text := "**Дорожная карта** на 2023 год\n\n| № | Наименование этапа | Содержание деятельности |\n|---|---|---|\n" +
		"| 1. | **Подготовка** | 1. Приказ.<br>2. Положение:<br>– разработка;<br>– утверждение. |\n| 2. | Итоги | 1) Мониторинг. 2) Отчёт. |"
	r := ParseTSV(text, Options{})
	accountsForEveryRow(t, text, r)
	var got []string
	for _, st := range r.Roadmap.Stages {
		got = append(got, st.Title)
		for _, it := range st.Items {
			got = append(got, it.Number+" "+it.Measure)
		}
	}
	want := []string{"Подготовка", "1.1 Приказ.", "1.2 Положение: – разработка; – утверждение.", "Итоги", "2.1 Мониторинг.", "2.2 Отчёт."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stages and items (-want +got):\n%s", diff)
	}
	if r.Roadmap.Title != "Дорожная карта на 2023 год" {
		t.Errorf("title %q", r.Roadmap.Title)
	}
}
