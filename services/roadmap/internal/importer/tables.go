package importer

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/nastavnik/nastavnik/platform/tabular"
	"github.com/nastavnik/nastavnik/platform/validation"
)

// ErrUnreadable is what every error about a file that cannot be read is; the
// error carries the validation.Problem that says why.
var ErrUnreadable = tabular.ErrUnreadable

// Limits of one table file, checked while it is read so that a small
// hostile document fails fast in bounded memory: rows (table rows and
// paragraphs outside tables), cells of a row, characters of a cell and
// nesting of XML elements.
const (
	maxRows      = 5000
	maxCells     = 256
	maxCellBytes = 64 << 10
	maxDepth     = 256
)

// ReadXLSX returns the rows of the first sheet of a workbook, as displayed.
func ReadXLSX(b []byte) ([][]string, error) { return tabular.ReadXLSX(b, maxRows) }

// ReadDOCX returns the rows of every table of a Word document, in order, and
// the paragraphs outside tables as one-cell rows (the approval block, title
// and goal before the table; signatures after it). A cell's paragraphs join
// with spaces; a cell spanning columns (w:gridSpan) keeps the columns after
// it aligned; a cell continuing a vertical merge is empty.
func ReadDOCX(b []byte) ([][]string, error) { return readDOCX(b, false) }

// ReadDOCXLines is ReadDOCX with a cell's paragraphs and line breaks kept
// as lines («1. …», «– …» each on its own), for Rebuild to split.
func ReadDOCXLines(b []byte) ([][]string, error) { return readDOCX(b, true) }

func readDOCX(b []byte, lines bool) ([][]string, error) {
	if err := tabular.CheckZip(b); err != nil {
		return nil, err
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, tabular.Unreadable(validation.New("file_not_docx"))
	}
	var doc io.ReadCloser
	for _, f := range zr.File {
		if f.Name == "word/document.xml" {
			if f.UncompressedSize64 > 64<<20 {
				return nil, tabular.Unreadable(validation.New("file_too_large"))
			}
			if doc, err = f.Open(); err != nil {
				return nil, tabular.Unreadablef(err)
			}
		}
	}
	if doc == nil {
		return nil, tabular.Unreadable(validation.New("file_not_docx"))
	}
	defer doc.Close()
	rows, err := docxRows(io.LimitReader(doc, 64<<20), lines)
	if errors.Is(err, ErrUnreadable) {
		return nil, err
	}
	if err != nil {
		return nil, tabular.Unreadablef(err)
	}
	return rows, nil
}

// docxRows walks the WordprocessingML tokens, stopping at the first limit
// passed.
func docxRows(r io.Reader, lines bool) ([][]string, error) {
	tooLarge := tabular.Unreadable(validation.New("file_too_large"))
	// The decoder gathers a run of text whole before it hands it over: the
	// reader refuses a run longer than a cell may be.
	dec := xml.NewDecoder(&runLimit{r: r, max: maxCellBytes + 1024, err: tooLarge})
	var (
		rows       [][]string
		row        []string
		cell       strings.Builder
		para       strings.Builder
		depth      int // table nesting
		inCell     bool
		span       int
		vContinued bool
		listLevel  = -1 // the paragraph is an item of a Word list at this level
		listCount  int  // items of the current cell's list so far
	)
	flushPara := func() {
		t := strings.TrimSpace(para.String())
		para.Reset()
		level := listLevel
		listLevel = -1
		if t == "" {
			return
		}
		if lines && inCell && level >= 0 && !reItemMark.MatchString(t) && !reBullet.MatchString(t) {
			// Word numbers a list itself: write the marks the text lacks.
			if level == 0 {
				listCount++
				t = strconv.Itoa(listCount) + ". " + t
			} else {
				t = "– " + t
			}
		}
		switch {
		case inCell:
			if cell.Len() > 0 {
				if lines {
					cell.WriteByte('\n')
				} else {
					cell.WriteByte(' ')
				}
			}
			cell.WriteString(t)
		case depth == 0:
			rows = append(rows, []string{t})
		}
	}
	nesting := 0
	for {
		if len(rows) > maxRows {
			return nil, tabular.TooManyRows(maxRows)
		}
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if nesting++; nesting > maxDepth {
				return nil, tooLarge
			}
			switch t.Name.Local {
			case "tbl":
				depth++
			case "tr":
				if depth == 1 {
					row = nil
				}
			case "tc":
				if depth == 1 {
					inCell, span, vContinued, listCount = true, 1, false, 0
					cell.Reset()
				}
			case "ilvl":
				if n, err := strconv.Atoi(attr(t, "val")); err == nil && n >= 0 && n < 10 {
					listLevel = n
				}
			case "numPr":
				if listLevel < 0 {
					listLevel = 0
				}
			case "gridSpan":
				if n, err := strconv.Atoi(attr(t, "val")); err == nil && n > 1 && n < 64 {
					span = n
				}
			case "vMerge":
				vContinued = attr(t, "val") != "restart"
			case "tab":
				para.WriteByte(' ')
			case "br", "cr":
				if lines && inCell {
					para.WriteByte('\n')
				} else {
					para.WriteByte(' ')
				}
			}
		case xml.CharData:
			if para.Len()+cell.Len()+len(t) > maxCellBytes {
				return nil, tooLarge
			}
			para.Write(t)
		case xml.EndElement:
			nesting--
			switch t.Name.Local {
			case "p":
				flushPara()
			case "tc":
				if depth == 1 {
					flushPara()
					text := cell.String()
					cell.Reset()
					if vContinued {
						text = ""
					}
					row = append(row, text)
					for i := 1; i < span; i++ {
						row = append(row, "")
					}
					if len(row) > maxCells {
						return nil, tooLarge
					}
					inCell = false
				}
			case "tr":
				if depth == 1 {
					rows = append(rows, row)
				}
			case "tbl":
				depth--
			}
		}
	}
}

// runLimit reads r, failing with err once more than max bytes pass without
// a '<'.
type runLimit struct {
	r   io.Reader
	max int
	run int
	err error
}

func (l *runLimit) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	if i := bytes.LastIndexByte(p[:n], '<'); i >= 0 {
		l.run = n - i - 1
	} else {
		l.run += n
	}
	if l.run > l.max {
		return 0, l.err
	}
	return n, err
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}
