package schedule

import (
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
)

// The parser reads a deadline in three steps: tokens (words, numbers,
// punctuation), atoms (a month, a quarter, a date, a year, «до», «с», «по»,
// «ежеквартально», «далее» …) and rules. Every word is either part of an
// atom, one of a few words that carry no meaning («г.», «года», «в»), or
// named as not understood.

type tokKind int

const (
	tWord tokKind = iota + 1
	tNum
	tPunct
)

type token struct {
	kind tokKind
	s    string
}

func normalize(s string) string {
	s = strings.ToLower(s)
	s = strings.NewReplacer("ё", "е", "–", "-", "—", "-", "−", "-", "‐", "-", "‑", "-", "\u00a0", " ", "«", " ", "»", " ", "\"", " ",
		"ⅰ", "i", "ⅱ", "ii", "ⅲ", "iii", "ⅳ", "iv", "і", "i", "ӏ", "i", "*", " ").Replace(s)
	return strings.Join(strings.Fields(s), " ")
}

// tokenize splits a normalised text; a dot after a word (an abbreviation:
// «г.», «сент.», «кв.») is dropped, a dot after a number kept (dates).
func tokenize(s string) []token {
	var out []token
	rs := []rune(s)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case unicode.IsLetter(r):
			j := i
			for j < len(rs) && unicode.IsLetter(rs[j]) {
				j++
			}
			out = append(out, token{tWord, string(rs[i:j])})
			i = j
		case r >= '0' && r <= '9':
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			out = append(out, token{tNum, string(rs[i:j])})
			i = j
		case strings.ContainsRune(",;-./", r):
			if r == '.' && len(out) > 0 && out[len(out)-1].kind == tWord {
				i++
				continue
			}
			out = append(out, token{tPunct, string(r)})
			i++
		default:
			i++
		}
	}
	return out
}

type atomKind int

const (
	aWin        atomKind = iota + 1 // a window of the calendar; y: its year when bound
	aYear                           // y
	aYearRange                      // y..y2
	aSchoolYear                     // school years y/y+1 … y2-1/y2
	aSpan                           // a one-off window start..end
	aSince                          // from a date (start) or a window on
	aFreq                           // a recurrence: freq, times, part
	aDay                            // «до 5 числа»: d
	aNextMonth                      // «месяца, следующего за отчётным»
	aLastMonth                      // «последнего месяца квартала»
	aContinuous
	aAsNeeded
	aPerPlan
	aBy    // «до», «к», «не позднее»
	aFrom  // «с», «начиная с»
	aTo    // «по»
	aDash  // «-»
	aSep   // «,», «;», «и»
	aThen  // «далее», «в дальнейшем»
	aPart  // «в начале», «в конце», «в первой декаде» …
	aEndOf // «до конца», «к концу»
	aStart // «к началу» (before: «до начала»)
	aNum   // a bare day number («с 1 по 15 сентября»)
)

type part int

const (
	pNone part = iota
	pStart
	pMiddle
	pEnd
	pHalf1
	pHalf2
)

type unit int

const (
	uNone unit = iota // a day or days of one month
	uMonth
	uQuarter
	uHalf
	uTerm
	uYear
	uSchoolYear
	uWeek
	uDecade
	uHoliday
	uRange // months merged from a range
)

// window is a span within a year: fm/fd to tm/td (td 0: the month's last
// day); tm before fm crosses the new year. A school window's months from
// August on belong to the first year of a school year.
type window struct {
	fm, fd, tm, td int
	school         bool
	unit           unit
}

func (w window) crosses() bool {
	return w.tm < w.fm || w.tm == w.fm && w.td != 0 && w.td < w.fd
}

func (w window) months() int { return (w.tm-w.fm+12)%12 + 1 }

func (w window) wholeMonths() bool { return w.fd == 1 && w.td == 0 }

func monthWin(m int) window   { return window{fm: m, fd: 1, tm: m, unit: uMonth} }
func quarterWin(q int) window { return window{fm: 3*q - 2, fd: 1, tm: 3 * q, unit: uQuarter} }
func halfWin(h int) window    { return window{fm: 6*h - 5, fd: 1, tm: 6 * h, unit: uHalf} }
func schoolHalfWin(h int) window {
	if h == 1 {
		return window{fm: 9, fd: 1, tm: 12, school: true, unit: uHalf}
	}
	return window{fm: 1, fd: 1, tm: 5, school: true, unit: uHalf}
}
func termWin(t int) window {
	st := schoolTerms[t-1]
	return window{fm: st.fm, fd: 1, tm: st.tm, school: true, unit: uTerm}
}

var (
	schoolYearWin = window{fm: 9, fd: 1, tm: 5, school: true, unit: uSchoolYear}
	yearWin       = window{fm: 1, fd: 1, tm: 12, unit: uYear}
	holidays      = map[string]window{
		"осен":  {fm: 10, fd: 25, tm: 11, td: 10, school: true, unit: uHoliday},
		"зим":   {fm: 12, fd: 25, tm: 1, td: 10, school: true, unit: uHoliday},
		"весен": {fm: 3, fd: 20, tm: 3, td: 31, school: true, unit: uHoliday},
		"летн":  {fm: 6, fd: 1, tm: 8, school: true, unit: uHoliday},
	}
)

// withPart narrows a window: days of a month, months of a longer window.
func (w window) withPart(p part) (window, bool) {
	if !w.wholeMonths() {
		return w, false
	}
	add := func(m, k int) int { return (m-1+k)%12 + 1 }
	if w.months() == 1 {
		m := w.fm
		out := window{fm: m, tm: m, school: w.school, unit: uNone}
		switch p {
		case pStart:
			out.fd, out.td = 1, 10
		case pMiddle:
			out.fd, out.td = 11, 20
		case pEnd:
			out.fd = 21
		case pHalf1:
			out.fd, out.td = 1, 15
		case pHalf2:
			out.fd = 16
		}
		return out, true
	}
	n := w.months()
	out := window{fd: 1, school: w.school, unit: uMonth}
	switch p {
	case pStart:
		out.fm, out.tm = w.fm, w.fm
	case pEnd:
		out.fm, out.tm = w.tm, w.tm
	case pMiddle:
		if n < 3 {
			return w, false
		}
		out.fm, out.tm = add(w.fm, (n-1)/2), add(w.fm, n/2)
	case pHalf1:
		if n%2 != 0 {
			return w, false
		}
		out.fm, out.tm = w.fm, add(w.fm, n/2-1)
	case pHalf2:
		if n%2 != 0 {
			return w, false
		}
		out.fm, out.tm = add(w.fm, n/2), w.tm
	}
	if out.fm != out.tm {
		out.unit = uRange
	}
	return out, true
}

// dates places the window in the calendar year y of its start.
func (w window) dates(y int) (time.Time, time.Time, bool) {
	if w.fm < 1 || w.fm > 12 || w.tm < 1 || w.tm > 12 || w.fd < 1 {
		return time.Time{}, time.Time{}, false
	}
	start := date(y, time.Month(w.fm), w.fd)
	if start.Day() != w.fd {
		return time.Time{}, time.Time{}, false
	}
	ey := y
	if w.crosses() {
		ey++
	}
	end := endOfMonth(ey, time.Month(w.tm))
	if w.td != 0 {
		end = date(ey, time.Month(w.tm), w.td)
		if end.Day() != w.td {
			return time.Time{}, time.Time{}, false
		}
	}
	return start, end, true
}

