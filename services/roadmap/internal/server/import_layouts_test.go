package server_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"html"
	"strings"
	"testing"

	roadmapv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

// stageDOCX is a school roadmap with a stage per row and its activities in
// a cell, an approval block and no deadline column.
func stageDOCX(t *testing.T) []byte {
	t.Helper()
	var body strings.Builder
	para := func(s string) {
		fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, html.EscapeString(s))
	}
	for _, p := range []string{"УТВЕРЖДАЮ", "Директор школы", "Приказ № 7 от 31.08.2022г.", "Дорожная карта наставничества"} {
		para(p)
	}
	body.WriteString("<w:tbl>")
	for _, r := range [][]string{
		{"№", "Наименование этапа", "Содержание деятельности", "Отметка о выполнении"},
		{"1.", "Подготовка", "1. Приказ.\n2. Положение:\n– разработка;\n– утверждение.", ""},
		{"2.", "Завершение", "1) Мониторинг.\n2) Итоги.", "выполнено"},
	} {
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
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	fmt.Fprintf(w, `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>%s</w:body></w:document>`, body.String())
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestImportStagePerRowPreview(t *testing.T) {
	w := newWorld(t)
	cur := w.client(w.curator(0))
	ctx := context.Background()
	req := &roadmapv1.ImportRoadmapRequest{Owner: &roadmapv1.OwnerRef{OrganisationId: w.orgs[0].GetId()},
		Format: roadmapv1.ImportFormat_IMPORT_FORMAT_DOCX, Content: stageDOCX(t), DryRun: true}
	resp, err := cur.ImportRoadmap(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	rm := resp.GetRoadmap()
	if len(rm.GetStages()) != 2 || len(rm.GetStages()[0].GetItems()) != 2 || len(rm.GetStages()[1].GetItems()) != 2 {
		t.Fatalf("stages and items: %v", rm.GetStages())
	}
	if m := rm.GetStages()[0].GetItems()[1].GetMeasure(); m != "Положение: – разработка; – утверждение." {
		t.Errorf("1.2 with its sub-points: %q", m)
	}
	if rm.GetTitle() != "Дорожная карта наставничества" {
		t.Errorf("title %q", rm.GetTitle())
	}
	if resp.GetProposedPeriodStart() != "2022-09-01" || resp.GetProposedPeriodEnd() != "2023-08-31" || rm.GetPeriodStart() != "2022-09-01" ||
		resp.GetPeriodReason().GetCode() != "import_period_order" || !strings.Contains(resp.GetPeriodReason().GetLocalizedMessage(), "31.08.2022") {
		t.Errorf("proposed period %s…%s, reason %v", resp.GetProposedPeriodStart(), resp.GetProposedPeriodEnd(), resp.GetPeriodReason())
	}
	var report []string
	for _, c := range resp.GetColumnReport() {
		report = append(report, fmt.Sprintf("%d %s %s", c.GetColumn(), c.GetField(), c.GetHeader()))
	}
	if got := strings.Join(report, "; "); got != "1 IMPORT_FIELD_NUMBER №; 2 IMPORT_FIELD_STAGE Наименование этапа; 3 IMPORT_FIELD_MEASURE Содержание деятельности; 4 IMPORT_FIELD_UNSPECIFIED Отметка о выполнении" {
		t.Errorf("column report: %s", got)
	}
	var places []string
	for _, row := range resp.GetRows() {
		if len(row.GetPlacements()) == 0 && row.GetOutcome() != roadmapv1.ImportRowOutcome_IMPORT_ROW_OUTCOME_BLANK {
			t.Errorf("row %d: no placement", row.GetRow())
		}
		for _, p := range row.GetPlacements() {
			places = append(places, fmt.Sprintf("%d:%s %s", row.GetRow(), strings.TrimPrefix(p.GetPlace().String(), "IMPORT_PLACE_"), p.GetRef()))
		}
	}
	want := "1:APPROVAL ; 2:APPROVAL ; 3:APPROVAL ; 4:TITLE ; 5:HEADER ; 6:STAGE 1; 6:ITEM 1.1; 6:ITEM 1.2; 6:SUB_POINT 1.2; 6:SUB_POINT 1.2; 7:STAGE 2; 7:ITEM 2.1; 7:ITEM 2.2; 7:UNPLACED "
	if got := strings.Join(places, "; "); got != want {
		t.Errorf("placements:\n got %s\nwant %s", got, want)
	}

	// The person says the 4th column holds results, and gives the period.
	req.ColumnMapping = []*roadmapv1.ImportColumnMapping{{Column: 4, Field: roadmapv1.ImportField_IMPORT_FIELD_RESULT}}
	req.PeriodStart, req.PeriodEnd, req.DryRun = "2022-09-01", "2024-08-31", false
	saved, err := cur.ImportRoadmap(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if st := saved.GetRoadmap().GetStages()[1]; st.GetResult() != "выполнено" || saved.GetRoadmap().GetPeriodEnd() != "2024-08-31" || saved.GetProposedPeriodStart() != "" || !saved.GetSaved() {
		t.Errorf("saved with the mapping and period: stage 2 %v, period %s, proposed %q", st, saved.GetRoadmap().GetPeriodEnd(), saved.GetProposedPeriodStart())
	}
}

func TestParseDeadlineNewKinds(t *testing.T) {
	w := newWorld(t)
	c := roadmapv1.NewDeadlineServiceClient(w.rm.Dial(t, w.curator(0)))
	got, err := c.ParseDeadline(context.Background(), &roadmapv1.ParseDeadlineRequest{Text: "ежеквартально, до 5 числа",
		PeriodStart: "2022-01-01", PeriodEnd: "2022-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	r := got.GetSchedule().GetRules()
	if !got.GetSchedule().GetUnderstood() || len(r) != 1 || r[0].GetKind() != roadmapv1.RuleKind_RULE_KIND_QUARTERLY || r[0].GetDay() != 5 || !r[0].GetNextMonth() {
		t.Fatalf("schedule %v", got.GetSchedule())
	}
	var due []string
	for _, o := range got.GetOccurrences() {
		due = append(due, o.GetDue())
	}
	if strings.Join(due, " ") != "2022-04-05 2022-07-05 2022-10-05 2023-01-05" {
		t.Errorf("due %v", due)
	}
	part, err := c.ParseDeadline(context.Background(), &roadmapv1.ParseDeadlineRequest{Text: "ежеквартально, когда получится"})
	if err != nil || part.GetSchedule().GetUnderstood() || strings.Join(part.GetSchedule().GetUnknownWords(), " ") != "когда получится" {
		t.Errorf("partly understood: %v %v", part.GetSchedule(), err)
	}
}
