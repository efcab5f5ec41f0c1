package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	chromium "github.com/nastavnik/nastavnik/gateway/internal/browser"
	"github.com/nastavnik/nastavnik/gateway/internal/web"
)

// schoolTSV is a school's roadmap as a curator copies it out of a table: a
// title, the header, two stages with their items; the deadlines are in 2021,
// so the first three are overdue, and one is not a deadline at all.
const schoolTSV = "Дорожная карта реализации программы наставничества (проверка)\n" +
	"№ п/п\tМероприятия\tСроки реализации\tОтветственные\n" +
	"1.\tПодготовка условий для запуска программы\t\t\n" +
	"1.1\tРазработать положение о наставничестве\tДо 31.03.2021\tЗаместитель директора\n" +
	"1.2\tСформировать базу наставников\tЕжегодно, не позднее 15 декабря\tКуратор\n" +
	"2.\tРеализация программы\t\t\n" +
	"2.1\tПровести встречи наставников и наставляемых\tкогда получится\tКуратор\n" +
	"2.2\tРазместить отчёт на сайте школы\tВ течение периода\tКуратор\n"

// municipalTSV is the municipality's roadmap; its item is handed down to the
// schools.
const municipalTSV = "№\tМероприятие\tСрок\tОтветственный\n" +
	"1.\tМониторинг\t\t\n" +
	"1.1\tПредставить отчёт о мониторинге наставничества\tДо 15.12.2021\tКуратор школы\n"