// validYearly: the window exists every year (29 February is let through and
// ends on the 28th).
func (w window) validYearly() bool {
	if w.fm < 1 || w.fm > 12 || w.tm < 1 || w.tm > 12 {
		return false
	}
	ok := func(m, d int) bool { return d >= 1 && (d <= daysIn(time.Month(m)) || m == 2 && d == 29) }
	return ok(w.fm, w.fd) && (w.td == 0 || ok(w.tm, w.td))
}

// startYear is the calendar year a window starts in within school year y/y+1.
func (w window) startYear(y int) int {
	if w.fm >= 8 {
		return y
	}
	return y + 1
}

type atom struct {
	kind       atomKind
	w          window
	y, y2      int // aWin: bound year of the start (0: none); years
	d          int
	freq       Kind
	times      int
	perYear    bool // the recurrence was written as «N раз в год»
	part       part
	by         bool // only the end counts («до …»)
	before     bool // aStart: the day before («до начала»)
	current    bool // «текущего года»: which one depends on when it was written
	start, end time.Time
	s          string // aNum: its text
}

var reCache sync.Map

func re(p string) *regexp.Regexp {
	if r, ok := reCache.Load(p); ok {
		return r.(*regexp.Regexp)
	}
	r := regexp.MustCompile("^(?:" + p + ")$")
	reCache.Store(p, r)
	return r
}

type lexer struct {
	t       []token
	i       int
	atoms   []atom
	unknown []string
}

// lex turns a normalised text into atoms and the words it did not know.
func lex(s string) ([]atom, []string) {
	l := &lexer{t: tokenize(s)}
	for l.i < len(l.t) {
		if l.step() {
			continue
		}
		if t := l.t[l.i]; t.kind != tPunct {
			l.unknown = append(l.unknown, t.s)
		}
		l.i++
	}
	return l.atoms, l.unknown
}

func (l *lexer) tok(k int) token {
	if l.i+k >= 0 && l.i+k < len(l.t) {
		return l.t[l.i+k]
	}
	return token{}
}

// match counts the tokens from l.i+at that match the patterns in turn; a
// pattern starting with ? may be skipped. 0: no match.
func (l *lexer) match(at int, pats ...string) int {
	j := l.i + at
	for _, p := range pats {
		opt := strings.HasPrefix(p, "?")
		if opt {
			p = p[1:]
		}
		if j < len(l.t) && re(p).MatchString(l.t[j].s) {
			j++
			continue
		}
		if !opt {
			return 0
		}
	}
	return j - l.i - at
}

func (l *lexer) emit(n int, atoms ...atom) bool {
	l.i += n
	l.atoms = append(l.atoms, atoms...)
	return true
}

func (l *lexer) last() atomKind {
	if len(l.atoms) == 0 {
		return 0
	}
	return l.atoms[len(l.atoms)-1].kind
}

func (l *lexer) step() bool {
	t := l.tok(0)
	switch {
	case t.kind == tPunct:
		switch t.s {
		case ",", ";":
			return l.emit(1, atom{kind: aSep})
		case "-":
			return l.emit(1, atom{kind: aDash})
		}
		l.i++
		return true
	case t.kind == tNum:
		return l.number()
	}
	return l.words()
}

func num(s string) (int, bool) {
	if len(s) > 4 {
		return 0, false
	}
	v, err := strconv.Atoi(s)
	return v, err == nil
}

func year4(s string) (int, bool) {
	v, ok := num(s)
	return v, ok && len(s) == 4 && v >= 2000 && v <= 2099
}

func year2or4(s string) (int, bool) {
	if len(s) == 2 {
		v, ok := num(s)
		return 2000 + v, ok
	}
	return year4(s)
}

// schoolWords counts the tokens of «учебный год», «уч. г.», «у. г.» at k.
func (l *lexer) schoolWords(k int) int {
	if n := l.match(k, `учебн\p{L}*|уч|у`, `год\p{L}*|гг|г`); n > 0 {
		return n
	}
	if n := l.match(k, `учебн\p{L}*`, `-`, `год\p{L}*`); n > 0 {
		return n
	}
	if n := l.match(k, `уг|учг`); n > 0 {
		return n
	}
	return 0
}

func (l *lexer) number() bool {
	s0 := l.tok(0).s
	v0, ok := num(s0)
	if !ok {
		return false
	}
	// 2022-09-01
	if y, ok := year4(s0); ok && l.match(1, `-`, `\d{2}`, `-`, `\d{2}`) == 4 {
		m, _ := num(l.tok(2).s)
		d, _ := num(l.tok(4).s)
		return l.emit(5, atom{kind: aWin, w: window{fm: m, fd: d, tm: m, td: d}, y: y})
	}
	// 01.09.2022, 20.08. 22.
	if len(s0) <= 2 && l.match(1, `\.`, `\d{1,2}`, `\.`, `\d{4}|\d{2}`) == 4 {
		if y, ok := year2or4(l.tok(4).s); ok {
			m, _ := num(l.tok(2).s)
			n := 5
			if l.tok(5).s == "." {
				n++
			}
			return l.emit(n, atom{kind: aWin, w: window{fm: m, fd: v0, tm: m, td: v0}, y: y})
		}
	}
	// 1-15.09.2022, 1-15.09
	if len(s0) <= 2 && l.match(1, `-`, `\d{1,2}`, `\.`, `\d{1,2}`) == 4 {
		d2, _ := num(l.tok(2).s)
		m, _ := num(l.tok(4).s)
		a := atom{kind: aWin, w: window{fm: m, fd: v0, tm: m, td: d2}}
		n := 5
		if l.match(5, `\.`, `\d{4}|\d{2}`) == 2 {
			if y, ok := year2or4(l.tok(6).s); ok {
				a.y, n = y, 7
			}
		}
		if a.w.td < a.w.fd {
			a.w.fd = 0 // not a real window: flagged later
		}
		return l.emit(n, a)
	}
	// 01.09
	if len(s0) <= 2 && l.match(1, `\.`, `\d{1,2}`) == 2 && !(l.tok(3).s == "." && l.tok(4).kind == tNum) {
		m, _ := num(l.tok(2).s)
		n := 3
		if l.tok(3).s == "." {
			n++
		}
		return l.emit(n, atom{kind: aWin, w: window{fm: m, fd: v0, tm: m, td: v0}})
	}
	if y, ok := year4(s0); ok {
		// 2022-2023 уч. г., 2022/23
		if sep := l.tok(1).s; (sep == "-" || sep == "/") && l.tok(2).kind == tNum {
			if y2, ok := year2or4(l.tok(2).s); ok && y2 > y {
				if n := l.schoolWords(3); n > 0 || sep == "/" && y2 == y+1 {
					return l.emit(3+n, atom{kind: aSchoolYear, y: y, y2: y2})
				}
				return l.emit(3, atom{kind: aYearRange, y: y, y2: y2})
			}
			if y2, ok := year4(l.tok(2).s); ok {
				return l.emit(3, atom{kind: aYearRange, y: y, y2: y2})
			}
		}
		if n := l.schoolWords(1); n > 0 { // «2022 учебный год»: the one starting then
			return l.emit(1+n, atom{kind: aSchoolYear, y: y, y2: y + 1})
		}
		return l.emit(1, atom{kind: aYear, y: y})
	}
	if l.ordinals() || l.count() {
		return true
	}
	// 5 числа (каждого месяца)
	if n := l.match(1, `?-`, `?го|е|ое`, `числа|число`); n > 0 && v0 >= 1 && v0 <= 31 {
		out := []atom{{kind: aDay, d: v0}}
		if k := l.match(1+n, `каждого|ежемесячно`, `?месяца`); k > 0 {
			out = append(out, atom{kind: aFreq, freq: Monthly})
			n += k
		} else if k := l.match(1+n, `месяца|мес`, `?,`, `следующего`, `за`, `?отчетным|истекшим`, `?периодом|кварталом|месяцем|полугодием`); k > 0 {
			out = append(out, atom{kind: aNextMonth})
			n += k
		} else if k := l.match(1+n, `?текущего|отчетного`, `месяца`); k > 0 {
			n += k
		}
		return l.emit(1+n, out...)
	}
	// 1 сентября, 1-15 сентября, 1-го сентября
	if v0 >= 1 && v0 <= 31 {
		if n := l.match(1, `?-`, `?го|е|ое`); true {
			if m := monthOf(l.tok(1 + n).s); m != 0 {
				return l.emit(2+n, atom{kind: aWin, w: window{fm: m, fd: v0, tm: m, td: v0}})
			}
		}
		if l.tok(1).s == "-" && l.tok(2).kind == tNum {
			if d2, ok := num(l.tok(2).s); ok {
				if m := monthOf(l.tok(3).s); m != 0 {
					w := window{fm: m, fd: v0, tm: m, td: d2}
					if d2 < v0 {
						w.fd = 0
					}
					return l.emit(4, atom{kind: aWin, w: w})
				}
			}
		}
		return l.emit(1, atom{kind: aNum, d: v0, s: s0})
	}
	return false
}

