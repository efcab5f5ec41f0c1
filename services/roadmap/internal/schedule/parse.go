package schedule

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// atomKind is a recognised piece of a deadline text.
type atomKind int

const (
	aMonth       atomKind = iota + 1 // m
	aMonthRange                      // m..m2
	aYear                            // y
	aYearRange                       // y..y2
	aDayMonth                        // d m (by: «не позднее», «до»)
	aDate                            // d m y (by)
	aQuarter                         // q
	aHalf                            // q = half 1 or 2
	aSchoolYear                      // y: September y – May y+1
	aSchoolStart                     // «в начале учебного года»
	aSchoolEnd                       // «в конце учебного года»
	aContinuous
	aAsNeeded
	aMonthly
	aYearly
	aBy   // «до», «не позднее», «к»
	aDash // «-» between two atoms
	aSep  // «,» «;»
)

type atom struct {
	kind        atomKind
	d, m, m2, y int
	y2          int
	by          bool
}

var months = []struct {
	re *regexp.Regexp
	m  int
}{
	{regexp.MustCompile(`^январ\p{L}*`), 1}, {regexp.MustCompile(`^феврал\p{L}*`), 2},
	{regexp.MustCompile(`^март\p{L}*`), 3}, {regexp.MustCompile(`^апрел\p{L}*`), 4},
	{regexp.MustCompile(`^ма[йяюе]$`), 5}, {regexp.MustCompile(`^июн\p{L}*`), 6},
	{regexp.MustCompile(`^июл\p{L}*`), 7}, {regexp.MustCompile(`^август\p{L}*`), 8},
	{regexp.MustCompile(`^сентябр\p{L}*`), 9}, {regexp.MustCompile(`^октябр\p{L}*`), 10},
	{regexp.MustCompile(`^ноябр\p{L}*`), 11}, {regexp.MustCompile(`^декабр\p{L}*`), 12},
}

// phrases are matched before single words, longest first in effect.
var phrases = []struct {
	re   *regexp.Regexp
	kind atomKind
}{
	{regexp.MustCompile(`^по мере (необходимости|реализации|потребности|поступления)\p{L}*`), aAsNeeded},
	{regexp.MustCompile(`^(в течение|на протяжении|в период) (всего )?(периода|срока)( реализации( программы| проекта| дорожной карты)?)?`), aContinuous},
	{regexp.MustCompile(`^(в течение|на протяжении) (всего )?(учебного |календарного )?года`), aContinuous},
	{regexp.MustCompile(`^(постоянно|систематически|весь период)`), aContinuous},
	{regexp.MustCompile(`^(в )?начал\p{L}* учебного года`), aSchoolStart},
	{regexp.MustCompile(`^(в )?(конц\p{L}*|окончани\p{L}*) учебного года`), aSchoolEnd},
	{regexp.MustCompile(`^по (отдельному )?(графику|плану)( \p{L}+)?`), 0},
	{regexp.MustCompile(`^не позднее`), aBy},
	{regexp.MustCompile(`^ежегодн\p{L}*`), aYearly},
	{regexp.MustCompile(`^ежемесячн\p{L}*`), aMonthly},
}

var (
	reSchoolYear = regexp.MustCompile(`^(20\d{2})\s*[-/]\s*(20\d{2}|\d{2})\s*(учебн\p{L}*|уч\.?)\s*(год\p{L}*|г\.?)?`)
	reDate       = regexp.MustCompile(`^(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4}|\d{2})\b\.?`)
	reDayMonth   = regexp.MustCompile(`^(\d{1,2})\s+(\p{L}+)`)
	reYearRange  = regexp.MustCompile(`^(20\d{2})\s*-\s*(20\d{2})\b`)
	reYear       = regexp.MustCompile(`^(20\d{2})\b`)
	reQuarter    = regexp.MustCompile(`^(iv|i{1,3}|[1-4]|перв\p{L}*|втор\p{L}*|трет\p{L}*|четверт\p{L}*)\s*(-?[йм]\s*)?квартал\p{L}*`)
	reHalf       = regexp.MustCompile(`^(i{1,2}|[12]|перв\p{L}*|втор\p{L}*)\s*(-?[еом]\s*)?полугоди\p{L}*`)
	reWord       = regexp.MustCompile(`^[\p{L}\d]+`)
)

