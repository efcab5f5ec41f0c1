package importer

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/nastavnik/nastavnik/platform/validation"
	"github.com/nastavnik/nastavnik/services/roadmap/internal/schedule"
)

// Layouts: how a table's columns are found (by their headers, by a mapping
// the person gives, or by what the cells hold — never by position alone),
// how a cell of numbered or dashed activities splits into items, and what
// the lines around a table are (title, approval block, signatures).

// classifyHeader places a header cell; false for a header the importer does
// not know («Отметка о выполнении», «Примечание»).
func classifyHeader(cell string) (Column, bool) {
	l := strings.ToLower(strings.ReplaceAll(cell, "ё", "е"))
	switch {
	case l == "" || utf8.RuneCountInString(l) > 60:
		return 0, false
	case l == "n" || l == "no" || strings.Contains(l, "№") || strings.Contains(l, "п/п") || strings.HasPrefix(l, "номер"):
		return ColNumber, true
	case hasAny(l, "отметк", "примечани", "выполнени", "комментари"):
		return 0, false
	case hasAny(l, "срок", "дата", "период исполн", "период провед", "время провед", "периодичност"):
		return ColDeadline, true
	case hasAny(l, "ответствен", "исполнител"):
		return ColResponsible, true
	case hasAny(l, "результат", "форма представл", "продукт", "форма отч", "показател"):
		return ColResult, true
	case hasAny(l, "задач"):
		return ColTask, true
	case hasAny(l, "направлени"):
		return ColStage, true
	case hasAny(l, "мероприят", "содержание", "деятельност", "действи", "работ"):
		return ColMeasure, true
	case hasAny(l, "этап", "раздел", "блок"):
		return ColStage, true
	case hasAny(l, "наименование"):
		return ColMeasure, true
	}
	return 0, false
}

func hasAny(s string, words ...string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// headerColumns reads a header row: the columns found and the header cells
// not placed. ok is false when the row is not a header.
func headerColumns(cells []string) (map[Column]int, map[int]string, bool) {
	if len(cells) > 0 && reNumber.MatchString(cells[0]) {
		return nil, nil, false
	}
	found := map[Column]int{}
	unplaced := map[int]string{}
	for i, c := range cells {
		if c == "" {
			continue
		}
		col, ok := classifyHeader(c)
		if _, taken := found[col]; !ok || taken {
			unplaced[i] = c
			continue
		}
		found[col] = i
	}
	_, hasMeasure := found[ColMeasure]
	_, hasDeadline := found[ColDeadline]
	_, hasStage := found[ColStage]
	if len(found) < 2 || !hasMeasure && !hasDeadline && !hasStage || len(unplaced) > len(found) {
		return nil, nil, false
	}
	if _, ok := found[ColNumber]; !ok {
		if _, used := unplaced[0]; !used && !containsCol(found, 0) {
			found[ColNumber] = 0
		}
	}
	if !hasMeasure && hasStage && !hasDeadline {
		return nil, nil, false
	}
	return found, unplaced, true
}

func containsCol(m map[Column]int, i int) bool {
	for _, v := range m {
		if v == i {
			return true
		}
	}
	return false
}

var reRole = regexp.MustCompile(`(?i)директор|заместител|куратор|администрац|руководител|педагог|наставник|учител|методист|психолог|классн|координатор|специалист|ответствен|управлени|отдел|совет|коллектив|(?:^|[^\p{L}])(?:ОО|ОУ)(?:[^\p{L}]|$)|ГУО|МКУ|ИМЦ|РЦН`)

// guessColumns finds the columns of a table without a header from what its
// numbered rows hold: deadlines that parse, names of roles, long texts,
// cells of numbered activities.
func guessColumns(rows [][]string, raw [][]string) map[Column]int {
	type stat struct{ filled, deadlines, roles, lists, runes int }
	var st []stat
	data := 0
	wide := schedule.Period{Start: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)}
	for r, cells := range rows {
		if len(cells) == 0 || !reNumber.MatchString(cells[0]) {
			continue
		}
		data++
		for len(st) < len(cells) {
			st = append(st, stat{})
		}
		for j, c := range cells {
			if c == "" || j == 0 {
				continue
			}
			st[j].filled++
			st[j].runes += utf8.RuneCountInString(c)
			if schedule.Parse(c, wide).Understood {
				st[j].deadlines++
			}
			if reRole.MatchString(c) && utf8.RuneCountInString(c) < 200 {
				st[j].roles++
			}
			if j < len(raw[r]) && len(splitActivities(raw[r][j]).items) >= 2 {
				st[j].lists++
			}
		}
	}
	cols := map[Column]int{ColNumber: 0}
	if data == 0 {
		return cols
	}
	taken := map[int]bool{0: true}
	best := func(score func(stat) int, min int) int {
		at, top := -1, 0
		for j, s := range st {
			if !taken[j] && s.filled > 0 && score(s) > top && score(s)*2 >= s.filled && score(s) >= min {
				at, top = j, score(s)
			}
		}
		return at
	}
	if j := best(func(s stat) int { return s.deadlines }, 1); j > 0 {
		cols[ColDeadline], taken[j] = j, true
	}
	if j := best(func(s stat) int { return s.lists }, 1); j > 0 {
		cols[ColMeasure], taken[j] = j, true
		// The text column before the activities is the stages'.
		for k := 1; k < j; k++ {
			if !taken[k] && st[k].filled > 0 {
				cols[ColStage], taken[k] = k, true
				break
			}
		}
	}
	if j := best(func(s stat) int { return s.roles }, 1); j > 0 {
		cols[ColResponsible], taken[j] = j, true
	}
	if _, ok := cols[ColMeasure]; !ok {
		for j := 1; j < len(st); j++ {
			if !taken[j] && st[j].filled > 0 {
				cols[ColMeasure], taken[j] = j, true
				break
			}
		}
	}
	// A text column between the measure and the deadline: the result.
	if m, ok := cols[ColMeasure]; ok {
		d, hasD := cols[ColDeadline]
		for j := m + 1; j < len(st) && (!hasD || j < d); j++ {
			if !taken[j] && st[j].filled > 0 {
				cols[ColResult], taken[j] = j, true
				break
			}
		}
	}
	return cols
}