func monthOf(w string) int {
	for i, p := range monthWords {
		if re(p).MatchString(w) {
			return i + 1
		}
	}
	return 0
}

var monthWords = []string{
	`январ\p{L}*|янв`, `феврал\p{L}*|февр?`, `март\p{L}*|мар`, `апрел\p{L}*|апр`, `ма[йяюе]|маем`, `июн\p{L}*`,
	`июл\p{L}*`, `август\p{L}*|авг`, `сентябр\p{L}*|сент?`, `октябр\p{L}*|окт`, `ноябр\p{L}*|нояб?`, `декабр\p{L}*|дек`,
}

// ordinal reads «i», «2», «первое», «последний»: 1–4, -1 for the last.
func ordinal(w string) int {
	switch w {
	case "i", "1":
		return 1
	case "ii", "2":
		return 2
	case "iii", "3":
		return 3
	case "iv", "4":
		return 4
	}
	switch {
	case re(`перв\p{L}*`).MatchString(w):
		return 1
	case re(`втор\p{L}*`).MatchString(w):
		return 2
	case re(`трет\p{L}*`).MatchString(w):
		return 3
	case re(`четверт(ый|ого|ом|ому|ая|ой|ую|ое|ые|ых)`).MatchString(w):
		return 4
	case re(`последн\p{L}*`).MatchString(w):
		return -1
	}
	return 0
}

func unitOf(w string) unit {
	switch {
	case re(`квартал\p{L}*|кв`).MatchString(w):
		return uQuarter
	case re(`полугоди\p{L}*|полугод|полгода|пол|полуг`).MatchString(w):
		return uHalf
	case re(`четверт(ь|и|ью|ям|ях|ями)`).MatchString(w):
		return uTerm
	case re(`месяц\p{L}*|мес`).MatchString(w):
		return uMonth
	case re(`год|года|году|годы|годов|годам|годах|гг|г`).MatchString(w):
		return uYear
	case re(`недел\p{L}*`).MatchString(w):
		return uWeek
	case re(`декад\p{L}*`).MatchString(w):
		return uDecade
	}
	return uNone
}

var ordSuffix = `й|го|е|ое|ий|ый|м|ом|я|ая|ой|ю|ую|х`

// ordinals reads «ii–iii кварталы», «1 и 2 полугодие», «в первой декаде»,
// «IV четверть».
func (l *lexer) ordinals() bool {
	k := 0
	var ords []int
	rng := false
	for {
		o := ordinal(l.tok(k).s)
		if o == 0 || l.tok(k).kind == tPunct {
			return false
		}
		ords = append(ords, o)
		k++
		if n := l.match(k, `?-`, ordSuffix); n > 0 {
			k += n
		}
		if sep := l.tok(k).s; (sep == "-" || sep == "," || sep == "и") && ordinal(l.tok(k+1).s) != 0 && len(ords) < 4 {
			rng = rng || sep == "-"
			k++
			continue
		}
		break
	}
	k += l.match(k, `учебн\p{L}*`)
	u := unitOf(l.tok(k).s)
	if u == uNone || u == uYear || u == uMonth || u == uWeek {
		return false
	}
	k++
	max := map[unit]int{uQuarter: 4, uHalf: 2, uTerm: 4, uDecade: 3}[u]
	var wins []window
	for _, o := range ords {
		if o == -1 {
			o = max
		}
		if o > max {
			return false
		}
		switch u {
		case uQuarter:
			wins = append(wins, quarterWin(o))
		case uHalf:
			wins = append(wins, halfWin(o))
		case uTerm:
			wins = append(wins, termWin(o))
		case uDecade:
			if len(ords) > 1 {
				return false
			}
			return l.emit(k, atom{kind: aPart, part: []part{pStart, pMiddle, pEnd}[o-1]})
		}
	}
	if rng {
		if len(wins) != 2 {
			return false
		}
		w := wins[0]
		w.tm, w.td = wins[1].tm, wins[1].td
		return l.emit(k, atom{kind: aWin, w: w})
	}
	var out []atom
	for i, w := range wins {
		if i > 0 {
			out = append(out, atom{kind: aSep})
		}
		out = append(out, atom{kind: aWin, w: w})
	}
	return l.emit(k, out...)
}

var countWords = map[string]int{"один": 1, "одного": 1, "однажды": 1, "два": 2, "двух": 2, "дважды": 2, "три": 3, "трех": 3,
	"трижды": 3, "четыре": 4, "четырех": 4, "шесть": 6, "шести": 6, "двенадцать": 12, "двенадцати": 12}

// count reads «2 раза в год», «не реже одного раза в квартал», «раз в
// полугодие», «дважды в год».
func (l *lexer) count() bool {
	k := l.match(0, `не`, `реже|менее|чаще|более`)
	n, counted := 1, false
	if v, ok := countWords[l.tok(k).s]; ok {
		counted = true
		n = v
		k++
	} else if l.tok(k).kind == tNum {
		v, ok := num(l.tok(k).s)
		if !ok || v < 1 || v > 12 {
			return false
		}
		n, counted = v, true
		k++
	}
	k += l.match(k, `?-`, `х|ух|ех|ти|и`)
	if w := l.match(k, `раз|раза`); w > 0 {
		k += w
	} else if !counted || !strings.HasSuffix(l.tok(k-1).s, "жды") {
		return false
	}
	if l.tok(k).s != "в" {
		return false
	}
	k++
	k += l.match(k, `учебн\p{L}*|календарн\p{L}*`)
	var u unit
	switch w := l.tok(k).s; {
	case w == "день" || w == "сутки":
		return l.emit(k+1, atom{kind: aContinuous})
	default:
		u = unitOf(w)
	}
	a := atom{kind: aFreq, times: n}
	switch u {
	case uYear:
		a.perYear = true
		switch n {
		case 1:
			a.freq = Yearly
		case 2:
			a.freq, a.times = HalfYearly, 0
		case 4:
			a.freq, a.times = Quarterly, 0
		case 12:
			a.freq, a.times = Monthly, 0
		default:
			a.freq = Yearly
		}
	case uHalf:
		a.freq = HalfYearly
	case uQuarter:
		a.freq = Quarterly
	case uTerm:
		a.freq = SchoolTerm
	case uMonth:
		a.freq = Monthly
	case uWeek:
		a.freq = Weekly
	default:
		return false
	}
	if a.times == 1 {
		a.times = 0
	}
	return l.emit(k+1, a)
}

