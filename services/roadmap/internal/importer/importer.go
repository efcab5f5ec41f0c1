// Package importer rebuilds a roadmap from the table people bring: text pasted
// from Word or Excel (tab-separated), with wrapped cells, OCR-broken numbering
// («1.0», «4.4», «6.3.», «4. 5.»), missing or reordered columns and free-text
// deadlines. Two layouts, and their mix: a measure per row under stage rows,
// and a stage per row whose activities sit as numbered or dashed text in one
// cell. Columns are found by their headers, by a mapping the person gives or
// by what the cells hold — never by position alone. It reports what became
// of every input row and where each piece of its content went — title,
// approval block, stage, item N, sub-point of item N — and never drops a row
// silently.
package importer

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
)

// Column is a field of the roadmap table.
type Column int

// The columns a roadmap table may have.
const (
	ColNumber Column = iota
	ColMeasure
	ColResult
	ColDeadline
	ColResponsible
	// ColStage holds the stage's title in a table with a stage per row.
	ColStage
	// ColTask holds a stage's task.
	ColTask
	colCount
	// ColIgnore is a column a mapping leaves out.
	ColIgnore Column = -1
)

var columnNames = [colCount]string{"номер", "мероприятие", "форма результата", "сроки", "ответственные", "этап", "задачи"}

func (c Column) String() string {
	if c < 0 || c >= colCount {
		return "не импортируется"
	}
	return columnNames[c]
}

// Columns lists every column in order.
func Columns() []Column {
	out := make([]Column, colCount)
	for i := range out {
		out[i] = Column(i)
	}
	return out
}

// Source says how a column was found.
type Source string

// Sources of columns.
const (
	SourceHeader  Source = "header"  // by its header
	SourceContent Source = "content" // by what its cells hold (no header)
	SourceMapping Source = "mapping" // the request's mapping
)

// Place is where a piece of a row's content went.
type Place string

// Places of content.
const (
	PlaceTitle      Place = "title"
	PlaceGoal       Place = "goal"
	PlaceApproval   Place = "approval"
	PlaceHeader     Place = "header"
	PlaceStage      Place = "stage"      // a stage's title
	PlaceStageText  Place = "stage_text" // a stage's task or result
	PlaceItem       Place = "item"       // an item's measure
	PlaceSubPoint   Place = "sub_point"  // a sub-point within an item's measure
	PlaceResult     Place = "result"
	PlaceDeadline   Place = "deadline"
	PlaceResponsibl Place = "responsible"
	PlaceSignature  Place = "signature"
	PlaceNoise      Place = "noise"    // scanning or converter noise, dropped
	PlaceUnplaced   Place = "unplaced" // in a column not placed: not imported
	PlaceNotRead    Place = "not_read" // could not be placed: not imported
)

// Placement says where one piece of a row went: Ref is the stage or item
// number; Column the 1-based column (0: the whole row).
type Placement struct {
	Place  Place
	Ref    string
	Column int
}

// Outcome is what became of an input row.
type Outcome string

// Outcomes of rows.
const (
	OutcomeTitle     Outcome = "title"      // the roadmap's title
	OutcomeGoal      Outcome = "goal"       // its goal («Цель: …»)
	OutcomeHeader    Outcome = "header"     // the table's header
	OutcomeBlank     Outcome = "blank"      // nothing in it
	OutcomeStage     Outcome = "stage"      // a stage (top-level row)
	OutcomeStageText Outcome = "stage_text" // the task or result of a stage
	OutcomeItem      Outcome = "item"       // a measure
	OutcomeMerged    Outcome = "merged"     // continues the item or stage before it
	OutcomeUnread    Outcome = "unreadable" // could not be placed
	OutcomeApproval  Outcome = "approval"   // the approval block («УТВЕРЖДАЮ», order)
	OutcomeSignature Outcome = "signature"  // signatures after the table
)

// RowReport says what became of one input row.
type RowReport struct {
	Row     int
	Outcome Outcome
	// Ref is the stage or item number the row went to.
	Ref string
	// Notes explain repairs and ignored fragments, each with its code and
	// texts from the validation catalogue.
	Notes []validation.Problem
	// Placements say where each piece of the row's content went.
	Placements []Placement
}

// Note is the row's notes in English, joined by "; ".
func (r RowReport) Note() string {
	parts := make([]string, len(r.Notes))
	for i, n := range r.Notes {
		parts[i] = n.English()
	}
	return strings.Join(parts, "; ")
}

// quoted writes fragments as «a», «b».
func quoted(fragments []string) string { return "«" + strings.Join(fragments, "», «") + "»" }

// Target is a goal figure: a share of students by the end of a year.
type Target struct {
	Year    int
	Percent int
}

// Item is a measure of a stage.
type Item struct {
	Number       string
	Measure      string
	ResultForm   string
	DeadlineText string
	Responsible  string
	Schedule     schedule.Schedule
}

// Stage is a top-level row: a section with its task and expected result.
type Stage struct {
	Number int
	Title  string
	Task   string
	Result string
	Items  []Item
}

// Roadmap is what an import rebuilt.
type Roadmap struct {
	Title   string
	Goal    string
	Targets []Target
	Period  schedule.Period
	Stages  []Stage
}

