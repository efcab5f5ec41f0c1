package server_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	chromium "github.com/nastavnik/nastavnik/gateway/internal/browser"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// TestRegionalCentreInTheBrowser is the regional centre's view in Chromium:
// the municipalities of region 24 with who has reported, an accepted report
// moving the municipality's indicator; the drill-down to the municipality's
// schools and to one school's report, read-only; the targets page; and the
// workbook, downloaded with the browser's session and read back cell by
// cell. Every page passes axe-core, the weight bar and the 360-pixel check.
func TestRegionalCentreInTheBrowser(t *testing.T) {
	f := newFixture(t)
	ind := f.indicators()
	f.newReport(ind.campA, f.a1.GetId(), "accepted")
	camp, err := indicatorsv1.NewCampaignServiceClient(f.p.ind.Conn).GetCampaign(context.Background(),
		&indicatorsv1.GetCampaignRequest{Id: ind.campA})
	if err != nil {
		t.Fatal(err)
	}
	year := camp.GetCampaign().GetYear()

	c := newPageChecker(t, f.p.base)
	b := c.b
	if err := b.SignIn("regional", rolePassword("regional")); err != nil {
		t.Fatal(err)
	}
	main := text(t, b, "main")
	for _, want := range []string{"Кто сдал отчёт", "Показатели за", "Регион в целом", "Скачать в Excel"} {
		if !strings.Contains(main, want) {
			t.Errorf("regional dashboard lacks %q:\n%s", want, main)
		}
	}
	row := text(t, b, "#mun-"+f.munA)
	if !strings.Contains(row, "по 1 из 2 организаций") || !strings.Contains(row, "%") {
		t.Errorf("the accepted report in munA's indicators: %q", row)
	}
	c.check("regional dashboard")
	shots(t, b, "regional-dashboard")

	if err := b.Submit(`#mun-` + f.munA + ` th a`); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	for _, want := range []string{f.a1.GetShortName(), f.a2.GetShortName(), "Принят", "Муниципалитет в целом"} {
		if !strings.Contains(main, want) {
			t.Errorf("municipality page lacks %q:\n%s", want, main)
		}
	}
	c.check("regional municipality")
	shots(t, b, "regional-municipality")

	if err := b.Submit(`a[href^="/region/reports/"]`); err != nil {
		t.Fatal(err)
	}
	main = text(t, b, "main")
	if !strings.Contains(main, "Только просмотр") || !strings.Contains(main, "Значения") {
		t.Errorf("the school's report:\n%s", main)
	}
	c.check("regional report")
	shots(t, b, "regional-report")

	if err := b.Open("/region/targets"); err != nil {
		t.Fatal(err)
	}
	if main = text(t, b, "main"); !strings.Contains(main, "Установить целевое значение") {
		t.Errorf("targets:\n%s", main)
	}
	c.check("regional targets")
	shots(t, b, "regional-targets")

	// The workbook, fetched with the page's session as bytes.
	if err := b.Open("/"); err != nil {
		t.Fatal(err)
	}
	wb := downloadWorkbook(t, b)
	if got := strings.Join(wb.GetSheetList(), "|"); got != "Показатели|Сдача отчётов|Организации" {
		t.Fatalf("sheets: %s", got)
	}
	rows, err := wb.GetRows("Показатели", excelize.Options{RawCellValue: true})
	if err != nil || len(rows) < 2 {
		t.Fatalf("indicators sheet: %v %v", rows, err)
	}
	if rows[0][0] != "Муниципалитет" || rows[0][1] != "Показатель" || rows[0][3] != "Значение" {
		t.Errorf("headers: %v", rows[0])
	}
	found := false
	for i, r := range rows[1:] {
		if len(r) > 9 && r[1] != "" && strings.Contains(r[1], "Доля") && r[3] != "" && r[7] == "1" && r[8] == "2" {
			found = true
			name, _ := excelize.CoordinatesToCellName(4, i+2)
			id, err := wb.GetCellStyle("Показатели", name)
			if err != nil {
				t.Fatal(err)
			}
			st, err := wb.GetStyle(id)
			if err != nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "0.0%" {
				t.Errorf("a share's format at %s: %+v %v", name, st, err)
			}
			if v := r[3]; strings.HasPrefix(v, "-") || len(v) == 0 {
				t.Errorf("a share's value: %q", v)
			}
			break
		}
	}
	if !found {
		t.Errorf("no share of munA counted from 1 of 2 organisations:\n%v", rows)
	}
	comp, err := wb.GetRows("Сдача отчётов", excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if comp[0][1] != "Ожидается" || comp[len(comp)-1][0] != "Регион в целом" || comp[len(comp)-1][7] != "1" {
		t.Errorf("completeness sheet: %v", comp)
	}
	if panes, err := wb.GetPanes("Организации"); err != nil || !panes.Freeze {
		t.Errorf("frozen header: %+v %v", panes, err)
	}
	_ = year
}

// downloadWorkbook fetches the workbook of the open page's export link
// (#export) with the page's own session and opens it.
func downloadWorkbook(t *testing.T, b *chromium.Browser) *excelize.File {
	t.Helper()
	enc, err := b.EvalString(`(() => {
		const x = new XMLHttpRequest();
		x.open("GET", document.querySelector("#export").getAttribute("href"), false);
		x.overrideMimeType("text/plain; charset=x-user-defined");
		x.send();
		if (x.status !== 200) return "status " + x.status;
		let s = "";
		for (let i = 0; i < x.responseText.length; i++) s += String.fromCharCode(x.responseText.charCodeAt(i) & 0xff);
		return btoa(s);
	})()`)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base64.StdEncoding.DecodeString(enc)
	if err != nil {
		t.Fatalf("workbook: %.80s", enc)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	return wb
}