// calendarAhead: the token at k starts a date, month, period or year.
func (l *lexer) calendarAhead(k int) bool {
	t := l.tok(k)
	if t.kind == tNum {
		return true
	}
	w := t.s
	return monthOf(w) != 0 || ordinal(w) != 0 || unitOf(w) != uNone && unitOf(w) != uDecade ||
		re(`учебн\p{L}*|уч|кажд\p{L}*|текущ\p{L}*|календарн\p{L}*|отчетн\p{L}*|каникул\p{L}*|летн\p{L}*|года`).MatchString(w)
}

// rest consumes the words of an event («по запросу педагогов», «по итогам
// конкурса») up to a comma or what starts another deadline.
func (l *lexer) rest(k int) int {
	for {
		t := l.tok(k)
		if t.kind == 0 || t.kind == tNum || t.s == "," || t.s == ";" || re(`не|еже\p{L}*|до|далее|но|затем|ежегодно`).MatchString(t.s) {
			return k
		}
		k++
	}
}

var continuousTail = `реализации|действия|программ\p{L}*|проект\p{L}*|дорожн\p{L}*|карт\p{L}*|плана|модели|целев\p{L}*|наставничества|комплекса|мер|работы|внедрения|всего|периода|срока|системы`

func (l *lexer) tail(k int) int {
	for l.match(k, continuousTail) > 0 {
		k++
	}
	return k
}

func (l *lexer) words() bool {
	w := l.tok(0).s
	// Events and requests: no due date.
	if n := l.match(0, `по`, `мере`); n > 0 {
		return l.emit(l.rest(n), atom{kind: aAsNeeded})
	}
	if n := l.match(0, `по`, `?индивидуальн\p{L}*|личн\p{L}*|письменн\p{L}*|мотивированн\p{L}*`,
		`запрос\p{L}*|заявк\p{L}*|заявлени\p{L}*|обращени\p{L}*|требовани\p{L}*|приглашени\p{L}*|факту|поручени\p{L}*|необходимости|потребности|возможности|желанию|инициативе`); n > 0 {
		return l.emit(l.rest(n), atom{kind: aAsNeeded})
	}
	if n := l.match(0, `при|в`, `необходимост\p{L}*|наличи\p{L}*|поступлени\p{L}*|возникновени\p{L}*|потребност\p{L}*|случае|выявлени\p{L}*|появлени\p{L}*`); n > 0 {
		return l.emit(l.rest(n), atom{kind: aAsNeeded})
	}
	if n := l.match(0, `в|согласно`, `?соответствии`, `?с|со`, `запрос\p{L}*|заявк\p{L}*|потребност\p{L}*|обращени\p{L}*`); n > 0 {
		return l.emit(l.rest(n), atom{kind: aAsNeeded})
	}
	// By a plan kept elsewhere.
	if n := l.match(0, `по|согласно|в`, `?соответствии`, `?с|со`, `?отдельн\p{L}*|утвержденн\p{L}*|индивидуальн\p{L}*|годов\p{L}*|календарн\p{L}*|учебн\p{L}*|собственн\p{L}*|установленн\p{L}*|составленн\p{L}*|единому|единого`,
		`график\p{L}*|план\p{L}*|расписани\p{L}*|положени\p{L}*|программ\p{L}*|приказ\p{L}*|срок\p{L}*|регламент\p{L}*|циклограмм\p{L}*`); n > 0 {
		return l.emit(l.rest(n), atom{kind: aPerPlan})
	}
	if n := l.match(0, `по`, `согласовани\p{L}*`); n > 0 {
		return l.emit(l.rest(n), atom{kind: aPerPlan})
	}
	// Throughout.
	if re(`постоянно|систематически|регулярно|ежедневно|круглогодично|непрерывно|бессрочно|повседневно`).MatchString(w) {
		return l.emit(1, atom{kind: aContinuous})
	}
	if n := l.match(0, `в`, `постоянном|непрерывном`, `режиме`); n > 0 {
		return l.emit(n, atom{kind: aContinuous})
	}
	if n := l.match(0, `в|на`, `течение|протяжении|период|ходе|продолжение`, `?всего|всей|всех`, `?учебного|календарного`, `года`); n > 0 {
		return l.emit(n, atom{kind: aContinuous})
	}
	if n := l.match(0, `в|на`, `течение|протяжении|период|ходе|продолжение|весь`, `?всего|всей|всех|весь`, `период\p{L}*|срок\p{L}*|реализации|действия|времени|работы`); n > 0 {
		return l.emit(l.tail(n), atom{kind: aContinuous})
	}
	if n := l.match(0, `весь|все`, `период|срок|время`); n > 0 {
		return l.emit(l.tail(n), atom{kind: aContinuous})
	}
	// Then.
	if n := l.match(0, `?а|и|в`, `далее|дальнейшем|затем|впоследствии`); n > 0 {
		return l.emit(n, atom{kind: aThen})
	}
	if n := l.match(0, `после`, `чего|этого`); n > 0 {
		return l.emit(n, atom{kind: aThen})
	}
	// Recurrences.
	for _, f := range []struct {
		re   string
		kind Kind
	}{
		{`ежемесячн\p{L}*|помесячн\p{L}*`, Monthly}, {`ежеквартальн\p{L}*|поквартальн\p{L}*`, Quarterly},
		{`ежеполугодн\p{L}*|полугодичн\p{L}*`, HalfYearly}, {`еженедельн\p{L}*|понедельно`, Weekly},
		{`ежечетвертн\p{L}*|почетвертн\p{L}*`, SchoolTerm}, {`ежегодн\p{L}*|погодично|ежегод`, Yearly},
	} {
		if re(f.re).MatchString(w) {
			return l.emit(1, atom{kind: aFreq, freq: f.kind})
		}
	}
	if n := l.match(0, `кажд\p{L}*`); n > 0 {
		if k := l.schoolWords(1); k > 0 {
			return l.emit(1+k, atom{kind: aWin, w: schoolYearWin}, atom{kind: aFreq, freq: Yearly})
		}
		if f, ok := unitFreq[unitOf(l.tok(1).s)]; ok {
			return l.emit(2, atom{kind: aFreq, freq: f})
		}
	}
	if n := l.match(0, `по`, `месяцам|кварталам|полугодиям|четвертям|неделям`); n > 0 {
		return l.emit(2, atom{kind: aFreq, freq: unitFreq[unitOf(l.tok(1).s)]})
	}
	if l.count() {
		return true
	}
	// Parts of a period.
	if n := l.match(0, `?в|на`, `начал[еоау]`); n > 0 {
		return l.emit(n, atom{kind: aPart, part: pStart})
	}
	if n := l.match(0, `?в|на`, `конц[еау]|конец`); n > 0 {
		return l.emit(n, atom{kind: aPart, part: pEnd})
	}
	if n := l.match(0, `?в|на`, `середин[еауы]`); n > 0 {
		return l.emit(n, atom{kind: aPart, part: pMiddle})
	}
	if n := l.match(0, `?в|во`, `перв\p{L}*|втор\p{L}*`, `половин\p{L}*`); n > 0 {
		p := pHalf1
		if strings.HasPrefix(l.tok(n-2).s, "втор") {
			p = pHalf2
		}
		return l.emit(n, atom{kind: aPart, part: p})
	}
	if n := l.match(0, `до|к`, `конца|концу|окончания|окончанию|завершения|завершению|истечения|истечению`); n > 0 {
		return l.emit(n, atom{kind: aEndOf})
	}
	if n := l.match(0, `к`, `началу`); n > 0 {
		return l.emit(n, atom{kind: aStart})
	}
	if n := l.match(0, `до`, `начала`); n > 0 {
		return l.emit(n, atom{kind: aStart, before: true})
	}
	if n := l.match(0, `по|после`, `окончании|окончания|завершении|завершения|итогам|результатам|истечении|истечения`); n > 0 || w == "после" {
		if n == 0 {
			n = 1
		}
		if l.calendarAhead(n) {
			return l.emit(n, atom{kind: aPart, part: pEnd})
		}
		return l.emit(l.rest(n), atom{kind: aAsNeeded})
	}
	if l.ordinals() {
		return true
	}
	// Holidays.
	if n := l.match(0, `?в|во|на`, `каникулярн\p{L}*`, `?время|период\p{L}*|дни`); n > 0 {
		return l.holidays(n)
	}
	if n := l.match(0, `?в|во|на`, `?время|период`, `?летн\p{L}*|осенн\p{L}*|зимн\p{L}*|весенн\p{L}*`, `каникул\p{L}*`); n > 0 {
		return l.holidays(n)
	}
	if n := l.match(0, `?в|на`, `летн\p{L}*`, `?оздоровительн\p{L}*`, `период\p{L}*|время`); n > 0 || w == "летом" {
		return l.emit(max(n, 1), atom{kind: aWin, w: holidays["летн"]})
	}
	// Units named without a number, after «в начале», «до конца», «каждого».
	if n := l.schoolWords(0); n > 0 {
		return l.emit(n, atom{kind: aWin, w: schoolYearWin})
	}
	if k := l.last(); k == aPart || k == aEndOf || k == aStart {
		if n := l.match(0, `?календарного|финансового`, `год|года|году`); n > 0 {
			return l.emit(n, atom{kind: aWin, w: yearWin})
		}
		if n := l.match(0, `текущего|очередного|этого|отчетного|следующего`, `год|года|году`); n > 0 {
			return l.emit(n, atom{kind: aWin, w: yearWin, current: true})
		}
		if n := l.match(0, `?текущего|текущей|отчетного|отчетной|очередного|очередной|учебной|учебного`, `месяца|квартала|полугодия|четверти|недели`); n > 0 {
			return l.emit(n, atom{kind: aFreq, freq: unitFreq[unitOf(l.tok(n-1).s)]})
		}
	}
	if m := monthOf(w); m != 0 {
		return l.emit(1, atom{kind: aWin, w: monthWin(m)})
	}
	// Connectors.
	if n := l.match(0, `не`, `позднее|позже`); n > 0 {
		return l.emit(n+l.match(n, `чем`), atom{kind: aBy})
	}
	if n := l.match(0, `не`, `ранее`); n > 0 {
		return l.emit(n+l.match(n, `чем`), atom{kind: aFrom})
	}
	if n := l.match(0, `?начиная`, `с|со`); n > 0 {
		return l.emit(n, atom{kind: aFrom})
	}
	if n := l.match(0, `месяца|мес`, `?,`, `следующего`, `за`, `?отчетным|истекшим`, `?периодом|кварталом|месяцем|полугодием`); n > 0 {
		return l.emit(n, atom{kind: aNextMonth})
	}
	if n := l.match(0, `последнего`, `месяца`, `?каждого|отчетного`, `квартала|полугодия`); n > 0 {
		return l.emit(n, atom{kind: aLastMonth}, atom{kind: aFreq, freq: unitFreq[unitOf(l.tok(n-1).s)]})
	}
	if n := l.match(0, `следующего`, `месяца`); n > 0 {
		return l.emit(n, atom{kind: aNextMonth})
	}
	switch {
	case w == "до" || w == "к":
		return l.emit(1, atom{kind: aBy})
	case w == "по":
		return l.emit(1, atom{kind: aTo})
	case w == "и":
		return l.emit(1, atom{kind: aSep})
	case l.match(0, `а`, `также`) > 0:
		return l.emit(2, atom{kind: aSep})
	case ignored[w]:
		l.i++
		return true
	}
	return false
}