var (
	reItemMark  = regexp.MustCompile(`^(\d{1,2}(?:\.\d{1,2})*)\s*[.)]\s*|^(\d{1,2}(?:\.\d{1,2})+)\s+`)
	reBullet    = regexp.MustCompile(`^[-–—•·▪◦●○■□►➢✓*]\s*`)
	reInlineNum = regexp.MustCompile(`(^|[\s;:.,])(\d{1,2})([.)])\s+`)
	reInlineDsh = regexp.MustCompile(`[.;:]\s+[-–—•]\s+`)
)

// activity is one item read from a cell: its text and its sub-points.
type activity struct {
	number string // as written («1», «2.1»), empty for a dash
	text   string
	subs   []string
}

// activities is what a cell of numbered or dashed text holds: the text before
// the first item (the lead) and the items.
type activities struct {
	lead  string
	items []activity
}

// splitActivities splits a cell into items: lines starting «1.», «1)»,
// «1.1.» are items; lines starting «–», «•» are sub-points of the item
// before them (items themselves when nothing is numbered); other lines
// continue what precedes them. A cell flattened into one line splits at
// «1. … 2. … 3. …» numbered in turn.
func splitActivities(cell string) activities {
	var lines []string
	for _, l := range strings.Split(cell, "\n") {
		if l = clean(l); l != "" {
			lines = append(lines, inlineSplit(l)...)
		}
	}
	numbered := false
	for _, l := range lines {
		if reItemMark.MatchString(l) {
			numbered = true
			break
		}
	}
	var out activities
	for _, l := range lines {
		switch {
		case reItemMark.MatchString(l):
			m := reItemMark.FindStringSubmatch(l)
			num := m[1]
			if num == "" {
				num = m[2]
			}
			out.items = append(out.items, activity{number: num, text: strings.TrimSpace(l[len(m[0]):])})
		case reBullet.MatchString(l):
			text := strings.TrimSpace(reBullet.ReplaceAllString(l, ""))
			if numbered && len(out.items) > 0 {
				it := &out.items[len(out.items)-1]
				it.subs = append(it.subs, text)
			} else {
				out.items = append(out.items, activity{text: text})
			}
		case len(out.items) > 0:
			it := &out.items[len(out.items)-1]
			if len(it.subs) > 0 {
				it.subs[len(it.subs)-1] = joinText(it.subs[len(it.subs)-1], l)
			} else {
				it.text = joinText(it.text, l)
			}
		default:
			out.lead = joinText(out.lead, l)
		}
	}
	return out
}