// ignored words carry no meaning for the schedule.
var ignored = map[string]bool{
	"г": true, "гг": true, "год": true, "года": true, "годы": true, "годов": true, "году": true,
	"в": true, "и": true, "с": true, "по": true, "на": true, "срок": true, "сроки": true, "течение": true,
	"период": true, "периода": true, "уч": true, "н": true, "в.": true, "раз": true, "месяц": true, "месяца": true,
}

func ordinal(s string) int {
	switch {
	case s == "i" || s == "1" || strings.HasPrefix(s, "перв"):
		return 1
	case s == "ii" || s == "2" || strings.HasPrefix(s, "втор"):
		return 2
	case s == "iii" || s == "3" || strings.HasPrefix(s, "трет"):
		return 3
	case s == "iv" || s == "4" || strings.HasPrefix(s, "четв"):
		return 4
	}
	return 0
}

func monthOf(word string) int {
	for _, mo := range months {
		if mo.re.MatchString(word) {
			return mo.m
		}
	}
	return 0
}

func normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("ё", "е", "–", "-", "—", "-", "−", "-", "\u00a0", " ", "«", " ", "»", " ", "\"", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// lex turns a normalised text into atoms and the words it did not know.
func lex(s string) ([]atom, []string) {
	var (
		atoms   []atom
		unknown []string
	)
	for len(s) > 0 {
		switch c := s[0]; {
		case c == ' ' || c == '.' || c == '(' || c == ')' || c == ':' || c == '_' || c == '/':
			s = s[1:]
			continue
		case c == ',' || c == ';':
			atoms = append(atoms, atom{kind: aSep})
			s = s[1:]
			continue
		case c == '-':
			atoms = append(atoms, atom{kind: aDash})
			s = s[1:]
			continue
		}
		if n, a, ok := lexOne(s); ok {
			if a.kind != 0 {
				atoms = append(atoms, a)
			}
			s = s[n:]
			continue
		}
		w := reWord.FindString(s)
		if w == "" {
			_, size := utf8.DecodeRuneInString(s)
			s = s[size:]
			continue
		}
		s = s[len(w):]
		switch {
		case w == "до" || w == "к":
			atoms = append(atoms, atom{kind: aBy})
		case ignored[w]:
		default:
			unknown = append(unknown, w)
		}
	}
	return atoms, unknown
}

// lexOne recognises one atom at the start of s.
func lexOne(s string) (int, atom, bool) {
	for _, p := range phrases {
		if m := p.re.FindString(s); m != "" {
			return len(m), atom{kind: p.kind}, true
		}
	}
	if m := reSchoolYear.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		return len(m[0]), atom{kind: aSchoolYear, y: y}, true
	}
	if m := reDate.FindStringSubmatch(s); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		y, _ := strconv.Atoi(m[3])
		if y < 100 {
			y += 2000
		}
		return len(m[0]), atom{kind: aDate, d: d, m: mo, y: y}, true
	}
	if m := reQuarter.FindStringSubmatch(s); m != nil {
		return len(m[0]), atom{kind: aQuarter, m: ordinal(m[1])}, true
	}
	if m := reHalf.FindStringSubmatch(s); m != nil {
		return len(m[0]), atom{kind: aHalf, m: ordinal(m[1])}, true
	}
	if m := reDayMonth.FindStringSubmatch(s); m != nil {
		if mo := monthOf(m[2]); mo != 0 {
			d, _ := strconv.Atoi(m[1])
			return len(m[0]), atom{kind: aDayMonth, d: d, m: mo}, true
		}
	}
	if m := reYearRange.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		y2, _ := strconv.Atoi(m[2])
		return len(m[0]), atom{kind: aYearRange, y: y, y2: y2}, true
	}
	if m := reYear.FindStringSubmatch(s); m != nil {
		y, _ := strconv.Atoi(m[1])
		return len(m[0]), atom{kind: aYear, y: y}, true
	}
	if w := reWord.FindString(s); w != "" {
		if mo := monthOf(w); mo != 0 {
			return len(w), atom{kind: aMonth, m: mo}, true
		}
	}
	return 0, atom{}, false
}