var unitFreq = map[unit]Kind{uMonth: Monthly, uQuarter: Quarterly, uHalf: HalfYearly, uTerm: SchoolTerm, uWeek: Weekly, uYear: Yearly}

func (l *lexer) holidays(n int) bool {
	which := ""
	for k := 0; k < n; k++ {
		for stem := range holidays {
			if strings.HasPrefix(l.tok(k).s, stem) {
				which = stem
			}
		}
	}
	if which != "" {
		return l.emit(n, atom{kind: aWin, w: holidays[which]})
	}
	var out []atom
	for i, stem := range []string{"осен", "зим", "весен", "летн"} {
		if i > 0 {
			out = append(out, atom{kind: aSep})
		}
		out = append(out, atom{kind: aWin, w: holidays[stem]})
	}
	return l.emit(n, out...)
}

// ignored words carry no meaning for the schedule.
var ignored = map[string]bool{
	"г": true, "гг": true, "год": true, "года": true, "годы": true, "годов": true, "году": true, "годах": true,
	"в": true, "во": true, "на": true, "срок": true, "сроки": true, "срока": true, "течение": true, "период": true,
	"периода": true, "уч": true, "включительно": true, "ориентировочно": true, "примерно": true, "исполнения": true,
	"реализации": true, "текущего": true, "года-": true, "уг": true, "года,": true, "дата": true,
}