// Result is a rebuilt roadmap with the fate of every row.
type Result struct {
	Roadmap Roadmap
	Rows    []RowReport
	// Columns maps each found column to its index in the rows.
	Columns map[Column]int
	// Sources says how each column was found.
	Sources map[Column]Source
	// Headers are the header cells by index; Unplaced the indexes of
	// columns with a header or content that no field took.
	Headers  map[int]string
	Unplaced []int
	// Proposed is the period read from the document when the request gave
	// none, and PeriodReason why (zero: the request's period).
	Proposed     schedule.Period
	PeriodReason validation.Problem
	// Owner is the organisation the title or approval block names.
	Owner string
	// StageRows: the table has a stage per row with activities in a cell.
	StageRows bool
}

// Items counts the items of all stages.
func (r Roadmap) Items() int {
	n := 0
	for _, s := range r.Stages {
		n += len(s.Items)
	}
	return n
}

var (
	reNumber     = regexp.MustCompile(`^(\d{1,2})((?:\s*\.\s*\d{1,2}){0,3})\s*\.?$`)
	reYears      = regexp.MustCompile(`(20\d{2})\s*[-–—]\s*(20\d{2})`)
	reTarget     = regexp.MustCompile(`(?i)(?:к концу|до конца|к|до|в)\s+(20\d{2})\s*(?:г\.?|года)?[^%]*?не менее\s+(\d{1,3})\s*%`)
	reStageLabel = regexp.MustCompile(`(?i)^\s*(задача|задачи|цель|результат|ожидаемый результат)\s*:`)
	reResultMid  = regexp.MustCompile(`(?i)\s(результат|ожидаемый результат)\s*:`)
)

// headerWords find the columns by their headers.
var headerWords = []struct {
	col   Column
	words []string
}{
	{ColNumber, []string{"№", "n п/п", "номер"}},
	{ColResult, []string{"форма представления", "ожидаемый результат", "результат", "форма"}},
	{ColDeadline, []string{"срок"}},
	{ColResponsible, []string{"ответствен", "исполнител"}},
	{ColMeasure, []string{"мероприят", "содержание", "наименование"}},
}

// Options tune an import.
type Options struct {
	// Period is the roadmap's period; zero: read from the document.
	Period schedule.Period
	// Mapping places columns (0-based) by hand, over the importer's guess;
	// ColIgnore leaves one out.
	Mapping map[int]Column
}

// ParseTSV rebuilds a roadmap from tab-separated text.
func ParseTSV(text string, opts Options) Result {
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = strings.Split(l, "\t")
		if t := strings.TrimSpace(l); len(rows[i]) == 1 && strings.HasPrefix(t, "|") && strings.Count(t, "|") >= 3 {
			rows[i] = pipeCells(t) // a table a converter wrote in Markdown
		}
	}
	return Rebuild(rows, opts)
}

var rePipeRule = regexp.MustCompile(`^[\s|:\-]+$`)

// pipeCells splits «| a | b |»; a rule line «|---|---|» has no cells.
func pipeCells(l string) []string {
	if rePipeRule.MatchString(l) {
		return []string{""}
	}
	cells := strings.Split(strings.TrimSuffix(strings.TrimPrefix(l, "|"), "|"), "|")
	for i := range cells {
		cells[i] = strings.TrimSpace(cells[i])
	}
	return cells
}

// Rebuild rebuilds a roadmap from table rows (of a DOCX or XLSX table, or of
// tab-separated text).
func Rebuild(rows [][]string, opts Options) Result {
	b := &rebuilder{res: Result{Columns: map[Column]int{}, Sources: map[Column]Source{}, Headers: map[int]string{}}, period: opts.Period}
	b.raw = make([][]string, len(rows))
	for i, cells := range rows {
		b.raw[i] = make([]string, len(cells))
		for j := range cells {
			b.raw[i][j] = denoiseConverter(strings.ToValidUTF8(cells[j], ""))
			cells[j] = clean(b.raw[i][j])
		}
	}
	b.layout(rows, opts.Mapping)
	for i, cells := range rows {
		b.rowIdx = i
		b.row(i+1, cells)
	}
	b.closeStage()
	b.finish()
	return b.res
}

// layout finds the header row and the columns: by the header, else by what
// the numbered rows hold; then the person's mapping over both.
func (b *rebuilder) layout(rows [][]string, mapping map[int]Column) {
	width := 0
	for _, r := range rows {
		width = max(width, len(r))
	}
	for i, cells := range rows {
		if len(cells) > 0 && reNumber.MatchString(cells[0]) {
			break
		}
		if cols, unplaced, ok := headerColumns(cells); ok {
			b.headerRow = i + 1
			b.res.Columns = cols
			for c := range cols {
				b.res.Sources[c] = SourceHeader
			}
			for j, c := range cells {
				if c != "" {
					b.res.Headers[j] = c
				}
			}
			_ = unplaced
			break
		}
	}
	for i, cells := range rows {
		if len(cells) > 0 && reNumber.MatchString(cells[0]) || b.headerRow != 0 && i+1 >= b.headerRow {
			break
		}
		if t := strings.Join(nonEmpty(cells), " "); reTitleStart.MatchString(t) && !reApprovalHead.MatchString(t) {
			if _, dated := orderDate(t); !dated {
				b.titleRow = i + 1
				break
			}
		}
	}
	if b.headerRow == 0 {
		b.res.Columns = guessColumns(rows, b.raw)
		for c := range b.res.Columns {
			b.res.Sources[c] = SourceContent
		}
	}
	for j, c := range mapping {
		if j < 0 || j >= 64 {
			continue
		}
		for have, at := range b.res.Columns {
			if at == j || have == c {
				delete(b.res.Columns, have)
				delete(b.res.Sources, have)
			}
		}
		if c >= 0 && c < colCount {
			b.res.Columns[c] = j
			b.res.Sources[c] = SourceMapping
		}
	}
	placed := map[int]bool{}
	for _, j := range b.res.Columns {
		placed[j] = true
	}
	start := b.headerRow
	for j := 0; j < width; j++ {
		if placed[j] {
			continue
		}
		used := b.res.Headers[j] != ""
		for _, cells := range rows[start:] {
			if j < len(cells) && cells[j] != "" && len(cells) > 1 {
				used = true
				break
			}
		}
		if used {
			b.res.Unplaced = append(b.res.Unplaced, j)
		}
	}
	_, hasStage := b.res.Columns[ColStage]
	_, hasMeasure := b.res.Columns[ColMeasure]
	b.res.StageRows = hasStage && hasMeasure
	if !b.res.StageRows && hasStage && !hasMeasure {
		// A stage column alone holds the measures.
		b.res.Columns[ColMeasure] = b.res.Columns[ColStage]
		b.res.Sources[ColMeasure] = b.res.Sources[ColStage]
		delete(b.res.Columns, ColStage)
		delete(b.res.Sources, ColStage)
	}
}

