// Package importer rebuilds a roadmap from the table people bring: text pasted
// from Word or Excel (tab-separated), with wrapped cells, OCR-broken numbering
// («1.0», «4.4», «6.3.», «4. 5.»), missing or reordered columns and free-text
// deadlines. It reports what became of every input row — item, merged into an
// item, stage text, header, title, noise, blank — and never drops a row
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
	colCount
)

var columnNames = [colCount]string{"номер", "мероприятие", "форма результата", "сроки", "ответственные"}

func (c Column) String() string { return columnNames[c] }

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
	// Period is the roadmap's period when the title does not name one.
	Period schedule.Period
}

// ParseTSV rebuilds a roadmap from tab-separated text.
func ParseTSV(text string, opts Options) Result {
	lines := strings.Split(strings.ReplaceAll(strings.ReplaceAll(text, "\r\n", "\n"), "\r", "\n"), "\n")
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = strings.Split(l, "\t")
	}
	return Rebuild(rows, opts)
}

// Rebuild rebuilds a roadmap from table rows (of a DOCX or XLSX table, or of
// tab-separated text).
func Rebuild(rows [][]string, opts Options) Result {
	b := &rebuilder{res: Result{Columns: map[Column]int{}}, period: opts.Period}
	for i, cells := range rows {
		for j := range cells {
			cells[j] = clean(cells[j])
		}
		b.row(i+1, cells)
	}
	b.finish()
	return b.res
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
	headerAt  int
	stage     *Stage
	item      *Item
	stageText *string // the stage field continuation lines go to
	lastNum   []int   // number of the last item
}

func (b *rebuilder) report(r RowReport) { b.res.Rows = append(b.res.Rows, r) }

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
	if blank(cells) {
		b.report(RowReport{Row: n, Outcome: OutcomeBlank})
		return
	}
	if b.headerAt == 0 {
		if b.header(cells) {
			b.headerAt = n
			b.report(RowReport{Row: n, Outcome: OutcomeHeader})
			return
		}
		if !reNumber.MatchString(cells[0]) {
			b.preamble(n, strings.Join(nonEmpty(cells), " "))
			return
		}
		b.defaultColumns(len(cells))
		b.headerAt = -1
	}
	if b.header(cells) { // a header repeated on a new page
		b.report(RowReport{Row: n, Outcome: OutcomeHeader, Notes: []validation.Problem{validation.New("import_header_again")}})
		return
	}
	num := b.cell(cells, ColNumber)
	if num != "" && reNumber.MatchString(num) {
		b.numbered(n, parseNumber(num), num, cells)
		return
	}
	if num != "" { // text in the number column: part of the measure
		cells = append([]string(nil), cells...)
		mi := b.res.Columns[ColMeasure]
		if mi < len(cells) {
			cells[mi] = strings.TrimSpace(num + " " + cells[mi])
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

// header recognises the header row and maps the columns by their names.
func (b *rebuilder) header(cells []string) bool {
	found := map[Column]int{}
	for i, c := range cells {
		l := strings.ToLower(strings.ReplaceAll(c, "ё", "е"))
		if l == "" || utf8.RuneCountInString(l) > 60 {
			continue
		}
		for _, h := range headerWords {
			if _, taken := found[h.col]; taken {
				continue
			}
			if containsAny(l, h.words) {
				found[h.col] = i
				break
			}
		}
	}
	_, hasDeadline := found[ColDeadline]
	_, hasMeasure := found[ColMeasure]
	if len(found) < 3 || !hasDeadline && !hasMeasure {
		return false
	}
	if _, ok := found[ColNumber]; !ok {
		found[ColNumber] = 0
	}
	b.res.Columns = found
	return true
}

func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// defaultColumns guesses the columns of a table without a header.
func (b *rebuilder) defaultColumns(n int) {
	if n >= 5 {
		b.res.Columns = map[Column]int{ColNumber: 0, ColMeasure: 1, ColResult: 2, ColDeadline: 3, ColResponsible: 4}
		return
	}
	b.res.Columns = map[Column]int{ColNumber: 0, ColMeasure: 1, ColDeadline: 2, ColResponsible: 3}
}

// preamble reads the lines before the table: title, goal and its targets.
func (b *rebuilder) preamble(n int, text string) {
	rm := &b.res.Roadmap
	lower := strings.ToLower(text)
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
		if m := reYears.FindStringSubmatch(text); m != nil {
			y1, _ := strconv.Atoi(m[1])
			y2, _ := strconv.Atoi(m[2])
			if y1 <= y2 {
				b.period = schedule.Period{Start: time.Date(y1, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(y2, 12, 31, 0, 0, 0, 0, time.UTC)}
			}
		}
		b.report(RowReport{Row: n, Outcome: OutcomeTitle})
	default:
		rm.Title += " " + text
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

func (b *rebuilder) newStage(n int, num int, raw string, cells []string) {
	rm := &b.res.Roadmap
	rm.Stages = append(rm.Stages, Stage{Number: num})
	b.stage = &rm.Stages[len(rm.Stages)-1]
	b.item, b.stageText = nil, nil
	rep := RowReport{Row: n, Outcome: OutcomeStage, Ref: strconv.Itoa(num)}
	if raw != strconv.Itoa(num) {
		rep.Notes = append(rep.Notes, validation.New("import_number_read").With("raw", raw).With("number", strconv.Itoa(num)))
	}
	title := b.cell(cells, ColMeasure)
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
		rep.Notes = append(rep.Notes, validation.New("import_cells_extra").With("cells", quoted(others)))
	}
	b.report(rep)
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

// finish parses every deadline against the period.
func (b *rebuilder) finish() {
	rm := &b.res.Roadmap
	if b.period.Start.IsZero() {
		y := time.Now().Year()
		b.period = schedule.Period{Start: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)}
	}
	rm.Period = b.period
	for si := range rm.Stages {
		for ii := range rm.Stages[si].Items {
			it := &rm.Stages[si].Items[ii]
			it.Schedule = schedule.Parse(it.DeadlineText, b.period)
		}
	}
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