// combine joins atoms: school half-years, parts of periods, «до конца …»,
// spans («с … по …», «октябрь 2022 – март 2023»), month ranges.
func combine(in []atom) ([]atom, []string) {
	var problems []string
	// «I полугодие 2022/2023 учебного года»: a school half-year.
	for i := 0; i+1 < len(in); i++ {
		if in[i].kind == aWin && in[i].w.unit == uHalf && !in[i].w.school && in[i].y == 0 &&
			(in[i+1].kind == aSchoolYear || in[i+1].kind == aWin && in[i+1].w.unit == uSchoolYear) {
			in[i].w = schoolHalfWin((in[i].w.fm + 5) / 6)
			if in[i+1].kind == aWin {
				in = append(in[:i+1], in[i+2:]...)
			}
		}
	}
	// Parts, «до конца», «к началу».
	var out []atom
	for i := 0; i < len(in); i++ {
		a := in[i]
		if a.kind != aPart && a.kind != aEndOf && a.kind != aStart {
			out = append(out, a)
			continue
		}
		if i+1 >= len(in) {
			problems = append(problems, "a part of a period without the period")
			continue
		}
		nx := in[i+1]
		var w window
		y, sy := nx.y, 0
		switch nx.kind {
		case aWin:
			w = nx.w
		case aYear:
			w, y = yearWin, nx.y
		case aSchoolYear:
			if nx.y2 != nx.y+1 {
				problems = append(problems, "a part of several school years")
				i++
				continue
			}
			w, y, sy = schoolYearWin, 0, nx.y
		case aFreq:
			if a.kind == aPart {
				nx.part = a.part
			}
			out = append(out, nx)
			i++
			continue
		default:
			problems = append(problems, "a part of a period without the period")
			continue
		}
		i++
		switch a.kind {
		case aPart:
			pw, ok := w.withPart(a.part)
			if !ok {
				problems = append(problems, "this part of the period is not understood")
				continue
			}
			if sy != 0 {
				y = pw.startYear(sy)
			} else if y != 0 && w.school && nx.kind == aWin {
				y = nx.y
			}
			w = pw
		case aEndOf:
			if sy != 0 {
				y = w.startYear(sy)
			}
			out = append(out, atom{kind: aWin, w: w, y: y, by: true, current: nx.current})
			continue
		case aStart:
			if sy != 0 {
				y = w.startYear(sy)
			}
			d := window{fm: w.fm, fd: w.fd, tm: w.fm, td: w.fd, school: w.school}
			if a.before {
				t := date(2001, time.Month(w.fm), w.fd).AddDate(0, 0, -1)
				d = window{fm: int(t.Month()), fd: t.Day(), tm: int(t.Month()), td: t.Day(), school: w.school}
				if y != 0 && w.fm == 1 && w.fd == 1 {
					y--
				}
			}
			out = append(out, atom{kind: aWin, w: d, y: y, by: true, current: nx.current})
			continue
		}
		out = append(out, atom{kind: aWin, w: w, y: y, by: nx.by, current: nx.current})
	}
	// «до», «по» before a date: by it.
	in, out = out, nil
	for i := 0; i < len(in); i++ {
		a := in[i]
		spanEnd := i >= 2 && point(in, i-1) && (in[i-2].kind == aFrom || i >= 3 && in[i-3].kind == aFrom && in[i-1].kind == aYear)
		if (a.kind == aBy && !spanEnd || a.kind == aTo && (i == 0 || in[i-1].kind != aFrom && in[i-1].kind != aNum && !point(in, i-1))) && i+1 < len(in) {
			nx := in[i+1]
			switch {
			case nx.kind == aWin && nx.w.unit == uNone:
				nx.by = true
				out = append(out, nx)
				i++
				continue
			case nx.kind == aWin && a.kind == aBy:
				out = append(out, nx) // «до мая»: by the end of May
				i++
				continue
			case nx.kind == aYear && a.kind == aBy && (i+2 >= len(in) || in[i+2].kind != aTo && in[i+2].kind != aDash):
				out = append(out, atom{kind: aWin, w: yearWin, y: nx.y, by: true})
				i++
				continue
			case nx.kind == aDay:
				out = append(out, nx)
				i++
				continue
			}
		}
		out = append(out, a)
	}
	// Spans.
	in, out = out, nil
	for i := 0; i < len(in); i++ {
		from := in[i].kind == aFrom
		j := i
		if from {
			j++
		}
		p1, n1, ok1 := readPoint(in, j)
		if !ok1 {
			if from && j < len(in) && in[j].kind == aNum && j+2 < len(in) && (in[j+1].kind == aTo || in[j+1].kind == aBy || in[j+1].kind == aDash) {
				// «с 1 по 15 сентября»
				if p2, n2, ok := readPoint(in, j+2); ok && p2.w.unit == uNone && p2.w.fd == p2.w.td {
					w := p2.w
					w.fd = in[j].d
					if w.fd > w.td {
						w.fd = 0
					}
					out = append(out, atom{kind: aWin, w: w, y: p2.y})
					i = j + 2 + n2 - 1
					continue
				}
			}
			if from && j < len(in) && in[j].kind == aNum {
				out = append(out, in[i])
				continue
			}
			out = append(out, in[i])
			continue
		}
		k := j + n1
		if k < len(in) && (in[k].kind == aDash || in[k].kind == aTo || in[k].kind == aBy && from) {
			if p2, n2, ok := readPoint(in, k+1); ok {
				if s, ok := span(p1, p2, in[k].kind == aDash && !from); ok {
					out = append(out, s...)
					i = k + n2
					continue
				}
			}
		}
		if from {
			if p1.y == 0 && p1.w.unit == uYear {
				out = append(out, in[j:j+n1]...)
			}
			out = append(out, atom{kind: aSince, w: p1.w, y: p1.y})
			i = j + n1 - 1
			continue
		}
		out = append(out, in[i])
	}
	return out, problems
}

// point reports a date-like atom at i.
func point(in []atom, i int) bool {
	_, _, ok := readPoint(in, i)
	return ok
}

// readPoint reads a window with its year (one atom or a window and a year),
// a year, or one school year.
func readPoint(in []atom, i int) (atom, int, bool) {
	if i < 0 || i >= len(in) {
		return atom{}, 0, false
	}
	a := in[i]
	switch a.kind {
	case aWin:
		if a.y == 0 && i+1 < len(in) && in[i+1].kind == aYear {
			a.y = in[i+1].y
			if a.w.school && a.w.fm >= 8 && a.w.crosses() {
				a.y-- // «сентябрь – май 2023»: ends then
			}
			return a, 2, true
		}
		if a.y == 0 && i+1 < len(in) && in[i+1].kind == aSchoolYear && in[i+1].y2 == in[i+1].y+1 {
			a.y = a.w.startYear(in[i+1].y)
			return a, 2, true
		}
		return a, 1, true
	case aYear:
		return atom{kind: aWin, w: yearWin, y: a.y}, 1, true
	case aSchoolYear:
		if a.y2 == a.y+1 {
			return atom{kind: aWin, w: schoolYearWin, y: a.y}, 1, true
		}
	}
	return atom{}, 0, false
}

// span joins two points: «октябрь 2022 – март 2023», «с 15.01.2023 по
// 15.03.2023», «II–III кварталы», «сентябрь – декабрь» (a month range).
// dashOnly keeps «Июль 2022 - 2024» as July of each year 2022–2024.
func span(p1, p2 atom, dashOnly bool) ([]atom, bool) {
	switch {
	case p1.y == 0 && p2.y == 0:
		w := window{fm: p1.w.fm, fd: p1.w.fd, tm: p2.w.tm, td: p2.w.td, school: p1.w.school || p2.w.school, unit: uRange}
		if p1.w.unit == uNone || p2.w.unit == uNone {
			w.unit = uNone
		}
		return []atom{{kind: aWin, w: w}}, true
	case p1.w.unit == uYear && p2.w.unit == uYear:
		return []atom{{kind: aYearRange, y: p1.y, y2: p2.y}}, true
	case dashOnly && p2.w.unit == uYear && p1.w.unit != uYear:
		return nil, false // «Июль 2022 - 2024»
	}
	var s1, e2 time.Time
	var ok bool
	switch {
	case p1.y == 0:
		_, e2, ok = p2.w.dates(p2.y)
		if !ok {
			return nil, false
		}
		y := e2.Year()
		if p1.w.crosses() {
			y--
		}
		s1, _, ok = p1.w.dates(y)
		if ok && s1.After(e2) {
			s1, _, ok = p1.w.dates(y - 1)
		}
	case p2.y == 0:
		s1, _, ok = p1.w.dates(p1.y)
		if !ok {
			return nil, false
		}
		_, e2, ok = p2.w.dates(s1.Year())
		if ok && e2.Before(s1) {
			_, e2, ok = p2.w.dates(s1.Year() + 1)
		}
	default:
		if s1, _, ok = p1.w.dates(p1.y); ok {
			_, e2, ok = p2.w.dates(p2.y)
		}
	}
	if !ok || e2.Before(s1) {
		return []atom{{kind: aSpan, start: time.Time{}, end: time.Time{}}}, true // flagged by the builder
	}
	return []atom{{kind: aSpan, start: s1, end: e2}}, true
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
	atoms, problems := combine(raw)
	b := builder{period: p, problems: problems}
	then := -1
	for i, a := range atoms {
		if a.kind == aThen {
			then = i
			break
		}
	}
	if then < 0 {
		b.clause(atoms)
	} else {
		b.clause(atoms[:then])
		b.next(atoms[then+1:])
		for _, a := range atoms[then+1:] {
			if a.kind == aPerPlan && len(b.rules) > 0 { // «(далее – по плану)»
				b.add(Rule{Kind: PerPlan})
			}
		}
	}
	if len(b.rules) == 0 && b.perPlan {
		b.add(Rule{Kind: PerPlan})
	}
	for _, a := range atoms {
		if a.kind == aNum {
			unknown = append(unknown, a.s)
		}
	}
	s.Rules = b.rules
	if len(unknown) > 0 {
		s.Unknown = unknown
		b.problems = append([]string{"words not understood: «" + strings.Join(unknown, "», «") + "»"}, b.problems...)
	}
	switch {
	case len(b.problems) > 0:
		s.Note = strings.Join(dedupe(b.problems), "; ")
	case len(s.Rules) == 0:
		s.Note = "no date, period or recurrence found"
	default:
		s.Understood = true
	}
	return s
}

