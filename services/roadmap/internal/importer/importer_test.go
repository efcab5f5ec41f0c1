package importer

import (
	"fmt"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// seed reads a source document from testdata/ by its number (000, 003).
func seed(t *testing.T, name string) string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join("testdata", "*-"+name+".txt"))
	if err != nil || len(matches) != 1 {
		t.Fatalf("testdata/*-%s.txt: %d files, %v", name, len(matches), err)
	}
	b, err := os.ReadFile(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// accountsForEveryRow checks the report names every input line once, in order.
func accountsForEveryRow(t *testing.T, text string, r Result) {
	t.Helper()
	lines := strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if len(r.Rows) != len(lines) {
		t.Fatalf("the report has %d rows for %d input lines", len(r.Rows), len(lines))
	}
	for i, row := range r.Rows {
		if row.Row != i+1 || row.Outcome == "" {
			t.Errorf("report row %d = %+v, want row %d with an outcome", i, row, i+1)
		}
		if row.Outcome == OutcomeUnread {
			t.Errorf("row %d could not be read: %s", row.Row, row.Note())
		}
	}
}

func TestKrasnoyarskSeed(t *testing.T) {
	text := seed(t, "003")
	r := ParseTSV(text, Options{})
	accountsForEveryRow(t, text, r)
	rm := r.Roadmap
	if y1, y2 := rm.Period.Years(); y1 != 2021 || y2 != 2024 {
		t.Errorf("period %d–%d, want 2021–2024 from the title", y1, y2)
	}
	var stages []int
	var items []string
	for _, s := range rm.Stages {
		stages = append(stages, s.Number)
		for _, it := range s.Items {
			items = append(items, it.Number)
		}
	}
	if diff := cmp.Diff([]int{1, 2, 3, 4, 5, 6}, stages); diff != "" {
		t.Errorf("stages (-want +got):\n%s", diff)
	}
	want := []string{"1.1", "1.2", "1.3", "1.4", "1.5", "2.1", "2.2", "2.3", "2.4", "2.5", "2.6",
		"3.1", "3.2", "3.3", "3.4", "3.5", "4.1", "4.2", "4.3", "4.4",
		"5.1", "5.2", "5.3", "5.4", "5.5", "5.6", "5.7", "6.1", "6.1.1", "6.1.2", "6.2"}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	byNumber := map[string]Item{}
	for _, s := range rm.Stages {
		for _, it := range s.Items {
			byNumber[it.Number] = it
		}
	}
	checks := []struct {
		number                                 string
		measure, result, deadline, responsible string
	}{
		{"1.2", "Разработка и утверждение муниципальной «Дорожной карты»", "Наличие муниципальной Дорожной карты", "Февраль 2022", "ГУО, МКУ КИМЦ"},
		{"2.3", "Создание, наполнение и обновление раздела «Развитие наставничества» на сайтах общеобразовательных организаций/ муниципалитета",
			"Наличие на сайте раздела с содержательным наполнением", "Март, 2022, На протяжении всего периода",
			"Руководители ОУ, ДО, кураторы ОО, Координатор МКУ КИМЦ"},
		{"3.5", "Разработка программно-методических материалов на уровне ОО, необходимых для реализации ЦМН",
			"Программно-методическое обеспечение", "До 20.08. 22.", "кураторы реализации ОУ, ДО"},
		{"5.2", "Мониторинг форм наставничества и включенности педагогов и обучающихся в реализацию программ наставничества",
			"Данные о формах наставничества в ОО и включенности субъектов, информация о персонализированных программах",
			"Май, 2022 Ежегодно не позднее 15 декабря", "МКУ К ИМЦ"},
		{"6.2", "Координация программ наставничества в муниципальном образовании", "Обеспечение условий реализации ЦМН",
			"В течение периода реализации", "Руководители ОУ, ДО"},
	}
	for _, c := range checks {
		it := byNumber[c.number]
		got := []string{it.Measure, it.ResultForm, it.DeadlineText, it.Responsible}
		if diff := cmp.Diff([]string{c.measure, c.result, c.deadline, c.responsible}, got); diff != "" {
			t.Errorf("item %s (-want +got):\n%s", c.number, diff)
		}
	}
	// 5.2: once in May 2022 and every year by 15 December.
	if diff := cmp.Diff([]string{"once 2022-05-01..2022-05-31", "yearly 01-01..12-15"}, ruleStrings(byNumber["5.2"])); diff != "" {
		t.Errorf("5.2 schedule (-want +got):\n%s", diff)
	}
	for number, it := range byNumber {
		if !it.Schedule.Understood && it.DeadlineText != "" {
			t.Errorf("item %s: deadline %q not understood: %s", number, it.DeadlineText, it.Schedule.Note)
		}
	}
}

func ruleStrings(it Item) []string {
	var out []string
	for _, r := range it.Schedule.Rules {
		out = append(out, r.String())
	}
	return out
}

func TestTuzhaSeed(t *testing.T) {
	text := seed(t, "000")
	r := ParseTSV(text, Options{})
	accountsForEveryRow(t, text, r)
	rm := r.Roadmap
	if y1, y2 := rm.Period.Years(); y1 != 2020 || y2 != 2024 {
		t.Errorf("period %d–%d, want 2020–2024", y1, y2)
	}
	if diff := cmp.Diff([]Target{{2020, 10}, {2024, 70}}, rm.Targets); diff != "" {
		t.Errorf("goal targets (-want +got):\n%s", diff)
	}
	if len(rm.Stages) != 7 || rm.Items() != 17 {
		t.Fatalf("%d stages with %d items, want 7 with 17:\n%s", len(rm.Stages), rm.Items(), dump(r))
	}
	s1 := rm.Stages[0]
	if !strings.HasPrefix(s1.Task, "информирование о запуске") || !strings.HasSuffix(s1.Result, "целевой модели наставничества") {
		t.Errorf("stage 1 task/result = %q / %q", s1.Task, s1.Result)
	}
	if rm.Stages[1].Title != "Формирование базы наставляемых" {
		t.Errorf("stage 2 title = %q, want the OCR damage repaired", rm.Stages[1].Title)
	}
	if it := s1.Items[0]; it.Number != "1.1" || it.Measure != "Информирование педагогического сообщества образовательной организации о реализации программы наставничества" {
		t.Errorf("1.1 = %+v: the wrapped lines (one numbered «1.0» by OCR) must join it", it)
	}
	if m := s1.Items[1].Measure; !strings.Contains(m, "№ Р-145 от 25 декабря 2019") {
		t.Errorf("1.2 must join «Р-» with «145» across the wrap: %q", m)
	}
	outcomes := map[int]RowReport{}
	for _, row := range r.Rows {
		outcomes[row.Row] = row
	}
	for row, want := range map[int]Outcome{11: OutcomeStageText, 14: OutcomeMerged, 43: OutcomeMerged, 69: OutcomeItem, 74: OutcomeStage} {
		if got := outcomes[row]; got.Outcome != want || (row != 69 && got.Note() == "") {
			t.Errorf("row %d = %+v, want %s with a note on what was repaired or ignored", row, got, want)
		}
	}
	for _, row := range r.Rows {
		for _, n := range row.Notes {
			if ru := n.Russian(); strings.ContainsAny(ru, "{}") || ru == n.English() || n.Code == "invalid" {
				t.Errorf("row %d: note %s reads %q in Russian", row.Row, n.Code, ru)
			}
		}
	}
	for _, s := range rm.Stages {
		for _, it := range s.Items {
			if !it.Schedule.Understood && it.Number != "1.2" {
				t.Errorf("item %s: deadline %q not understood: %s", it.Number, it.DeadlineText, it.Schedule.Note)
			}
		}
	}
}

func TestRowsWithoutHeaderOrWithOtherColumnOrder(t *testing.T) {
	t.Parallel()
	text := "№\tСроки\tОтветственные\tМероприятие\n1\t\t\tПодготовка\n1.1\tМарт 2022\tКИМЦ\tПриказ о внедрении\n"
	r := ParseTSV(text, Options{})
	it := r.Roadmap.Stages[0].Items[0]
	if it.Measure != "Приказ о внедрении" || it.DeadlineText != "Март 2022" || it.Responsible != "КИМЦ" {
		t.Errorf("columns found by header = %+v", it)
	}
	bare := ParseTSV("1\tЭтап\t\t\n1.1\tМера\tМай 2023\tКуратор\n", Options{})
	if bare.Roadmap.Items() != 1 || bare.Roadmap.Stages[0].Items[0].Responsible != "Куратор" {
		t.Errorf("table without a header: %s", dump(bare))
	}
}

func FuzzParseTSV(f *testing.F) {
	f.Add("№\tМероприятия\tСроки\tОтветственные\n1\tЭтап\n\tЗадача: x Результат: y\n1.1\tМера\tМай 2022\tКто\n4.4\tхвост\t1\n")
	f.Add("1\t\t ррмирование\n2.\tx\n6.3.\ty\tЕжегодно\n4. 5.\tz\n")
	f.Add("\t\t\t\tКИМЦ\n\xff\x00\t-\n")
	f.Add("УТВЕРЖДАЮ\nПриказ № 1 от 31.08.2022г.\n**Дорожная карта**\n№\tНаименование этапа\tСодержание деятельности\n1.\tПодготовка\t1. Приказ. 2. Положение: – а; – б.\n\t\t– в\n3.\tx\t1) y\n3.\tz\t\n4. 5.\t\t– w\nДиректор ____")
	f.Add("| № | Этап | Содержание деятельности | Отметка |\n|---|---|---|---|\n| 1 | А | 1. б<br>2. в | г |\n")
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 4096 {
			return
		}
		r := ParseTSV(text, Options{})
		if want := len(strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")); len(r.Rows) != want {
			t.Fatalf("%d report rows for %d lines", len(r.Rows), want)
		}
		for _, row := range r.Rows {
			if row.Outcome != OutcomeBlank && len(row.Placements) == 0 {
				t.Fatalf("row %d (%s) says nowhere its content went", row.Row, row.Outcome)
			}
		}
		for _, st := range r.Roadmap.Stages {
			for i, it := range st.Items {
				if r.StageRows && it.Number != fmt.Sprintf("%d.%d", st.Number, i+1) {
					t.Fatalf("item %s of stage %d at %d", it.Number, st.Number, i+1)
				}
			}
		}
	})
}

func dump(r Result) string {
	var b strings.Builder
	for _, s := range r.Roadmap.Stages {
		fmt.Fprintf(&b, "STAGE %d %q task=%q result=%q\n", s.Number, s.Title, s.Task, s.Result)
		for _, it := range s.Items {
			fmt.Fprintf(&b, "  %s %q | %q | %q | %q | %v\n", it.Number, it.Measure, it.ResultForm, it.DeadlineText, it.Responsible, it.Schedule.Rules)
		}
	}
	for _, row := range r.Rows {
		fmt.Fprintf(&b, "row %d %s %s %s\n", row.Row, row.Outcome, row.Ref, row.Note())
	}
	return b.String()
}

var tuzhaPeriod = schedule.Period{Start: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2024, 12, 31, 0, 0, 0, 0, time.UTC)}
