package importer

import (
	"archive/zip"
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// docx builds a minimal Word document with a title paragraph and one table.
func docx(t *testing.T, title string, rows [][]string) []byte {
	t.Helper()
	var body strings.Builder
	fmt.Fprintf(&body, `<w:p><w:r><w:t>%s</w:t></w:r></w:p><w:tbl>`, title)
	for _, r := range rows {
		body.WriteString("<w:tr>")
		for _, c := range r {
			body.WriteString("<w:tc>")
			for _, p := range strings.Split(c, "\n") {
				fmt.Fprintf(&body, `<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, p)
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

var table = [][]string{
	{"№ п/п", "Мероприятие", "Сроки", "Ответственные"},
	{"1", "Подготовка условий", "", ""},
	{"1.1", "Информирование педагогического\nсообщества", "Ноябрь 2020", "Администрация"},
}

func TestReadDOCX(t *testing.T) {
	t.Parallel()
	rows, err := ReadDOCX(docx(t, "Дорожная карта 2020-2024", table))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"Дорожная карта 2020-2024"}, table[0], table[1],
		{"1.1", "Информирование педагогического сообщества", "Ноябрь 2020", "Администрация"}}
	if diff := cmp.Diff(want, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	r := Rebuild(rows, Options{})
	if r.Roadmap.Items() != 1 || r.Roadmap.Stages[0].Items[0].Schedule.Rules[0].String() != "once 2020-11-01..2020-11-30" {
		t.Errorf("rebuilt from DOCX: %s", dump(r))
	}
	for _, bad := range [][]byte{[]byte("not a zip"), {}} {
		if _, err := ReadDOCX(bad); err == nil {
			t.Errorf("ReadDOCX(%q) = nil error", bad)
		}
	}
}

func TestReadXLSX(t *testing.T) {
	t.Parallel()
	f := excelize.NewFile()
	for i, r := range table {
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
	rows, err := ReadXLSX(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r := Rebuild(rows, Options{Period: tuzhaPeriod})
	if r.Roadmap.Items() != 1 || r.Roadmap.Stages[0].Items[0].Responsible != "Администрация" {
		t.Errorf("rebuilt from XLSX: %s", dump(r))
	}
}