func dedupe(s []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, v := range s {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

func meaningful(atoms []atom) bool {
	for _, a := range atoms {
		if a.kind != aSep && a.kind != aDash {
			return true
		}
	}
	return false
}

// builder turns atoms into rules.
type builder struct {
	period   Period
	rules    []Rule
	problems []string
	perPlan  bool
}

func (b *builder) add(r Rule) {
	for _, have := range b.rules {
		if have == r {
			return
		}
	}
	b.rules = append(b.rules, r)
}

func (b *builder) problem(s string) { b.problems = append(b.problems, s) }

// multiYear: a period of more than a year makes a month without a year
// recur every year.
func (b *builder) multiYear() bool {
	return b.period.End.After(b.period.Start.AddDate(1, 0, 0))
}

// yearFor places a window without a year in a period of one year: the year
// its start falls in the period.
func (b *builder) yearFor(w window) int {
	first, last := b.period.Years()
	for y := first - 1; y <= last; y++ {
		if s, e, ok := w.dates(y); ok && !s.Before(b.period.Start) && !s.After(b.period.End) || ok && s.Before(b.period.Start) && !e.Before(b.period.Start) && y >= first {
			return y
		}
	}
	return first
}

func (b *builder) once(w window, y int, by bool) {
	start, end, ok := w.dates(y)
	if !ok {
		b.problem("not a real date")
		return
	}
	if by {
		start = time.Time{}
	}
	b.add(Rule{Kind: Once, Start: start, End: end})
}

func (b *builder) yearlyWindow(w window, by bool, first, last int) {
	if !w.validYearly() {
		b.problem("not a real date")
		return
	}
	r := Rule{Kind: Yearly, FromMonth: w.fm, FromDay: w.fd, ToMonth: w.tm, ToDay: w.td, FirstYear: first, LastYear: last}
	if r.ToDay == 0 {
		r.ToDay = daysIn(time.Month(w.tm))
	}
	if r.FromMonth == 2 && r.FromDay == 29 {
		r.FromDay = 28
	}
	if r.ToMonth == 2 && r.ToDay == 29 {
		r.ToDay = 28
	}
	if by && w.unit == uNone {
		r.FromMonth, r.FromDay = 1, 1
	}
	b.add(r)
}

// clause reads atoms up to «далее». «Ежегодно» makes what follows it yearly;
// at the end, what precedes it. A recurrence (monthly, quarterly …) takes its
// day, part and bounds from the clause.
func (b *builder) clause(atoms []atom) {
	for i, a := range atoms {
		if a.kind == aFreq && a.freq.recurring() {
			b.recurring(atoms, i)
			return
		}
	}
	yearlyAt := -1
	for i, a := range atoms {
		if a.kind == aFreq && a.freq == Yearly {
			yearlyAt = i
			break
		}
	}
	if yearlyAt < 0 {
		b.interpret(atoms, false)
		return
	}
	times := atoms[yearlyAt].times
	var once, yearly []atom
	since := 0
	for _, a := range atoms[yearlyAt+1:] {
		switch {
		case a.kind == aSince && a.y != 0 && since == 0:
			since = a.y
		case a.kind != aSep:
			since = -1
		}
	}
	switch {
	case since > 0: // «март – апрель ежегодно, начиная с 2023 г.»
		yearly = atoms[:yearlyAt]
	case meaningful(atoms[yearlyAt+1:]):
		once, yearly = atoms[:yearlyAt], atoms[yearlyAt+1:]
	default:
		yearly = atoms[:yearlyAt]
	}
	b.interpret(once, false)
	before := len(b.rules)
	b.interpret(yearly, true)
	if !b.hasYearlySince(before) {
		b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31, Times: times}) // bare «ежегодно»
	}
	if since > 0 {
		for i := before; i < len(b.rules); i++ {
			if b.rules[i].Kind == Yearly && b.rules[i].FirstYear == 0 {
				b.rules[i].FirstYear = since
			}
		}
	}
}

func (b *builder) hasYearlySince(i int) bool {
	for _, r := range b.rules[i:] {
		if r.Kind == Yearly {
			return true
		}
	}
	return false
}

// recurring reads a clause with a recurrence at f.
func (b *builder) recurring(atoms []atom, f int) {
	var rules []Rule
	var lo, hi time.Time
	var months *window
	var rest []atom
	perYear, lastMonth := false, false
	day, next := 0, false
	for i, a := range atoms {
		switch a.kind {
		case aFreq:
			if a.freq == Yearly && !a.perYear {
				rest = append(rest, a)
				continue
			}
			perYear = perYear || a.perYear
			rules = append(rules, Rule{Kind: a.freq, Times: a.times, Part: Part(min(int(a.part), int(pEnd)))})
			if a.part > pEnd {
				b.problem("this part of the period is not understood")
			}
		case aDay:
			day = a.d
		case aNextMonth:
			next = true
		case aLastMonth:
			lastMonth = true
		case aSince:
			if s, _, ok := b.since(a); ok {
				lo = s
			}
		case aSpan:
			if i > f || i > 0 && atoms[i-1].kind == aFrom {
				lo, hi = a.start, a.end
			} else {
				rest = append(rest, a)
			}
		case aYear, aYearRange:
			if i > f {
				y2 := a.y2
				if a.kind == aYear {
					y2 = a.y
				}
				lo, hi = date(a.y, 1, 1), date(y2, 12, 31)
			} else {
				rest = append(rest, a)
			}
		case aSchoolYear:
			if i > f {
				lo, hi = date(a.y, 9, 1), date(a.y2, 5, 31)
			} else {
				rest = append(rest, a)
			}
		case aWin:
			switch {
			case a.y == 0 && i > f && a.w.wholeMonths() && months == nil:
				w := a.w
				months = &w
			case a.y != 0 && i > f:
				if s, e, ok := a.w.dates(a.y); ok {
					lo, hi = s, e
				}
			default:
				rest = append(rest, a)
			}
		default:
			rest = append(rest, a)
		}
	}
	if perYear && (months != nil || hasWindows(rest)) {
		// «2 раза в год (декабрь, май)»: the months say when.
		var ws []atom
		for _, a := range atoms {
			if a.kind != aFreq {
				ws = append(ws, a)
			}
		}
		b.interpret(ws, true)
		return
	}
	start := len(b.rules)
	b.interpret(rest, false)
	after := b.lastEnd(start)
	for _, r := range rules {
		r.Day = day
		r.NextMonth = day > 0 && (next || r.Kind != Monthly && !lastMonth)
		if r.Kind == Weekly && day > 0 {
			b.problem("a day of the month for a weekly deadline")
		}
		if months != nil {
			if r.Kind != Monthly {
				b.problem("months for a recurrence other than monthly")
			} else {
				r.FromMonth, r.ToMonth = months.fm, months.tm
			}
		}
		r.Start, r.End = lo, hi
		if lo.IsZero() && !after.IsZero() {
			r.Start = r.firstAfter(after)
		}
		b.add(r)
	}
}

