package api

import (
	"math"
	"strconv"
	"unicode/utf8"

	"google.golang.org/protobuf/reflect/protoreflect"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// appendAggregates writes m as JSON; false when a string is not valid UTF-8
// (protojson's answer then: an error).
func appendAggregates(b []byte, m *indicatorsv1.GetAggregatesResponse) ([]byte, bool) {
	b = append(b, `{"aggregates":[`...)
	for i, a := range m.GetAggregates() {
		if i > 0 {
			b = append(b, ',')
		}
		var ok bool
		if b, ok = appendAggregate(b, a); !ok {
			return nil, false
		}
	}
	return append(b, "]}"...), true
}

func appendAggregate(b []byte, a *indicatorsv1.Aggregate) ([]byte, bool) {
	ok := true
	str := func(b []byte, s string) []byte {
		if !utf8.ValidString(s) {
			ok = false
		}
		return appendJSONString(b, s)
	}
	b = append(b, `{"level":`...)
	b = appendEnum(b, a.GetLevel())
	b = append(b, `,"unit":`...)
	b = str(b, a.GetUnit())
	b = append(b, `,"unitName":`...)
	b = str(b, a.GetUnitName())
	b = append(b, `,"year":`...)
	b = strconv.AppendInt(b, int64(a.GetYear()), 10)
	b = append(b, `,"indicatorCode":`...)
	b = str(b, a.GetIndicatorCode())
	if a.Value != nil {
		b = append(b, `,"value":`...)
		b = appendJSONFloat(b, a.GetValue())
	}
	b = append(b, `,"numerator":"`...)
	b = strconv.AppendInt(b, a.GetNumerator(), 10)
	b = append(b, `","denominator":"`...)
	b = strconv.AppendInt(b, a.GetDenominator(), 10)
	b = append(b, `","contributors":`...)
	b = strconv.AppendInt(b, int64(a.GetContributors()), 10)
	b = append(b, `,"expected":`...)
	b = strconv.AppendInt(b, int64(a.GetExpected()), 10)
	b = append(b, `,"coverage":`...)
	b = appendJSONFloat(b, a.GetCoverage())
	if a.Target != nil {
		b = append(b, `,"target":`...)
		b = appendJSONFloat(b, a.GetTarget())
	}
	b = append(b, `,"status":`...)
	b = appendEnum(b, a.GetStatus())
	if a.PreviousValue != nil {
		b = append(b, `,"previousValue":`...)
		b = appendJSONFloat(b, a.GetPreviousValue())
	}
	if a.Change != nil {
		b = append(b, `,"change":`...)
		b = appendJSONFloat(b, a.GetChange())
	}
	b = append(b, `,"comparable":`...)
	b = strconv.AppendBool(b, a.GetComparable())
	return append(b, '}'), ok
}

// appendEnum writes an enum value by its name, or as a number when the enum
// does not name it (as protojson does).
func appendEnum(b []byte, e protoreflect.Enum) []byte {
	n := e.Number()
	if v := e.Descriptor().Values().ByNumber(n); v != nil {
		return appendJSONString(b, string(v.Name()))
	}
	return strconv.AppendInt(b, int64(n), 10)
}

// appendJSONFloat formats a double as protojson does (its encoding/json
// rules: 'f' unless very small or large, then 'e' with a short exponent;
// NaN and the infinities as strings).
func appendJSONFloat(b []byte, n float64) []byte {
	switch {
	case math.IsNaN(n):
		return append(b, `"NaN"`...)
	case math.IsInf(n, +1):
		return append(b, `"Infinity"`...)
	case math.IsInf(n, -1):
		return append(b, `"-Infinity"`...)
	}
	format := byte('f')
	if abs := math.Abs(n); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, n, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9
		if k := len(b); k >= 4 && b[k-4] == 'e' && b[k-3] == '-' && b[k-2] == '0' {
			b[k-2] = b[k-1]
			b = b[:k-1]
		}
	}
	return b
}

// appendJSONString writes a valid UTF-8 string as protojson does: quotes,
// backslashes and control characters escaped, the rest as it is.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= ' ' && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