// combine joins «март - апрель» into a month range, «2022 - 2024» into a year
// range, and «до»/«не позднее» into the date that follows.
func combine(in []atom) []atom {
	var out []atom
	for i := 0; i < len(in); i++ {
		a := in[i]
		switch {
		case a.kind == aMonth && i+2 < len(in) && in[i+1].kind == aDash && in[i+2].kind == aMonth:
			out = append(out, atom{kind: aMonthRange, m: a.m, m2: in[i+2].m})
			i += 2
		case a.kind == aYear && i+2 < len(in) && in[i+1].kind == aDash && in[i+2].kind == aYear:
			out = append(out, atom{kind: aYearRange, y: a.y, y2: in[i+2].y})
			i += 2
		case a.kind == aBy && i+1 < len(in) && (in[i+1].kind == aDate || in[i+1].kind == aDayMonth):
			b := in[i+1]
			b.by = true
			out = append(out, b)
			i++
		case a.kind == aBy && i+1 < len(in) && in[i+1].kind == aMonth:
			out = append(out, in[i+1]) // «до мая»: by the end of May
			i++
		case a.kind == aDash || a.kind == aBy:
		default:
			out = append(out, a)
		}
	}
	return out
}

// Parse understands text within a roadmap's period.
func Parse(text string, p Period) Schedule {
	s := Schedule{Text: text}
	norm := normalize(text)
	if norm == "" {
		s.Note = "the deadline is empty"
		return s
	}
	raw, unknown := lex(norm)
	atoms := combine(raw)

	// «Ежегодно» makes what follows it yearly; at the end, what precedes it.
	yearlyAt := -1
	for i, a := range atoms {
		if a.kind == aYearly {
			yearlyAt = i
			break
		}
	}
	var once, yearly []atom
	switch {
	case yearlyAt < 0:
		once = atoms
	case meaningful(atoms[yearlyAt+1:]):
		once, yearly = atoms[:yearlyAt], atoms[yearlyAt+1:]
	default:
		yearly = atoms[:yearlyAt]
	}
	b := builder{period: p}
	b.interpret(once, false)
	if yearlyAt >= 0 {
		b.interpret(yearly, true)
		if !b.yearlyRule {
			b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31}) // bare «ежегодно»
		}
	}
	s.Rules = b.rules
	var problems []string
	if len(unknown) > 0 {
		problems = append(problems, "words not understood: «"+strings.Join(unknown, "», «")+"»")
	}
	problems = append(problems, b.problems...)
	switch {
	case len(problems) > 0:
		s.Note = strings.Join(problems, "; ")
	case len(s.Rules) == 0:
		s.Note = "no date, period or recurrence found"
	default:
		s.Understood = true
	}
	return s
}

func meaningful(atoms []atom) bool {
	for _, a := range atoms {
		if a.kind != aSep {
			return true
		}
	}
	return false
}

// builder turns atoms into rules.
type builder struct {
	period     Period
	rules      []Rule
	problems   []string
	yearlyRule bool
}

func (b *builder) add(r Rule) {
	if r.Kind == Yearly {
		b.yearlyRule = true
	}
	for _, have := range b.rules {
		if have == r {
			return
		}
	}
	b.rules = append(b.rules, r)
}

// window is a month-ish atom's span within a year: from month/day to month/day.
func window(a atom) (fm, fd, tm, td int, ok bool) {
	switch a.kind {
	case aMonth:
		return a.m, 1, a.m, daysIn(time.Month(a.m)), true
	case aMonthRange:
		return a.m, 1, a.m2, daysIn(time.Month(a.m2)), true
	case aQuarter:
		if a.m < 1 || a.m > 4 {
			return 0, 0, 0, 0, false
		}
		first := 3*(a.m-1) + 1
		return first, 1, first + 2, daysIn(time.Month(first + 2)), true
	case aHalf:
		if a.m < 1 || a.m > 2 {
			return 0, 0, 0, 0, false
		}
		first := 6*(a.m-1) + 1
		return first, 1, first + 5, daysIn(time.Month(first + 5)), true
	case aDayMonth:
		if a.m < 1 || a.m > 12 || a.d < 1 || a.d > daysIn(time.Month(a.m)) && !(a.m == 2 && a.d == 29) {
			return 0, 0, 0, 0, false
		}
		if a.by {
			return 1, 1, a.m, a.d, true
		}
		return a.m, a.d, a.m, a.d, true
	}
	return 0, 0, 0, 0, false
}