func hasWindows(atoms []atom) bool {
	for _, a := range atoms {
		if a.kind == aWin && a.y == 0 {
			return true
		}
	}
	return false
}

// placed gives the dates of a window, placing one without a year in the
// period.
func (b *builder) placed(w window, y int) (time.Time, time.Time, bool) {
	if y == 0 {
		y = b.yearFor(w)
	}
	return w.dates(y)
}

// since places the start of «с …»: a date without its year only in a
// roadmap of one year.
func (b *builder) since(a atom) (time.Time, time.Time, bool) {
	if a.y == 0 && b.multiYear() {
		b.problem("a start without its year in a roadmap of several years")
		return time.Time{}, time.Time{}, false
	}
	s, e, ok := b.placed(a.w, a.y)
	if !ok {
		b.problem("not a real date")
	}
	return s, e, ok
}

// lastEnd is the latest end of the one-off rules from i on.
func (b *builder) lastEnd(i int) time.Time {
	var end time.Time
	for _, r := range b.rules[i:] {
		if r.Kind == Once && r.End.After(end) {
			end = r.End
		}
	}
	return end
}

// firstAfter is the start of the rule's first period after a day.
func (r Rule) firstAfter(day time.Time) time.Time {
	next := day.AddDate(0, 0, 1)
	for _, p := range r.periods(next, next.AddDate(1, 0, 0)) {
		if !p[0].Before(next) {
			return p[0]
		}
	}
	return next
}

// next reads what follows «далее»: the same windows every year from the next
// one, a recurrence from the next period, or throughout from then on.
func (b *builder) next(atoms []atom) {
	start := len(b.rules)
	after := b.lastEnd(0)
	var once []Rule
	for _, r := range b.rules {
		if r.Kind == Once {
			once = append(once, r)
		}
	}
	hasYearly, hasRecurring, hasWin := false, false, false
	for _, a := range atoms {
		switch {
		case a.kind == aFreq && a.freq == Yearly:
			hasYearly = true
		case a.kind == aFreq:
			hasRecurring = true
		case a.kind == aWin || a.kind == aSpan || a.kind == aYear:
			hasWin = true
		}
	}
	switch {
	case hasYearly && !hasWin && !hasRecurring && len(once) > 0:
		for _, r := range once {
			y := r.End.Year() + 1
			if r.Start.IsZero() {
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: int(r.End.Month()), ToDay: min(r.End.Day(), daysIn(r.End.Month())), FirstYear: y})
				continue
			}
			if r.End.Sub(r.Start) > 366*24*time.Hour {
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31, FirstYear: y})
				continue
			}
			b.add(Rule{Kind: Yearly, FromMonth: int(r.Start.Month()), FromDay: min(r.Start.Day(), daysIn(r.Start.Month())),
				ToMonth: int(r.End.Month()), ToDay: min(r.End.Day(), daysIn(r.End.Month())), FirstYear: r.Start.Year() + 1})
		}
		return
	default:
		b.clause(atoms)
	}
	if after.IsZero() {
		return
	}
	for i := start; i < len(b.rules); i++ {
		r := &b.rules[i]
		switch {
		case r.Kind == Yearly && r.FirstYear == 0:
			r.FirstYear = after.Year() + 1
		case r.Kind.recurring() && r.Start.IsZero():
			r.Start = r.firstAfter(after)
		case r.Kind == Continuous && r.Start.IsZero():
			r.Start = after.AddDate(0, 0, 1)
		}
	}
}

// interpret reads atoms as one-off (yearly=false) or recurring every year.
// Months wait for the year that follows them; a year with no month waiting
// repeats the months last dated («Май 2022, 2023»).
func (b *builder) interpret(atoms []atom, yearly bool) {
	var pending, last []atom
	bind := func(y, y2 int, group []atom, school bool) {
		for _, a := range group {
			switch {
			case yearly || y2 != 0:
				first, lastY := y, y2
				if school {
					first = a.w.startYear(y)
					if y2 != 0 {
						lastY = a.w.startYear(y2 - 1)
					}
				}
				b.yearlyWindow(a.w, a.by, first, lastY)
			case school:
				b.once(a.w, a.w.startYear(y), a.by)
			default:
				b.once(a.w, y, a.by)
			}
		}
	}
	for _, a := range atoms {
		switch a.kind {
		case aWin:
			switch {
			case a.w.fd == 0:
				b.problem("not a real date")
			case a.y == 0:
				pending = append(pending, a)
			case yearly:
				b.yearlyWindow(a.w, a.by, a.y, 0)
			default:
				b.once(a.w, a.y, a.by)
			}
		case aYear:
			switch {
			case len(pending) > 0:
				bind(a.y, 0, pending, false)
				last, pending = pending, nil
			case len(last) > 0:
				bind(a.y, 0, last, false)
			case yearly:
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31, FirstYear: a.y})
			default:
				b.add(Rule{Kind: Once, Start: date(a.y, 1, 1), End: date(a.y, 12, 31)})
			}
		case aYearRange:
			switch {
			case a.y2 < a.y:
				b.problem("the years run backwards")
			case len(pending) > 0:
				bind(a.y, a.y2, pending, false)
				last, pending = pending, nil
			case len(last) > 0:
				bind(a.y, a.y2, last, false)
			case yearly:
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31, FirstYear: a.y, LastYear: a.y2})
			default:
				b.add(Rule{Kind: Once, Start: date(a.y, 1, 1), End: date(a.y2, 12, 31)})
			}
		case aSchoolYear:
			switch {
			case len(pending) > 0 && a.y2 == a.y+1:
				bind(a.y, 0, pending, true)
				last, pending = pending, nil
			case len(pending) > 0:
				bind(a.y, a.y2, pending, true)
				last, pending = pending, nil
			default:
				b.add(Rule{Kind: Once, Start: date(a.y, 9, 1), End: date(a.y2, 5, 31)})
			}
		case aSpan:
			if a.end.IsZero() {
				b.problem("the span ends before it starts")
				continue
			}
			b.add(Rule{Kind: Once, Start: a.start, End: a.end})
		case aSince:
			s, _, ok := b.since(a)
			if !ok {
				continue
			}
			if yearly {
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31, FirstYear: s.Year()})
				continue
			}
			b.add(Rule{Kind: Continuous, Start: s})
		case aContinuous:
			if yearly {
				b.add(Rule{Kind: Yearly, FromMonth: 1, FromDay: 1, ToMonth: 12, ToDay: 31})
			} else {
				b.add(Rule{Kind: Continuous})
			}
		case aAsNeeded:
			b.add(Rule{Kind: AsNeeded})
		case aPerPlan:
			b.perPlan = true
		case aFreq:
			if a.freq == Yearly {
				continue
			}
			b.add(Rule{Kind: a.freq, Times: a.times})
		case aDay:
			b.problem("a day of the month without the month")
		case aNextMonth, aLastMonth:
			b.problem("«the month after» without a recurrence")
		}
	}
	// Windows without a year: every year in a multi-year roadmap or a yearly
	// clause, else once in the period's year.
	for _, a := range pending {
		if a.current && b.multiYear() {
			b.problem("«the current year» in a roadmap of several years")
			continue
		}
		if yearly || b.multiYear() {
			b.yearlyWindow(a.w, a.by, 0, 0)
		} else {
			b.once(a.w, b.yearFor(a.w), a.by)
		}
	}
}