func clean(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

type rebuilder struct {
	res       Result
	period    schedule.Period
	raw       [][]string // cells with their line breaks
	rowIdx    int
	headerRow int // 1-based row of the header; 0: none
	titleRow  int // 1-based row where the title starts; 0: not found
	cells     []string
	unplaced  []Placement // of the row being read
	approval  bool        // within the approval block
	ordered   time.Time   // the approval order's date
	ownerText []string    // lines that may name the owner
	// A stage read from a table with a stage per row.
	numberedActs bool
	stageLead    [][2]int // row report and placement of the stage's lead text
	stageDue     string
	stageWho     string
	stageRaw     string // the stage's number as written
	headerAt     int
	stage        *Stage
	item         *Item
	stageText    *string // the stage field continuation lines go to
	lastNum      []int   // number of the last item
}

func (b *rebuilder) report(r RowReport) {
	if len(r.Placements) == 0 {
		r.Placements = b.autoPlace(r)
	}
	r.Placements = append(r.Placements, b.unplaced...)
	b.unplaced = nil
	b.res.Rows = append(b.res.Rows, r)
}

// autoPlace says where a row's cells went from its outcome and columns.
func (b *rebuilder) autoPlace(r RowReport) []Placement {
	switch r.Outcome {
	case OutcomeTitle:
		return []Placement{{Place: PlaceTitle}}
	case OutcomeGoal:
		return []Placement{{Place: PlaceGoal}}
	case OutcomeApproval:
		return []Placement{{Place: PlaceApproval}}
	case OutcomeSignature:
		return []Placement{{Place: PlaceSignature}}
	case OutcomeHeader:
		return []Placement{{Place: PlaceHeader}}
	case OutcomeUnread:
		return []Placement{{Place: PlaceNotRead}}
	case OutcomeStageText:
		return []Placement{{Place: PlaceStageText, Ref: r.Ref}}
	case OutcomeBlank:
		return nil
	}
	item := strings.Contains(r.Ref, ".")
	var out []Placement
	for j, c := range b.cells {
		if c == "" {
			continue
		}
		col, ok := Column(-1), false
		for k, at := range b.res.Columns {
			if at == j {
				col, ok = k, true
			}
		}
		p := Placement{Ref: r.Ref, Column: j + 1}
		switch {
		case isNoise(c) && col != ColMeasure:
			p.Place = PlaceNoise
		case !ok:
			p.Place = PlaceUnplaced
		case col == ColNumber:
			if r.Outcome == OutcomeMerged && !reNumber.MatchString(c) {
				p.Place = PlaceItem
				if !item {
					p.Place = PlaceStage
				}
				break
			}
			continue
		case !item && r.Outcome == OutcomeStage && col == ColMeasure:
			p.Place = PlaceStage
		case !item && r.Outcome == OutcomeStage:
			p.Place = PlaceStageText
		case !item:
			p.Place = PlaceStage
		case col == ColResult:
			p.Place = PlaceResult
		case col == ColDeadline:
			p.Place = PlaceDeadline
		case col == ColResponsible:
			p.Place = PlaceResponsibl
		default:
			p.Place = PlaceItem
		}
		out = append(out, p)
	}
	if len(out) == 0 && r.Ref != "" {
		// Only a number: it went to the stage or item it names.
		p := Placement{Place: PlaceStage, Ref: r.Ref, Column: b.res.Columns[ColNumber] + 1}
		if item {
			p.Place = PlaceItem
		}
		out = append(out, p)
	}
	return out
}

func blank(cells []string) bool {
	for _, c := range cells {
		if c != "" {
			return false
		}
	}
	return true
}

func (b *rebuilder) cell(cells []string, c Column) string {
	i, ok := b.res.Columns[c]
	if !ok || i >= len(cells) {
		return ""
	}
	return cells[i]
}

func (b *rebuilder) row(n int, cells []string) {
	b.cells = cells
	if blank(cells) {
		b.report(RowReport{Row: n, Outcome: OutcomeBlank})
		return
	}
	if b.headerAt == 0 {
		if n == b.headerRow {
			b.headerAt = n
			b.report(RowReport{Row: n, Outcome: OutcomeHeader})
			return
		}
		if n < b.headerRow || b.headerRow == 0 && !reNumber.MatchString(cells[0]) {
			b.preamble(n, strings.Join(nonEmpty(cells), " "))
			return
		}
		b.headerAt = -1
	}
	if _, _, ok := headerColumns(cells); ok { // a header repeated on a new page
		b.report(RowReport{Row: n, Outcome: OutcomeHeader, Notes: []validation.Problem{validation.New("import_header_again")}})
		return
	}
	if len(cells) == 1 && reSignature.MatchString(cells[0]) { // a paragraph after the table
		b.report(RowReport{Row: n, Outcome: OutcomeSignature})
		return
	}
	// Columns no field took: their text is not imported, and said so.
	if len(b.res.Unplaced) > 0 {
		cells = append([]string(nil), cells...)
		for _, j := range b.res.Unplaced {
			if j < len(cells) && cells[j] != "" && len(cells) > 1 {
				b.unplaced = append(b.unplaced, Placement{Place: PlaceUnplaced, Column: j + 1})
				cells[j] = ""
			}
		}
		b.cells = cells
		if blank(cells) {
			b.report(RowReport{Row: n, Outcome: OutcomeUnread, Notes: []validation.Problem{validation.New("import_column_unplaced")}})
			return
		}
	}
	if b.res.StageRows {
		b.stageRow(n, cells)
		return
	}
	num := b.cell(cells, ColNumber)
	if num != "" && reNumber.MatchString(num) {
		b.numbered(n, parseNumber(num), num, cells)
		return
	}
	if num != "" { // text in the number column: part of the measure
		cells = append([]string(nil), cells...)
		mi, ni := b.res.Columns[ColMeasure], b.res.Columns[ColNumber]
		if mi < len(cells) && mi != ni {
			// Moved, not copied: the row's text (a note, a stage's
			// title) would otherwise say it twice.
			cells[mi] = strings.TrimSpace(num + " " + cells[mi])
			cells[ni] = ""
		}
	}
	b.continuation(n, cells)
}

func nonEmpty(cells []string) []string {
	var out []string
	for _, c := range cells {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// preamble reads the lines before the table: the approval block, the title,
// the goal and its targets.
func (b *rebuilder) preamble(n int, text string) {
	rm := &b.res.Roadmap
	lower := strings.ToLower(text)
	if d, ok := orderDate(text); ok && b.ordered.IsZero() {
		b.ordered = d
	}
	_, dated := orderDate(text)
	switch {
	case b.titleRow > 0 && n < b.titleRow && !strings.HasPrefix(lower, "цель"):
		// Above the title: a letterhead or approval block.
		b.approval = true
		b.ownerText = append(b.ownerText, text)
		b.report(RowReport{Row: n, Outcome: OutcomeApproval})
		return
	case reApprovalHead.MatchString(text):
		b.approval = true
		b.ownerText = append(b.ownerText, text)
		b.report(RowReport{Row: n, Outcome: OutcomeApproval})
		return
	case rm.Title == "" && (b.approval && !reTitleStart.MatchString(text) && utf8.RuneCountInString(text) < 160 ||
		reApprovalLine.MatchString(text) && !reTitleStart.MatchString(text) && utf8.RuneCountInString(text) < 160) ||
		dated && !reTitleStart.MatchString(text):
		b.ownerText = append(b.ownerText, text)
		b.report(RowReport{Row: n, Outcome: OutcomeApproval})
		return
	}
	b.approval = false
	switch {
	case strings.HasPrefix(lower, "цель"):
		rm.Goal = strings.TrimSpace(strings.TrimLeft(text[len("Цель"):], ": "))
		for _, m := range reTarget.FindAllStringSubmatch(text, -1) {
			y, _ := strconv.Atoi(m[1])
			p, _ := strconv.Atoi(m[2])
			rm.Targets = append(rm.Targets, Target{Year: y, Percent: p})
		}
		b.report(RowReport{Row: n, Outcome: OutcomeGoal})
	case rm.Title == "":
		rm.Title = text
		b.ownerText = append(b.ownerText, text)
		b.report(RowReport{Row: n, Outcome: OutcomeTitle})
	default:
		rm.Title += " " + text
		b.ownerText = append(b.ownerText, text)
		b.report(RowReport{Row: n, Outcome: OutcomeTitle, Notes: []validation.Problem{validation.New("import_title_more")}})
	}
}

// parseNumber reads «6.1.2», «2.», «4. 5.» into its parts.
func parseNumber(s string) []int {
	var out []int
	for _, p := range strings.Split(strings.ReplaceAll(s, " ", ""), ".") {
		if p == "" {
			continue
		}
		v, err := strconv.Atoi(p)
		if err != nil {
			return nil
		}
		out = append(out, v)
	}
	return out
}

func numberString(parts []int) string {
	s := make([]string, len(parts))
	for i, p := range parts {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ".")
}

// startsLower reports text that continues a sentence (a wrapped cell).
func startsLower(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsLower(r)
}

func (b *rebuilder) numbered(n int, parts []int, raw string, cells []string) {
	measure := b.cell(cells, ColMeasure)
	switch {
	case len(parts) == 1 && b.nextStage(parts[0]) && !startsLower(measure):
		b.newStage(n, parts[0], raw, cells)
	case len(parts) == 1 && b.stage != nil && parts[0] == b.stage.Number && measure != "" && !startsLower(measure) &&
		!reStageLabel.MatchString(measure) && b.cell(cells, ColDeadline)+b.cell(cells, ColResponsible) == "":
		// «3.» written twice: the next stage.
		b.newStage(n, b.stage.Number+1, raw, cells, validation.New("import_number_repeated").With("raw", raw).With("number", strconv.Itoa(b.stage.Number+1)))
	case len(parts) >= 2 && b.stage != nil && parts[0] == b.stage.Number && !(parts[len(parts)-1] == 0) && !startsLower(measure) && b.freshNumber(parts):
		b.newItem(n, parts, raw, cells)
	case b.stage != nil && !startsLower(measure) && measure != "" && !reStageLabel.MatchString(measure) && b.cell(cells, ColDeadline)+b.cell(cells, ColResponsible) != "":
		// A measure of its own under a number that does not fit: OCR damage.
		parts = b.nextItemNumber()
		b.newItem(n, parts, raw, cells, validation.New("import_renumbered").With("raw", raw).With("number", numberString(parts)))
	default:
		cells = append([]string(nil), cells...)
		cells[b.res.Columns[ColNumber]] = "" // the number is noise; the text continues
		b.continuation(n, cells)
		last := len(b.res.Rows) - 1
		b.res.Rows[last].Notes = append(b.res.Rows[last].Notes, validation.New("import_number_noise").With("raw", raw))
		b.res.Rows[last].Placements = append(b.res.Rows[last].Placements, Placement{Place: PlaceNoise, Column: b.res.Columns[ColNumber] + 1})
	}
}

// nextStage accepts a top-level number that continues the stages.
func (b *rebuilder) nextStage(v int) bool {
	if b.stage == nil {
		return v >= 1 && v <= 2
	}
	return v == b.stage.Number+1
}

// freshNumber accepts an item number that moves forward.
func (b *rebuilder) freshNumber(parts []int) bool {
	if b.lastNum == nil || b.lastNum[0] != parts[0] {
		return true
	}
	for i := 0; i < len(parts) && i < len(b.lastNum); i++ {
		if parts[i] != b.lastNum[i] {
			return parts[i] > b.lastNum[i]
		}
	}
	return len(parts) > len(b.lastNum)
}

func (b *rebuilder) nextItemNumber() []int {
	if b.lastNum == nil || b.lastNum[0] != b.stage.Number {
		return []int{b.stage.Number, 1}
	}
	next := append([]int(nil), b.lastNum...)
	next[len(next)-1]++
	return next
}

func (b *rebuilder) newStage(n int, num int, raw string, cells []string, notes ...validation.Problem) {
	rm := &b.res.Roadmap
	rm.Stages = append(rm.Stages, Stage{Number: num})
	b.stage = &rm.Stages[len(rm.Stages)-1]
	b.item, b.stageText = nil, nil
	rep := RowReport{Row: n, Outcome: OutcomeStage, Ref: strconv.Itoa(num), Notes: notes}
	if raw != strconv.Itoa(num) && len(notes) == 0 {
		rep.Notes = append(rep.Notes, validation.New("import_number_read").With("raw", raw).With("number", strconv.Itoa(num)))
	}
	title := b.cell(cells, ColMeasure)
	if acts := splitActivities(b.rawCell(ColMeasure)); len(acts.items) >= 2 {
		// A stage row with its activities in the cell (a mixed table).
		b.stage.Title = acts.lead
		if b.stage.Title == "" {
			b.stage.Title = fmt.Sprintf("Этап %d", num)
		}
		rep.Placements = append(rep.Placements, Placement{Place: PlaceStage, Ref: rep.Ref, Column: b.res.Columns[ColMeasure] + 1})
		b.numberedActs = false
		b.addActivities(acts, &rep, b.res.Columns[ColMeasure]+1, false)
		for i := range b.stage.Items {
			it := &b.stage.Items[i]
			it.DeadlineText, it.Responsible, it.ResultForm = denoise(b.cell(cells, ColDeadline)), b.cell(cells, ColResponsible), b.cell(cells, ColResult)
		}
		b.item = nil
		if len(b.stage.Items) > 0 {
			b.item = &b.stage.Items[len(b.stage.Items)-1]
			b.lastNum = parseNumber(b.item.Number)
		}
		rep.Placements = append(rep.Placements, b.rowPlacements(cells, rep.Ref+".1–"+rep.Ref+"."+strconv.Itoa(len(b.stage.Items)))...)
		b.report(rep)
		return
	}
	var others []string
	for i, c := range cells {
		if c != "" && i != b.res.Columns[ColNumber] && i != b.res.Columns[ColMeasure] {
			others = append(others, c)
		}
	}
	switch {
	case title == "" && len(others) > 0:
		title, others = others[0], others[1:]
		rep.Notes = append(rep.Notes, validation.New("import_title_moved"))
	}
	if reStageLabel.MatchString(title) {
		b.stageLabels(title)
		title = ""
		rep.Notes = append(rep.Notes, validation.New("import_no_title"))
	}
	if title == "" {
		title = fmt.Sprintf("Этап %d", num)
	}
	if known, ok := repairTitle(title); ok {
		rep.Notes = append(rep.Notes, validation.New("import_title_fixed").With("from", title).With("to", known))
		title = known
	}
	b.stage.Title = title
	if len(others) > 0 {
		// Nothing is left in a note: text beside the stage's title goes to
		// its task, where the person sees and edits it.
		b.stage.Task = joinText(b.stage.Task, strings.Join(others, " "))
		b.stageText = &b.stage.Task
		rep.Notes = append(rep.Notes, validation.New("import_cells_to_stage").With("cells", quoted(others)))
	}
	b.report(rep)
}

// rawCell is a cell of the current row with its line breaks.
func (b *rebuilder) rawCell(c Column) string {
	i, ok := b.res.Columns[c]
	if !ok || b.rowIdx >= len(b.raw) || i >= len(b.raw[b.rowIdx]) {
		return ""
	}
	return b.raw[b.rowIdx][i]
}

// rowPlacements places the result, deadline and responsible cells of a row
// whose activities became the items ref.
func (b *rebuilder) rowPlacements(cells []string, ref string) []Placement {
	var out []Placement
	for _, c := range []struct {
		col   Column
		place Place
	}{{ColResult, PlaceResult}, {ColDeadline, PlaceDeadline}, {ColResponsible, PlaceResponsibl}} {
		if v := b.cell(cells, c.col); v != "" {
			p := c.place
			if isNoise(v) {
				p = PlaceNoise
			}
			out = append(out, Placement{Place: p, Ref: ref, Column: b.res.Columns[c.col] + 1})
		}
	}
	return out
}

// addActivities makes items of a cell's activities in the current stage;
// the lead text before them goes to the stage's task (or becomes the item
// when no item follows, see closeStage).
func (b *rebuilder) addActivities(acts activities, rep *RowReport, col int, lead bool) {
	st := b.stage
	if acts.lead != "" && lead {
		if len(st.Items) > 0 && len(acts.items) == 0 {
			it := &st.Items[len(st.Items)-1]
			it.Measure = joinText(it.Measure, acts.lead)
			rep.Placements = append(rep.Placements, Placement{Place: PlaceItem, Ref: it.Number, Column: col})
		} else {
			st.Task = joinText(st.Task, acts.lead)
			rep.Placements = append(rep.Placements, Placement{Place: PlaceStageText, Ref: strconv.Itoa(st.Number), Column: col})
			b.stageLead = append(b.stageLead, [2]int{len(b.res.Rows), len(rep.Placements) - 1}) // the row is reported next
		}
	}
	for _, a := range acts.items {
		if a.number != "" {
			b.numberedActs = true
		}
		if a.number == "" && b.numberedActs && len(st.Items) > 0 {
			// A dash under a numbered item: its sub-point.
			it := &st.Items[len(st.Items)-1]
			it.Measure = joinText(it.Measure, "– "+a.measure())
			rep.Placements = append(rep.Placements, Placement{Place: PlaceSubPoint, Ref: it.Number, Column: col})
			continue
		}
		num := fmt.Sprintf("%d.%d", st.Number, len(st.Items)+1)
		st.Items = append(st.Items, Item{Number: num, Measure: a.measure()})
		rep.Placements = append(rep.Placements, Placement{Place: PlaceItem, Ref: num, Column: col})
		for range a.subs {
			rep.Placements = append(rep.Placements, Placement{Place: PlaceSubPoint, Ref: num, Column: col})
		}
	}
}

// stageRow reads a row of a table with a stage per row: a number or a title
// starts a stage; a row with neither continues it (a cell broken across
// lines or pages).
func (b *rebuilder) stageRow(n int, cells []string) {
	num := b.cell(cells, ColNumber)
	title := b.cell(cells, ColStage)
	measureCol := b.res.Columns[ColMeasure] + 1
	acts := splitActivities(b.rawCell(ColMeasure))
	if num == "" && title == "" || num == "" && b.stage != nil && startsLower(title) {
		if b.stage == nil {
			text := strings.Join(nonEmpty(cells), " ")
			b.report(RowReport{Row: n, Outcome: OutcomeUnread, Notes: []validation.Problem{validation.New("import_before_stage").With("text", text)}})
			return
		}
		rep := RowReport{Row: n, Outcome: OutcomeMerged, Ref: strconv.Itoa(b.stage.Number)}
		if title != "" {
			b.stage.Title = joinText(b.stage.Title, title)
			rep.Placements = append(rep.Placements, Placement{Place: PlaceStage, Ref: rep.Ref, Column: b.res.Columns[ColStage] + 1})
		}
		b.stageCells(cells, &rep)
		b.addActivities(acts, &rep, measureCol, true)
		if len(rep.Placements) == 0 {
			rep.Placements = b.autoPlace(rep)
		}
		b.report(rep)
		return
	}
	b.closeStage()
	want := 1
	if b.stage != nil {
		want = b.stage.Number + 1
	}
	rep := RowReport{Row: n, Outcome: OutcomeStage, Ref: strconv.Itoa(want)}
	if v := stageNumber(num); num != "" && (v != want || len(parseNumber(num)) > 1) {
		code := "import_number_read"
		if b.stage != nil && v == stageNumber(b.stageRaw) && len(parseNumber(num)) <= 1 {
			code = "import_number_repeated"
		}
		rep.Notes = append(rep.Notes, validation.New(code).With("raw", num).With("number", strconv.Itoa(want)))
	}
	b.stageRaw = num
	rm := &b.res.Roadmap
	rm.Stages = append(rm.Stages, Stage{Number: want, Title: title})
	b.stage = &rm.Stages[len(rm.Stages)-1]
	b.item, b.stageText, b.numberedActs, b.stageLead, b.stageDue, b.stageWho = nil, nil, false, nil, "", ""
	if num != "" && (title == "" || stageNumber(num) != want) {
		rep.Placements = append(rep.Placements, Placement{Place: PlaceStage, Ref: rep.Ref, Column: b.res.Columns[ColNumber] + 1})
	}
	if title == "" {
		b.stage.Title = fmt.Sprintf("Этап %d", want)
		rep.Notes = append(rep.Notes, validation.New("import_stage_untitled"))
	} else {
		rep.Placements = append(rep.Placements, Placement{Place: PlaceStage, Ref: rep.Ref, Column: b.res.Columns[ColStage] + 1})
	}
	b.stageCells(cells, &rep)
	b.addActivities(acts, &rep, measureCol, true)
	b.report(rep)
}

// stageCells files a stage row's task, result, deadline and responsible.
func (b *rebuilder) stageCells(cells []string, rep *RowReport) {
	ref := strconv.Itoa(b.stage.Number)
	if v := b.cell(cells, ColTask); v != "" {
		b.stage.Task = joinText(b.stage.Task, v)
		rep.Placements = append(rep.Placements, Placement{Place: PlaceStageText, Ref: ref, Column: b.res.Columns[ColTask] + 1})
	}
	if v := b.cell(cells, ColResult); v != "" {
		b.stage.Result = joinText(b.stage.Result, v)
		rep.Placements = append(rep.Placements, Placement{Place: PlaceStageText, Ref: ref, Column: b.res.Columns[ColResult] + 1})
	}
	if v := denoise(b.cell(cells, ColDeadline)); v != "" && !strings.Contains(strings.ToLower(b.stageDue), strings.ToLower(v)) {
		b.stageDue = joinText(b.stageDue, v)
		rep.Placements = append(rep.Placements, Placement{Place: PlaceDeadline, Ref: ref, Column: b.res.Columns[ColDeadline] + 1})
	}
	if v := b.cell(cells, ColResponsible); v != "" && !isNoise(v) {
		b.stageWho = joinText(b.stageWho, v)
		rep.Placements = append(rep.Placements, Placement{Place: PlaceResponsibl, Ref: ref, Column: b.res.Columns[ColResponsible] + 1})
	}
}

// closeStage ends a stage of a table with a stage per row: its deadline and
// responsible go to each of its items; a stage whose cell held text but no
// numbered or dashed list gets that text as its one item.
func (b *rebuilder) closeStage() {
	if !b.res.StageRows || b.stage == nil {
		return
	}
	st := b.stage
	if len(st.Items) == 0 && st.Task != "" && len(b.stageLead) > 0 {
		num := fmt.Sprintf("%d.1", st.Number)
		st.Items = append(st.Items, Item{Number: num, Measure: st.Task})
		st.Task = ""
		for _, at := range b.stageLead {
			p := &b.res.Rows[at[0]].Placements[at[1]]
			p.Place, p.Ref = PlaceItem, num
		}
	}
	for i := range st.Items {
		it := &st.Items[i]
		if it.DeadlineText == "" {
			it.DeadlineText = b.stageDue
		}
		if it.Responsible == "" {
			it.Responsible = b.stageWho
		}
	}
	b.stageLead = nil
}

// stageNumber reads «3», «3.», «III», «Этап 3», «3 этап», «I этап».
func stageNumber(s string) int {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '.' || r == ')' }) {
		if v, err := strconv.Atoi(w); err == nil {
			return v
		}
		if v, ok := map[string]int{"i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6, "vii": 7, "viii": 8, "ix": 9, "x": 10}[w]; ok {
			return v
		}
	}
	return 0
}

// stageLabels files «Задача: …» and «Результат: …» text into the stage.
func (b *rebuilder) stageLabels(text string) {
	if loc := reResultMid.FindStringIndex(text); loc != nil && loc[0] > 0 {
		b.stageLabels(text[:loc[0]])
		b.stageLabels(strings.TrimSpace(text[loc[0]:]))
		return
	}
	m := reStageLabel.FindStringSubmatch(text)
	if m == nil {
		return
	}
	body := strings.TrimSpace(text[len(m[0]):])
	label := strings.ToLower(m[1])
	if strings.Contains(label, "результат") {
		b.stage.Result = joinText(b.stage.Result, body)
		b.stageText = &b.stage.Result
	} else {
		b.stage.Task = joinText(b.stage.Task, body)
		b.stageText = &b.stage.Task
	}
}

func (b *rebuilder) newItem(n int, parts []int, raw string, cells []string, notes ...validation.Problem) {
	it := Item{
		Number:       numberString(parts),
		Measure:      b.cell(cells, ColMeasure),
		ResultForm:   b.cell(cells, ColResult),
		DeadlineText: denoise(b.cell(cells, ColDeadline)),
		Responsible:  b.cell(cells, ColResponsible),
	}
	if len(notes) == 0 && raw != it.Number {
		notes = append(notes, validation.New("import_number_read").With("raw", raw).With("number", it.Number))
	}
	b.stage.Items = append(b.stage.Items, it)
	b.item = &b.stage.Items[len(b.stage.Items)-1]
	b.stageText = nil
	b.lastNum = parts
	b.report(RowReport{Row: n, Outcome: OutcomeItem, Ref: it.Number, Notes: notes})
}

// denoise drops scanning noise from a deadline cell: a lone digit or mark.
func denoise(s string) string {
	if isNoise(s) {
		return ""
	}
	return s
}

func isNoise(s string) bool {
	return s != "" && utf8.RuneCountInString(s) <= 2 && !unicode.IsLetter(firstRune(s))
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// continuation files a row without a number into the element before it.
func (b *rebuilder) continuation(n int, cells []string) {
	var words, noise []string
	for _, c := range nonEmpty(cells) {
		if isNoise(c) {
			noise = append(noise, c)
		} else {
			words = append(words, c)
		}
	}
	text := strings.Join(words, " ")
	var noiseNotes []validation.Problem
	if len(noise) > 0 {
		noiseNotes = append(noiseNotes, validation.New("import_scan_noise").With("cells", quoted(noise)))
	}
	switch {
	case b.stage == nil:
		b.report(RowReport{Row: n, Outcome: OutcomeUnread, Notes: []validation.Problem{validation.New("import_before_stage").With("text", text)}})
	case reStageLabel.MatchString(b.cell(cells, ColMeasure)) || reStageLabel.MatchString(text) && b.item == nil:
		label := b.cell(cells, ColMeasure)
		if label == "" {
			label = text
		}
		b.stageLabels(label)
		b.item = nil
		b.report(RowReport{Row: n, Outcome: OutcomeStageText, Ref: strconv.Itoa(b.stage.Number)})
	case b.item == nil && b.stageText != nil:
		rest := ""
		if loc := reResultMid.FindStringIndex(text); loc != nil {
			text, rest = text[:loc[0]], strings.TrimSpace(text[loc[0]:])
		}
		*b.stageText = joinText(*b.stageText, text)
		if rest != "" {
			b.stageLabels(rest)
		}
		b.report(RowReport{Row: n, Outcome: OutcomeStageText, Ref: strconv.Itoa(b.stage.Number),
			Notes: append([]validation.Problem{validation.New("import_stage_text")}, noiseNotes...)})
	case b.item == nil:
		b.stage.Title = joinText(b.stage.Title, text)
		b.report(RowReport{Row: n, Outcome: OutcomeMerged, Ref: strconv.Itoa(b.stage.Number), Notes: []validation.Problem{validation.New("import_stage_title")}})
	default:
		for c, field := range map[Column]*string{ColMeasure: &b.item.Measure, ColResult: &b.item.ResultForm,
			ColDeadline: &b.item.DeadlineText, ColResponsible: &b.item.Responsible} {
			v := b.cell(cells, c)
			if isNoise(v) {
				continue
			}
			if c == ColDeadline && v != "" && strings.Contains(strings.ToLower(*field), strings.ToLower(v)) {
				continue // the same deadline wrapped onto the next line
			}
			*field = joinText(*field, v)
		}
		b.report(RowReport{Row: n, Outcome: OutcomeMerged, Ref: b.item.Number, Notes: noiseNotes})
	}
}

// joinText appends a wrapped line: «№ Р-» + «145» → «№ Р-145».
func joinText(a, b string) string {
	switch {
	case b == "":
		return a
	case a == "":
		return b
	case strings.HasSuffix(a, "-") && !strings.HasSuffix(a, " -") && (startsLower(b) || unicode.IsDigit(firstRune(b))):
		return a + b
	}
	return a + " " + b
}

// finish proposes the period when the request gave none — from the title,
// else the approval order's date, else the deadlines' years, else the
// current year — and parses every deadline against it.
func (b *rebuilder) finish() {
	rm := &b.res.Roadmap
	rm.Title = strings.Trim(rm.Title, " .,;:-–—")
	for _, t := range b.ownerText {
		if m := reOrg.FindString(t); m != "" {
			b.res.Owner = strings.Trim(m, " ,;»\"")
			b.res.Owner = strings.TrimSuffix(strings.TrimSuffix(b.res.Owner, " на"), " в")
			break
		}
	}
	if b.period.Start.IsZero() {
		var texts []string
		for _, st := range rm.Stages {
			for _, it := range st.Items {
				texts = append(texts, it.DeadlineText)
			}
		}
		p, why, ok := periodFromTitle(rm.Title)
		switch {
		case ok:
		case !b.ordered.IsZero():
			p, why = periodFromOrder(b.ordered)
		default:
			if p, ok = periodFromDeadlines(texts); ok {
				why = validation.New("import_period_deadlines").With("years", yearsText(p))
			} else {
				y := time.Now().Year()
				p = schedule.Period{Start: date(y, 1, 1), End: date(y, 12, 31)}
				why = validation.New("import_period_default").With("years", strconv.Itoa(y))
			}
		}
		b.period, b.res.Proposed, b.res.PeriodReason = p, p, why
	}
	rm.Period = b.period
	for si := range rm.Stages {
		for ii := range rm.Stages[si].Items {
			it := &rm.Stages[si].Items[ii]
			it.Schedule = schedule.Parse(it.DeadlineText, b.period)
		}
	}
}

func yearsText(p schedule.Period) string {
	y1, y2 := p.Years()
	if y1 == y2 {
		return strconv.Itoa(y1)
	}
	return strconv.Itoa(y1) + "–" + strconv.Itoa(y2)
}

// modelStages are the stage titles of the model roadmaps (seed 000 and 004):
// a title a scan damaged a little is restored to one of them.
var modelStages = []string{
	"Подготовка условий для запуска программы наставничества",
	"Формирование базы наставляемых",
	"Формирование базы наставников",
	"Отбор и обучение наставников",
	"Формирование наставнических пар или групп",
	"Организация работы наставнических пар или групп",
	"Завершение программы наставничества",
}

// repairTitle finds the model title within a few letters of title.
func repairTitle(title string) (string, bool) {
	t := []rune(strings.ToLower(title))
	for _, known := range modelStages {
		k := []rune(strings.ToLower(known))
		if d := distance(t, k); d > 0 && d <= 3 && len(k) > 12 {
			return known, true
		}
	}
	return "", false
}

// distance is the Levenshtein distance of two rune strings.
func distance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
