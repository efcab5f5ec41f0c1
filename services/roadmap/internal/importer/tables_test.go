package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
)

// docx builds a minimal Word document with a title paragraph and one table.
func docx(t testing.TB, title string, rows [][]string) []byte {
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

// hostileDOCX is a Word document whose document part is unpacked bytes of
// repeat after an opening: a small upload that inflates many times. The
// part's deflate stream is one compressed chunk repeated (each a
// self-contained, flushed block run), so that building it costs little.
func hostileDOCX(t *testing.T, open, repeat string, unpacked int) []byte {
	t.Helper()
	deflate := func(b []byte, final bool) []byte {
		var buf bytes.Buffer
		fw, err := flate.NewWriter(&buf, flate.BestCompression)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(b)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return buf.Bytes()
	}
	head := []byte(`<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + open)
	chunk := []byte(strings.Repeat(repeat, 64<<10/len(repeat)))
	packed := deflate(head, false)
	crc := crc32.Update(0, crc32.IEEETable, head)
	size := len(head)
	seg := deflate(chunk, false)
	for ; size < unpacked; size += len(chunk) {
		packed = append(packed, seg...)
		crc = crc32.Update(crc, crc32.IEEETable, chunk)
	}
	packed = append(packed, deflate(nil, true)...)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "word/document.xml", Method: zip.Deflate, CRC32: crc,
		CompressedSize64: uint64(len(packed)), UncompressedSize64: uint64(size)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(packed); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestReadDOCXHostile: documents that unpack to tens of megabytes of empty
// rows, cells, nested elements or one endless cell fail at the first limit
// passed, having read only that far: what the reader allocates stays within
// a small bound, far below the document's unpacked size.
func TestReadDOCXHostile(t *testing.T) {
	const unpacked = 60 << 20
	tests := []struct {
		name, open, repeat, want string
	}{
		{"empty rows", "<w:tbl>", "<w:tr></w:tr>", "more than 5000 rows"},
		{"paragraphs", "", "<w:p><w:r><w:t>x</w:t></w:r></w:p>", "more than 5000 rows"},
		{"cells of one row", "<w:tbl><w:tr>", "<w:tc></w:tc>", "too large"},
		{"nesting", "", "<w:p>", "too large"},
		{"one endless cell", "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>", "строка ", "too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := hostileDOCX(t, tc.open, tc.repeat, unpacked)
			if len(b) > 1<<20 {
				t.Fatalf("the hostile file is %d bytes: it should be small", len(b))
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ReadDOCX(b)
			runtime.ReadMemStats(&after)
			if err == nil || !errors.Is(err, ErrUnreadable) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("ReadDOCX(%d bytes unpacking to %d) = %v, want an unreadable file error %q", len(b), unpacked, err, tc.want)
			}
			// Before rows were counted while reading, the empty rows took
			// ~300 MB.
			if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 16<<20 {
				t.Errorf("ReadDOCX allocated %d bytes for a %d-byte file, want at most 16 MiB", allocated, len(b))
			}
		})
	}
}