func (b *builder) once(a atom, year int) {
	fm, fd, tm, td, ok := window(a)
	if !ok {
		b.problems = append(b.problems, "not a real date")
		return
	}
	start := date(year, time.Month(fm), fd)
	end := date(year, time.Month(tm), td)
	if tm == 2 && td == 28 {
		end = endOfMonth(year, time.February)
	}
	if tm < fm {
		end = date(year+1, time.Month(tm), td)
	}
	if a.kind == aDayMonth && a.by {
		start = time.Time{}
	}
	b.add(Rule{Kind: Once, Start: start, End: end})
}

func (b *builder) yearlyWindow(a atom, first, last int) {
	fm, fd, tm, td, ok := window(a)
	if !ok {
		b.problems = append(b.problems, "not a real date")
		return
	}
	b.add(Rule{Kind: Yearly, FromMonth: fm, FromDay: fd, ToMonth: tm, ToDay: td, FirstYear: first, LastYear: last})
}

// interpret reads atoms as one-off (yearly=false) or recurring every year.
// Months wait for the year that follows them; a year with no month waiting
// repeats the months last dated («Май 2022, 2023»).
func (b *builder) interpret(atoms []atom, yearly bool) {
	var pending, last []atom
	firstYear, lastYear := b.period.Years()
	multiYear := firstYear != lastYear
	bind := func(y, y2 int, group []atom) {
		for _, a := range group {
			switch {
			case yearly:
				b.yearlyWindow(a, y, y2)
			case y2 != 0:
				b.yearlyWindow(a, y, y2)
			default:
				b.once(a, y)
			}
		}
	}
	for _, a := range atoms {
		switch a.kind {
		case aMonth, aMonthRange, aQuarter, aHalf, aDayMonth:
			pending = append(pending, a)
		case aYear:
			switch {
			case len(pending) > 0:
				bind(a.y, 0, pending)
				last, pending = pending, nil
			case len(last) > 0:
				bind(a.y, 0, last)
			case yearly:
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31, FirstYear: a.y})
			default:
				b.add(Rule{Kind: Once, Start: date(a.y, 1, 1), End: date(a.y, 12, 31)})
			}
		case aYearRange:
			switch {
			case a.y2 < a.y:
				b.problems = append(b.problems, "the years run backwards")
			case len(pending) > 0:
				bind(a.y, a.y2, pending)
				last, pending = pending, nil
			case len(last) > 0:
				bind(a.y, a.y2, last)
			default:
				b.add(Rule{Kind: Once, Start: date(a.y, 1, 1), End: date(a.y2, 12, 31)})
			}
		case aDate:
			d := time.Date(a.y, time.Month(a.m), a.d, 0, 0, 0, 0, time.UTC)
			if a.m < 1 || a.m > 12 || d.Day() != a.d {
				b.problems = append(b.problems, "not a real date")
				continue
			}
			if yearly {
				b.yearlyWindow(atom{kind: aDayMonth, d: a.d, m: a.m, by: a.by}, a.y, 0)
				continue
			}
			r := Rule{Kind: Once, Start: d, End: d}
			if a.by {
				r.Start = time.Time{}
			}
			b.add(r)
		case aSchoolYear:
			b.add(Rule{Kind: Once, Start: date(a.y, 9, 1), End: date(a.y+1, 5, 31)})
		case aSchoolStart:
			b.add(Rule{Kind: Yearly, FromMonth: 9, FromDay: 1, ToMonth: 9, ToDay: 30})
		case aSchoolEnd:
			b.add(Rule{Kind: Yearly, FromMonth: 5, FromDay: 1, ToMonth: 5, ToDay: 31})
		case aContinuous:
			if yearly {
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31})
			} else {
				b.add(Rule{Kind: Continuous})
			}
		case aAsNeeded:
			b.add(Rule{Kind: AsNeeded})
		case aMonthly:
			b.add(Rule{Kind: Monthly})
		}
	}
	// Months without a year: every year in a multi-year roadmap or a yearly
	// clause, else the period's only year.
	for _, a := range pending {
		if yearly || multiYear {
			b.yearlyWindow(a, 0, 0)
		} else {
			b.once(a, firstYear)
		}
	}
}