// TestRoadmapInTheBrowser is a school's roadmap as the curator keeps it in
// Chromium: nothing yet, so the import form; a TSV uploaded through the file
// input; the preview with every row's fate; saved; the roadmap with its stages,
// overdue items highlighted and the item handed down by the municipality;
// an occurrence marked done with a note and undone after the confirmation; an
// item added and moved. The methodologist of the municipality then looks at
// it without the forms. Every page passes axe-core and the weight bar and does
// not scroll sideways at 360 px.
func TestRoadmapInTheBrowser(t *testing.T) {
	f := newFixture(t)
	c := newPageChecker(t, f.p.base)
	b := c.b

	if err := b.SignIn("curator", rolePassword("curator")); err != nil {
		t.Fatal(err)
	}
	// Nothing yet: the explanation and the import form.
	if err := b.Open("/roadmap"); err != nil {
		t.Fatal(err)
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Дорожной карты вашей школы в Наставнике пока нет") {
		t.Fatalf("no roadmap yet:\n%s", main)
	}
	if nav := text(t, b, "nav [aria-current=page]"); nav != "Дорожная карта" {
		t.Errorf("navigation marks %q", nav)
	}
	c.check("roadmap: none yet")
	narrow(t, b, "roadmap: none yet")

	// A file over 4 MB is refused with a page that says so.
	big := filepath.Join(t.TempDir(), "большая.txt")
	if err := os.WriteFile(big, bytes.Repeat([]byte("1.1\tМероприятие\tДо 31.03.2021\tКуратор\n"), 5<<20/40), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{big})); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action="/roadmap/import"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Файл слишком большой" {
		t.Errorf("a 5 MB file: %q", h1)
	}
	if err := b.Open("/roadmap/import"); err != nil {
		t.Fatal(err)
	}

	// Upload the TSV through the file input, with the period it does not name.
	file := filepath.Join(t.TempDir(), "дорожная-карта.txt")
	if err := os.WriteFile(file, []byte(schoolTSV), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := b.Do(chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{file}),
		chromedp.SetValue(chromedp.ID("period_start"), "2021-01-01"), chromedp.SetValue(chromedp.ID("period_end"), "2021-12-31")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action="/roadmap/import"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Проверьте дорожную карту перед сохранением" {
		t.Fatalf("after upload: %q\n%s", h1, text(t, b, "main"))
	}
	main := text(t, b, "main")
	for _, want := range []string{"«дорожная-карта.txt»", "Пока ничего не сохранено", "1 января 2021 г. — 31 декабря 2021 г.",
		"2 этапа, 4 мероприятия", "Не понят срок у 1 мероприятия", "Подготовка условий для запуска программы",
		"Понято: до 31 марта 2021 г.", "Понято: ежегодно до 15 декабря", "не понято: непонятные слова",
		"Что стало с каждой строкой файла"} {
		if !strings.Contains(main, want) {
			t.Errorf("preview lacks %q:\n%s", want, main)
		}
	}
	// The row report accounts for every input line.
	rows, err := b.EvalString(`String(document.querySelectorAll("table.rows tbody tr").length)`)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(schoolTSV, "\n"); rows != fmt.Sprint(lines) && rows != fmt.Sprint(lines+1) {
		t.Errorf("row report has %s rows for %d lines", rows, lines)
	}
	for _, want := range []string{"1 название дорожной карты", "2 шапка таблицы", "3 этап 1", "4 мероприятие 1.1"} {
		if report := text(t, b, "table.rows tbody"); !strings.Contains(strings.Join(strings.Fields(report), " "), want) {
			t.Errorf("row report lacks %q:\n%s", want, report)
		}
	}
	c.checkHere("import preview") // the preview answers a POST: weighed as it is
	narrow(t, b, "import preview")

	// Confirm: saved, and the roadmap is shown.
	if err := b.Submit(`form[action="/roadmap/import/confirm"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	loc, err := chromedp.Run(b.Context(), chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`/roadmap/([0-9a-f-]{36})\?done=imported$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after confirming: %s\n%s", loc, text(t, b, "main"))
	}
	roadmapID := m[1]

	// The municipality hands one of its items down to its schools.
	meth := f.clients["methodologist"]
	var mun struct {
		Roadmap struct {
			Stages []struct {
				Items []struct {
					ID string `json:"id"`
				} `json:"items"`
			} `json:"stages"`
		} `json:"roadmap"`
	}
	if code := meth.do("POST", "/v1/roadmaps:import", map[string]any{"owner": map[string]string{"municipalityId": f.munA},
		"format": "IMPORT_FORMAT_TSV", "content": base64.StdEncoding.EncodeToString([]byte(municipalTSV)),
		"periodStart": "2021-01-01", "periodEnd": "2021-12-31"}, &mun); code != http.StatusOK || len(mun.Roadmap.Stages) == 0 {
		t.Fatalf("municipal roadmap: %d %+v", code, mun)
	}
	var cascaded map[string]any
	if code := meth.do("POST", "/v1/items/"+mun.Roadmap.Stages[0].Items[0].ID+":cascade", map[string]any{}, &cascaded); code != http.StatusOK {
		t.Fatalf("cascade: %d %v", code, cascaded)
	}

	// The roadmap: stages with progress, the overdue highlighted, the handed-down item marked.
	if err := b.Open("/roadmap"); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{"Дорожная карта реализации программы наставничества (проверка)", "1. Подготовка условий для запуска программы",
		"2. Реализация программы", "Выполнено 0 из", "31 марта 2021 г.", "просрочено на", "от муниципалитета",
		"Представить отчёт о мониторинге наставничества", "не понято: непонятные слова «когда», «получится»"} {
		if !strings.Contains(main, want) {
			t.Errorf("roadmap lacks %q:\n%s", want, main)
		}
	}
	overdue := text(t, b, "#stage-1 tr.overdue .tag--red")
	if !strings.HasPrefix(overdue, "просрочено на ") || !strings.HasSuffix(overdue, "дней") && !strings.HasSuffix(overdue, "дня") && !strings.HasSuffix(overdue, "день") {
		t.Errorf("overdue tag %q", overdue)
	}
	c.check("roadmap")
	narrow(t, b, "roadmap")
	printed(t, b)

	// Mark 1.1 done with a note, on its page.
	if err := b.Submit(`#stage-1 tr:first-child td a[href*="/items/"]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Мероприятие 1.1" {
		t.Fatalf("item page: %q", h1)
	}
	c.check("roadmap item")
	narrow(t, b, "roadmap item")
	if err := b.Do(chromedp.SetValue(chromedp.ID("note-2021-03-31"), "Утверждено приказом № 12 от 30.03.2021")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#occ-2021-03-31 button[value=yes]`); err != nil {
		t.Fatal(err)
	}
	occ := text(t, b, "#occ-2021-03-31")
	krasnoyarsk, err := time.LoadLocation("Asia/Krasnoyarsk") // the fixture's schools keep their region's time
	if err != nil {
		t.Fatal(err)
	}
	today := web.DateRU(time.Now().In(krasnoyarsk)) // the date defaults to today in the school's zone
	for _, want := range []string{"выполнено " + today, "отметил(а) curator", "Заметка: Утверждено приказом № 12 от 30.03.2021", "Снять отметку"} {
		if !strings.Contains(occ, want) {
			t.Errorf("marked occurrence lacks %q:\n%s", want, occ)
		}
	}
	if notice := text(t, b, "[role=status]"); notice != "Выполнение отмечено." {
		t.Errorf("notice %q", notice)
	}
	c.check("roadmap item done")

	// Undo, after the confirmation the button asks for.
	if _, err := b.EvalString(`(() => { window.confirm = m => { sessionStorage.setItem("confirmed", m); return true; }; return ""; })()`); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#occ-2021-03-31 button[value=no]`); err != nil {
		t.Fatal(err)
	}
	if asked, _ := b.EvalString(`sessionStorage.getItem("confirmed") || ""`); !strings.HasPrefix(asked, "Снять отметку о выполнении срока 31 марта 2021 г.?") {
		t.Errorf("undo asked %q", asked)
	}
	if occ := text(t, b, "#occ-2021-03-31"); !strings.Contains(occ, "просрочено на") || !strings.Contains(occ, "Отметить выполненным") {
		t.Errorf("undone occurrence:\n%s", occ)
	}
	if notice := text(t, b, "[role=status]"); notice != "Отметка о выполнении снята." {
		t.Errorf("notice %q", notice)
	}

	// Add an item to stage 2: first without a measure, then with one.
	if err := b.Open("/roadmap/" + roadmapID); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#stage-2 a[href*="/items/new"]`); err != nil {
		t.Fatal(err)
	}
	c.check("new item form")
	if err := b.Do(chromedp.SetValue(chromedp.ID("deadline_text"), "До 01.12.2021")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/items/new"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if beside := text(t, b, ".field--error"); !strings.Contains(beside, "Введите, что нужно сделать") ||
		!strings.Contains(text(t, b, "#error-summary"), "Исправьте 1 ошибку") {
		t.Fatalf("no error beside the measure:\n%s", text(t, b, "main"))
	}
	c.checkHere("new item form with an error") // answers a POST
	if err := b.Do(chromedp.SetValue(chromedp.ID("measure"), "Провести итоговую конференцию"),
		chromedp.SetValue(chromedp.ID("responsible"), "Куратор")); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`form[action$="/items/new"] button[type=submit]`); err != nil {
		t.Fatal(err)
	}
	if h1 := text(t, b, "h1"); h1 != "Мероприятие 2.3" {
		t.Fatalf("new item: %q\n%s", h1, text(t, b, "main"))
	}
	// Move it up: it becomes 2.2.
	if err := b.Open("/roadmap/" + roadmapID); err != nil {
		t.Fatal(err)
	}
	if err := b.Submit(`#stage-2 tr:last-child button[value=up]`); err != nil {
		t.Fatal(err)
	}
	if row := text(t, b, "#stage-2 tbody tr:nth-child(2)"); !strings.Contains(row, "2.2") || !strings.Contains(row, "Провести итоговую конференцию") {
		t.Errorf("after moving up, 2.2 is:\n%s", row)
	}

	// The methodologist of the municipality sees the school's roadmap, without forms.
	if err := b.SignOut(); err != nil {
		t.Fatal(err)
	}
	if err := b.SignIn("methodologist", rolePassword("methodologist")); err != nil {
		t.Fatal(err)
	}
	if err := b.Open("/roadmap"); err != nil {
		t.Fatal(err)
	}
	if main := text(t, b, "main"); !strings.Contains(main, "Дорожная карта реализации программы наставничества (проверка)") {
		t.Errorf("methodologist's list:\n%s", main)
	}
	c.check("roadmap list (methodologist)")
	if err := b.Open("/roadmap/" + roadmapID); err != nil {
		t.Fatal(err)
	}
	forms, err := b.EvalString(`String(document.querySelectorAll("main form").length)`)
	if err != nil || forms != "0" || !strings.Contains(text(t, b, "main"), "просрочено на") {
		t.Errorf("methodologist's roadmap: %s forms, %v", forms, err)
	}
	c.check("roadmap (methodologist)")
}

// printed checks the page as printed: no navigation, forms or buttons, the
// overdue tags kept.
func printed(t *testing.T, b *chromium.Browser) {
	t.Helper()
	media := func(m string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
			return err
		})
	}
	if err := b.Do(media("print")); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := b.Do(media("")); err != nil {
			t.Fatal(err)
		}
	}()
	got, err := b.EvalString(`(() => {
		const shown = sel => [...document.querySelectorAll(sel)].filter(e => e.getClientRects().length > 0).length;
		return shown("nav, header, main form, main button, .no-print") + " " + shown(".tag--red");
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	var controls, tags int
	if _, err := fmt.Sscan(got, &controls, &tags); err != nil || controls != 0 || tags == 0 {
		t.Errorf("printed: %d controls shown, %d overdue tags (%v)", controls, tags, err)
	}
}
