package validation

import (
	"fmt"
	"maps"
	"strconv"
	"strings"
	"time"

	"github.com/nastavnik/nastavnik/platform/russian"
)

// Problem is what is wrong with one value: a stable code from the catalogue
// (messages.go) and the parameters its texts name. It is also an error, so
// that domain checks (an INN's check digit, a time zone) return it and their
// code survives to the API.
type Problem struct {
	Code   string
	Params Params
	// english and russian are set only for texts not in the catalogue: a
	// form rule's own message (Rule), another library's description
	// (Foreign), free text not yet converted.
	english, russian string
}

// Params are the values a problem's texts name, by the names the templates
// use. Values are written per language: text with its hidden characters
// shown as code points (Visible), numbers (Russian groups thousands),
// time.Time as a date (2025-09-01, 01.09.2025), []string as a list
// ("a, b or c", «a, b или c»), Words in their language, anything else with
// fmt.
type Params map[string]any

// Words is a parameter written differently in each language.
type Words struct{ English, Russian string }

// New is the problem of the catalogue's code, without parameters; add them
// with With.
func New(code string) Problem { return Problem{Code: code} }

// With returns p with parameter name set to value.
func (p Problem) With(name string, value any) Problem {
	params := make(Params, len(p.Params)+1)
	maps.Copy(params, p.Params)
	params[name] = value
	p.Params = params
	return p
}

// Rule is the problem of a rule that carries its own text for people (a
// monitoring form's rule, authored in Russian): its code is the rule's code,
// and its text is both the Russian and the English description.
func Rule(code, message string) Problem {
	return Problem{Code: code, english: message, russian: message}
}

// Foreign is a problem described in English by another library (a
// protovalidate rule): the English is kept, and the Russian comes from the
// catalogue when it knows the code, or is the catalogue's general request.
func Foreign(code, english string) Problem {
	return Problem{Code: code, english: english}
}

// Error implements error with the English description.
func (p Problem) Error() string { return p.English() }

// English describes the problem for the API and developers.
func (p Problem) English() string {
	if p.english != "" {
		return p.english
	}
	m, ok := Lookup(p.Code)
	if !ok {
		return p.Code
	}
	return render(m.English, p.Params, english)
}

// Russian says what is wrong to the person who filled the field.
func (p Problem) Russian() string {
	if p.russian != "" {
		return p.russian
	}
	m, ok := Lookup(p.Code)
	if !ok {
		m = catalogue[CodeInvalid]
	}
	return render(m.Russian, p.Params, russianLang)
}

type language int

const (
	english language = iota
	russianLang
)

// render fills a template: {name} is a parameter; {name|form|form} (English)
// and {name|one|few|many} (Russian) are the forms of a word that agree with
// the number name. A parameter the problem lacks stays as written, visibly.
func render(tmpl string, params Params, lang language) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(tmpl, '{')
		if open < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		end := strings.IndexByte(tmpl[open:], '}')
		if end < 0 {
			b.WriteString(tmpl)
			return b.String()
		}
		end += open
		b.WriteString(tmpl[:open])
		b.WriteString(placeholder(tmpl[open+1:end], params, lang))
		tmpl = tmpl[end+1:]
	}
}

func placeholder(spec string, params Params, lang language) string {
	name, forms, plural := strings.Cut(spec, "|")
	v, ok := params[name]
	if !ok {
		return "{" + spec + "}"
	}
	if !plural {
		return format(v, lang)
	}
	n, ok := integer(v)
	if !ok {
		return "{" + spec + "}"
	}
	f := strings.Split(forms, "|")
	switch {
	case len(f) == 3:
		return russian.Plural(n, f[0], f[1], f[2])
	case len(f) == 2 && n == 1:
		return f[0]
	case len(f) == 2:
		return f[1]
	}
	return "{" + spec + "}"
}

func integer(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case uint32:
		return int64(n), true
	case uint64:
		return int64(n), true
	}
	return 0, false
}

func format(v any, lang language) string {
	if n, ok := integer(v); ok {
		if lang == russianLang {
			return russian.Int(n)
		}
		return strconv.FormatInt(n, 10)
	}
	switch v := v.(type) {
	case string:
		return Visible(v)
	case float64:
		if lang == russianLang {
			return russian.Decimal(v)
		}
		return strconv.FormatFloat(v, 'f', -1, 64)
	case time.Time:
		if lang == russianLang {
			return v.Format("02.01.2006")
		}
		return v.Format(time.DateOnly)
	case []string:
		shown := make([]string, len(v))
		for i, s := range v {
			shown[i] = Visible(s)
		}
		if lang == russianLang {
			return list(shown, "или")
		}
		return list(shown, "or")
	case Words:
		if lang == russianLang {
			return v.Russian
		}
		return v.English
	}
	return fmt.Sprint(v)
}

// list joins items as "a, b or c".
func list(items []string, or string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + or + " " + items[len(items)-1]
}
