package api

import (
	"strconv"
	"unicode/utf8"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// decodeSaveReport reads the body of a save (PATCH /v1/reports/{id}) in
// the shape the API's clients send most — the version, the view, and
// values each a count, a text or a clear — into m, exactly as protojson
// reads it, and reports whether it did. It declines (false: protojson reads
// the body again, and resets m first) anything else: a yes/no (an object),
// escapes in a text or a key, numbers in another form than plain digits,
// enums by number, null, a repeated member, any other member, data after
// the object. protojson reflects on every field and was the largest part
// left of the gateway's own CPU a save (TestSaveBodyIsProtojsons,
// FuzzSaveBody).
func decodeSaveReport(data []byte, m *indicatorsv1.SaveReportRequest) bool {
	d := saveDecoder{b: data}
	if !d.byte('{') {
		return false
	}
	var seen uint8
	if !d.byte('}') {
		for {
			key, ok := d.plainString()
			if !ok || !d.byte(':') {
				return false
			}
			var bit uint8
			switch key {
			case "id":
				bit = 1
				if m.Id, ok = d.text(); !ok {
					return false
				}
			case "version":
				bit = 2
				if m.Version, ok = d.int64(); !ok {
					return false
				}
			case "view":
				bit = 4
				name, ok := d.plainString()
				v, known := indicatorsv1.ReportView_value[name]
				if !ok || !known {
					return false
				}
				m.View = indicatorsv1.ReportView(v)
			case "values":
				bit = 8
				if !d.values(m) {
					return false
				}
			default: // confirm, and anything protojson would refuse
				return false
			}
			if seen&bit != 0 {
				return false // protojson: duplicate field
			}
			seen |= bit
			if d.byte(',') {
				continue
			}
			break
		}
		if !d.byte('}') {
			return false
		}
	}
	d.space()
	return d.i == len(d.b)
}

type saveDecoder struct {
	b []byte
	i int
}

// space skips JSON's whitespace.
func (d *saveDecoder) space() {
	for d.i < len(d.b) {
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte takes c after whitespace.
func (d *saveDecoder) byte(c byte) bool {
	d.space()
	if d.i < len(d.b) && d.b[d.i] == c {
		d.i++
		return true
	}
	return false
}

// text reads a string without escapes or control characters, valid UTF-8.
func (d *saveDecoder) text() (string, bool) {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := d.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return "", false
			}
			d.i = j + 1
			return string(s), true
		case c == '\\' || c < ' ':
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// plainString reads a string of printable ASCII without escapes (a key, an
// enum's name).
func (d *saveDecoder) plainString() (string, bool) {
	d.space()
	if d.i >= len(d.b) || d.b[d.i] != '"' {
		return "", false
	}
	for j := d.i + 1; j < len(d.b); j++ {
		switch c := d.b[j]; {
		case c == '"':
			s := string(d.b[d.i+1 : j])
			d.i = j + 1
			return s, true
		case c == '\\' || c < ' ' || c >= utf8.RuneSelf:
			return "", false
		}
	}
	return "", false
}

// int64 reads an integer as protojson takes an int64: a JSON number or a
// string holding one; here only plain digits, at most 18 of them, with an
// optional minus and no leading zero.
func (d *saveDecoder) int64() (int64, bool) {
	d.space()
	quoted := d.i < len(d.b) && d.b[d.i] == '"'
	if quoted {
		d.i++
	}
	start := d.i
	if d.i < len(d.b) && d.b[d.i] == '-' {
		d.i++
	}
	digits := d.i
	for d.i < len(d.b) && d.b[d.i] >= '0' && d.b[d.i] <= '9' {
		d.i++
	}
	n := d.i - digits
	if n == 0 || n > 18 || n > 1 && d.b[digits] == '0' {
		return 0, false
	}
	v, err := strconv.ParseInt(string(d.b[start:d.i]), 10, 64)
	if err != nil {
		return 0, false
	}
	if quoted {
		if d.i >= len(d.b) || d.b[d.i] != '"' {
			return 0, false
		}
		d.i++
	} else if d.i < len(d.b) {
		// A number ends at whitespace or JSON's punctuation (1.5, 1e3 and
		// 12x are protojson's to judge).
		switch d.b[d.i] {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
		default:
			return 0, false
		}
	}
	return v, true
}

// values reads the values object into m.Values.
func (d *saveDecoder) values(m *indicatorsv1.SaveReportRequest) bool {
	if !d.byte('{') {
		return false
	}
	if m.Values == nil {
		m.Values = map[string]*indicatorsv1.Value{}
	}
	if d.byte('}') {
		return true
	}
	for {
		code, ok := d.plainString()
		if !ok || !d.byte(':') {
			return false
		}
		if _, dup := m.Values[code]; dup {
			return false // protojson: duplicate map key
		}
		v, ok := d.value()
		if !ok {
			return false
		}
		m.Values[code] = v
		if d.byte(',') {
			continue
		}
		return d.byte('}')
	}
}

// value reads one Value: {} or a count, a text or a clear.
func (d *saveDecoder) value() (*indicatorsv1.Value, bool) {
	if !d.byte('{') {
		return nil, false
	}
	v := &indicatorsv1.Value{}
	if d.byte('}') {
		return v, true
	}
	name, ok := d.plainString()
	if !ok || !d.byte(':') {
		return nil, false
	}
	switch name {
	case "count":
		n, ok := d.int64()
		if !ok {
			return nil, false
		}
		v.Kind = &indicatorsv1.Value_Count{Count: n}
	case "text":
		s, ok := d.text()
		if !ok {
			return nil, false
		}
		v.Kind = &indicatorsv1.Value_Text{Text: s}
	case "clear":
		d.space()
		switch {
		case hasPrefixAt(d.b, d.i, "true"):
			d.i += 4
			v.Kind = &indicatorsv1.Value_Clear{Clear: true}
		case hasPrefixAt(d.b, d.i, "false"):
			d.i += 5
			v.Kind = &indicatorsv1.Value_Clear{Clear: false}
		default:
			return nil, false
		}
		if d.i < len(d.b) && d.b[d.i] >= 'a' && d.b[d.i] <= 'z' {
			return nil, false // truex
		}
	default:
		return nil, false
	}
	if !d.byte('}') {
		return nil, false // a second member: protojson's to refuse
	}
	return v, true
}

func hasPrefixAt(b []byte, i int, s string) bool {
	return len(b)-i >= len(s) && string(b[i:i+len(s)]) == s
}
