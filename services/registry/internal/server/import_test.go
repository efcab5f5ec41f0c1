package server_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

const header = "ИНН;Полное наименование;Краткое наименование;Тип;Адрес\n"

func csvRow(n int, short, kind, addr string) string {
	return fmt.Sprintf("%s;Муниципальное учреждение «%s»;%s;%s;%s\n", inn(n), short, short, kind, addr)
}

func importFile(t *testing.T, c clients, mun string, format registryv1.ImportFormat, content []byte, dry bool) *registryv1.ImportOrganisationsResponse {
	t.Helper()
	resp, err := c.orgs.ImportOrganisations(context.Background(), &registryv1.ImportOrganisationsRequest{
		MunicipalityId: mun, Format: format, Content: content, DryRun: dry})
	if err != nil {
		t.Fatalf("ImportOrganisations: %v", err)
	}
	return resp
}

func countOrgs(t *testing.T, c clients, mun string) int32 {
	t.Helper()
	resp, err := c.orgs.ListOrganisations(context.Background(), &registryv1.ListOrganisationsRequest{Municipality: mun})
	if err != nil {
		t.Fatal(err)
	}
	return resp.GetTotalSize()
}

type summary struct {
	Applied                               bool
	Created, Updated, Unchanged, Rejected int32
}

func sum(r *registryv1.ImportOrganisationsResponse) summary {
	return summary{r.GetApplied(), r.GetCreated(), r.GetUpdated(), r.GetUnchanged(), r.GetRejected()}
}

func TestImportDryRunApplyAndRepeat(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c).GetId()
	file := []byte(header + csvRow(1, "СШ № 1", "ОУ", "ул. Ленина, 1") + csvRow(2, "Колледж", "СПО", "") + csvRow(3, "ДДТ", "ДО", ""))

	dry := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, file, true)
	if diff := cmp.Diff(summary{Created: 3}, sum(dry)); diff != "" {
		t.Errorf("dry run (-want +got):\n%s", diff)
	}
	if n := countOrgs(t, c, mun); n != 0 {
		t.Fatalf("dry run wrote %d organisations, want 0", n)
	}

	applied := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, file, false)
	if diff := cmp.Diff(summary{Applied: true, Created: 3}, sum(applied)); diff != "" {
		t.Errorf("apply (-want +got):\n%s", diff)
	}
	for _, r := range applied.GetRows() {
		if _, err := c.orgs.GetOrganisation(context.Background(), &registryv1.GetOrganisationRequest{Id: r.GetOrganisationId()}); err != nil {
			t.Errorf("row %d: created organisation %q cannot be read: %v", r.GetRowNumber(), r.GetOrganisationId(), err)
		}
	}

	again := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, file, false)
	if diff := cmp.Diff(summary{Applied: true, Unchanged: 3}, sum(again)); diff != "" {
		t.Errorf("second import (-want +got):\n%s", diff)
	}

	changed := []byte(header + csvRow(1, "СШ № 1", "ОУ", "ул. Мира, 7") + csvRow(2, "Колледж", "СПО", "") + csvRow(3, "ДДТ", "ДО", "") + csvRow(4, "СШ № 4", "ОУ", ""))
	upd := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, changed, false)
	if diff := cmp.Diff(summary{Applied: true, Created: 1, Updated: 1, Unchanged: 2}, sum(upd)); diff != "" {
		t.Errorf("changed import (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"address"}, upd.GetRows()[0].GetChangedFields()); diff != "" {
		t.Errorf("changed fields (-want +got):\n%s", diff)
	}
}

func TestImportIsAllOrNothing(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c).GetId()
	file := []byte(header + csvRow(1, "СШ № 1", "ОУ", "") +
		"1234567890;Школа с опечаткой в ИНН;Опечатка;ОУ;\n" + csvRow(3, "ДДТ", "ДО", ""))
	resp := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_CSV, file, false)
	if diff := cmp.Diff(summary{Created: 2, Rejected: 1}, sum(resp)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
	bad := resp.GetRows()[1]
	if bad.GetRowNumber() != 3 || bad.GetAction() != registryv1.ImportAction_IMPORT_ACTION_REJECTED ||
		len(bad.GetProblems()) != 1 || bad.GetProblems()[0].GetColumn() != "ИНН" || bad.GetProblems()[0].GetCode() != "inn_checksum" ||
		bad.GetProblems()[0].GetLocalizedMessage() != "В ИНН опечатка: не сходится контрольная цифра" {
		t.Errorf("rejected row = %v, want row 3 rejected for the ИНН column's checksum, said in Russian", bad)
	}
	if n := countOrgs(t, c, mun); n != 0 {
		t.Errorf("a rejected import wrote %d organisations, want 0", n)
	}
}

func TestImportXLSX(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c).GetId()
	f := excelize.NewFile()
	rows := [][]any{{"Краткое наименование", "ИНН", "Вид ОО"}, {"Гимназия № 2", inn(2), "ОУ"}, {"Колледж", inn(5), "СПО"}}
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	resp := importFile(t, c, mun, registryv1.ImportFormat_IMPORT_FORMAT_XLSX, buf.Bytes(), false)
	if diff := cmp.Diff(summary{Applied: true, Created: 2}, sum(resp)); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func TestImportRejectsUnreadableFiles(t *testing.T) {
	c := start(t)
	mun := seedMunicipality(t, c).GetId()
	tests := []struct {
		name    string
		format  registryv1.ImportFormat
		content string
		want    codes.Code
	}{
		{"no INN column", registryv1.ImportFormat_IMPORT_FORMAT_CSV, "Наименование;Тип\nШкола;ОУ\n", codes.InvalidArgument},
		{"not a workbook", registryv1.ImportFormat_IMPORT_FORMAT_XLSX, "hello", codes.InvalidArgument},
		{"empty file", registryv1.ImportFormat_IMPORT_FORMAT_CSV, "", codes.InvalidArgument},
		{"unknown municipality", registryv1.ImportFormat_IMPORT_FORMAT_CSV, header, codes.NotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := mun
			if tc.want == codes.NotFound {
				id = "7b0e4d4e-0000-4000-8000-000000000000"
			}
			_, err := c.orgs.ImportOrganisations(context.Background(), &registryv1.ImportOrganisationsRequest{
				MunicipalityId: id, Format: tc.format, Content: []byte(tc.content)})
			if got := status.Code(err); got != tc.want {
				t.Fatalf("code = %v (%v), want %v", got, err, tc.want)
			}
			if tc.want == codes.InvalidArgument && !strings.Contains(strings.Join(violatedFields(t, err), ","), "content") {
				t.Errorf("violations %v do not name content", violatedFields(t, err))
			}
		})
	}
}