// inlineSplit splits a line at «1. … 2. … 3. …» (numbers in turn from 1) and
// at dashes after a stop («…; – …»).
func inlineSplit(l string) []string {
	ms := reInlineNum.FindAllStringSubmatchIndex(l, -1)
	var cuts []int
	want, delim := 1, ""
	for _, m := range ms {
		n, _ := strconv.Atoi(l[m[4]:m[5]])
		d := l[m[6]:m[7]]
		if n == want && (delim == "" || d == delim) {
			cuts = append(cuts, m[4])
			want, delim = want+1, d
		}
	}
	var parts []string
	if len(cuts) >= 2 {
		prev := 0
		for _, c := range cuts {
			if c > prev {
				parts = append(parts, strings.TrimSpace(l[prev:c]))
			}
			prev = c
		}
		parts = append(parts, strings.TrimSpace(l[prev:]))
	} else {
		parts = []string{l}
	}
	var out []string
	for _, p := range parts {
		locs := reInlineDsh.FindAllStringIndex(p, -1)
		prev := 0
		for _, loc := range locs {
			out = append(out, strings.TrimSpace(p[prev:loc[0]+1]))
			prev = loc[0] + 1
		}
		if s := strings.TrimSpace(p[prev:]); s != "" {
			out = append(out, s)
		}
	}
	var kept []string
	for _, s := range out {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return kept
}

// measure joins an activity's text and its sub-points.
func (a activity) measure() string {
	m := a.text
	for _, s := range a.subs {
		m = joinText(m, "– "+s)
	}
	return m
}

var (
	reApprovalHead = regexp.MustCompile(`(?i)^\s*(утвержда[юе]|утвержден\p{L}*|утверждён\p{L}*|согласован\p{L}*|принят\p{L}*|рассмотрен\p{L}*|приложение)`)
	reApprovalLine = regexp.MustCompile(`(?i)директор|заведующ|руководител|начальник|приказ|протокол|распоряжени|педагогическ\p{L}* совет|м\.\s?п\.|_{3,}|^\s*/.*/\s*$|^«?\s*\d{1,2}\s*»|(?:^|\D)\d{1,2}\.\d{1,2}\.\d{2,4}|^[А-ЯЁ]\.\s?[А-ЯЁ]\.\s?[А-ЯЁ][а-яё]+|[А-ЯЁ][а-яё]+\s[А-ЯЁ]\.\s?[А-ЯЁ]\.|^(от|№)\s`)
	reTitleStart   = regexp.MustCompile(`(?i)дорожн\p{L}* карт|план(?:[^\p{L}]|$)|план мероприят|комплекс мер|программ|мероприят`)
	reSignature    = regexp.MustCompile(`(?i)^\s*(исполнитель|исп\.|директор|заместитель директора|руководитель|ответственн\p{L}*|составил|подготовил|куратор)(?:[^\p{L}]|$).*|_{3,}`)
	reOrderDate    = regexp.MustCompile(`(?i)(?:приказ|распоряжени|протокол)\p{L}*[^0-9«]*(?:№\s*[\p{L}\d\-/]+\s*)?(?:от\s*)?(.*)`)
	reNumDate      = regexp.MustCompile(`(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4}|\d{2})`)
	reWordDate     = regexp.MustCompile(`(?i)«?\s*(\d{1,2})\s*»?\s+(\p{L}+)\s+(\d{4})`)
	reSchoolYears  = regexp.MustCompile(`(20\d{2})\s*[-–—/]\s*(20\d{2}|\d{2})\s*(?:уч|учебн)`)
	reOneYear      = regexp.MustCompile(`(?i)(?:на|в)\s+(20\d{2})\s*(?:г\.?|год)`)
	reOrg          = regexp.MustCompile(`(?:МБОУ|МАОУ|МКОУ|МОУ|ГБОУ|ГБПОУ|ГАОУ|КОГОБУ|МБУ ДО|МАУ ДО|МБДОУ|МАДОУ|ОГБОУ|ЧОУ|МОБУ)\s[^,;]*?(?:№\s*\d+)?(?:\s(?:г\.|пгт|с\.|пос\.)\s*[А-ЯЁ][\p{L}-]+)?(?:$|[,;»"]|\sна\s|\sв\s20|\s\d{4})`)
)

var months = map[string]int{"январ": 1, "феврал": 2, "март": 3, "апрел": 4, "ма": 5, "июн": 6, "июл": 7, "август": 8, "сентябр": 9, "октябр": 10, "ноябр": 11, "декабр": 12}

// orderDate finds the date of an order («Приказ № 45 от 31.08.2022 г.», «от
// «31» августа 2022 г.»).
func orderDate(line string) (time.Time, bool) {
	m := reOrderDate.FindStringSubmatch(line)
	if m == nil {
		return time.Time{}, false
	}
	rest := m[1]
	if d := reNumDate.FindStringSubmatch(rest); d != nil {
		day, _ := strconv.Atoi(d[1])
		mon, _ := strconv.Atoi(d[2])
		y, _ := strconv.Atoi(d[3])
		if y < 100 {
			y += 2000
		}
		return realDate(y, mon, day)
	}
	if d := reWordDate.FindStringSubmatch(rest); d != nil {
		day, _ := strconv.Atoi(d[1])
		y, _ := strconv.Atoi(d[3])
		w := strings.ToLower(d[2])
		for stem, mon := range months {
			if strings.HasPrefix(w, stem) && (stem != "ма" || w == "мая" || w == "май") {
				return realDate(y, mon, day)
			}
		}
	}
	return time.Time{}, false
}

func realDate(y, m, d int) (time.Time, bool) {
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, y >= 2000 && y <= 2099 && t.Day() == d && int(t.Month()) == m
}

// periodFromTitle reads the period the title names: a school year («на
// 2022-2023 учебный год»), years («в 2021 – 2024 гг.») or one year («на 2023
// год»).
func periodFromTitle(title string) (schedule.Period, validation.Problem, bool) {
	if m := reSchoolYears.FindStringSubmatch(title); m != nil {
		y1, _ := strconv.Atoi(m[1])
		y2, _ := strconv.Atoi(m[2])
		if y2 < 100 {
			y2 += 2000
		}
		if y2 > y1 && y2-y1 <= 10 {
			return schedule.Period{Start: date(y1, 9, 1), End: date(y2, 8, 31)},
				validation.New("import_period_title_school").With("years", m[1]+"–"+strconv.Itoa(y2)), true
		}
	}
	if m := reYears.FindStringSubmatch(title); m != nil {
		y1, _ := strconv.Atoi(m[1])
		y2, _ := strconv.Atoi(m[2])
		if y1 <= y2 && y2-y1 <= 10 {
			return schedule.Period{Start: date(y1, 1, 1), End: date(y2, 12, 31)},
				validation.New("import_period_title").With("years", m[1]+"–"+m[2]), true
		}
	}
	if m := reOneYear.FindStringSubmatch(title); m != nil {
		y, _ := strconv.Atoi(m[1])
		return schedule.Period{Start: date(y, 1, 1), End: date(y, 12, 31)}, validation.New("import_period_title").With("years", m[1]), true
	}
	return schedule.Period{}, validation.Problem{}, false
}

// periodFromOrder: a roadmap approved from June on is for the school year
// that starts that September; one approved in January–May, for that
// calendar year.
func periodFromOrder(d time.Time) (schedule.Period, validation.Problem) {
	p := validation.New("import_period_order").With("date", d)
	if d.Month() >= time.June {
		return schedule.Period{Start: date(d.Year(), 9, 1), End: date(d.Year()+1, 8, 31)}, p
	}
	return schedule.Period{Start: date(d.Year(), 1, 1), End: date(d.Year(), 12, 31)}, p
}

func date(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

// periodFromDeadlines spans the calendar years the deadlines name.
func periodFromDeadlines(texts []string) (schedule.Period, bool) {
	wide := schedule.Period{Start: date(2000, 1, 1), End: date(2099, 12, 31)}
	first, last := 0, 0
	see := func(y int) {
		if y < 2000 || y > 2099 {
			return
		}
		if first == 0 || y < first {
			first = y
		}
		if y > last {
			last = y
		}
	}
	for _, t := range texts {
		for _, r := range schedule.Parse(t, wide).Rules {
			switch r.Kind {
			case schedule.Once:
				if !r.Start.IsZero() {
					see(r.Start.Year())
				}
				see(r.End.Year())
			case schedule.Yearly:
				see(r.FirstYear)
				see(r.LastYear)
			default:
				if !r.Start.IsZero() {
					see(r.Start.Year())
				}
				if !r.End.IsZero() {
					see(r.End.Year())
				}
			}
		}
	}
	if first == 0 || last-first > 10 {
		return schedule.Period{}, false
	}
	return schedule.Period{Start: date(first, 1, 1), End: date(last, 12, 31)}, true
}

// denoiseConverter drops what converters leave: **bold**, __underline__,
// backslash escapes, <br> (a line break).
func denoiseConverter(s string) string {
	if !strings.ContainsAny(s, "*_<&\\") {
		return s
	}
	s = reBold.ReplaceAllString(s, "$1$2")
	s = strings.ReplaceAll(s, "**", "")
	return strings.NewReplacer("<br>", "\n", "<br/>", "\n", "<br />", "\n", "&nbsp;", " ", "\\.", ".", "\\-", "-", "\\*", "*", "\\_", "_", "\\)", ")").Replace(s)
}

var reBold = regexp.MustCompile(`__(\S[^_\n]*?)__|\*\*([^*\n]*?)\*\*`)
