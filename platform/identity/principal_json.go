package identity

import (
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// marshalPrincipal is json.Marshal(p), byte for byte, without reflection
// for the principals of every request (TestPrincipalJSONIsEncodingJSONs): a
// principal with a text encoding/json would escape goes to encoding/json.
func marshalPrincipal(p Principal) ([]byte, error) {
	if !plainHead(p) || !plainJSON(p.RemoteAddr) || !plainJSON(p.RequestID) {
		return json.Marshal(p)
	}
	b := appendHead(make([]byte, 0, headSize(p)+tailSize(p.RemoteAddr, p.RequestID)), p)
	return appendTail(b, p.RemoteAddr, p.RequestID, p.Expires), nil
}

// headSize is about the length of p's head (see appendHead).
func headSize(p Principal) int {
	n := 32 + len(p.AccountID) + len(p.Login)
	for _, bd := range p.Bindings {
		n += 40 + len(bd.Role) + len(bd.Region) + len(bd.Municipality) + len(bd.Organisation)
	}
	return n
}

// tailSize is about the length of a tail (see appendTail).
func tailSize(remoteAddr, requestID string) int { return 40 + len(remoteAddr) + len(requestID) }

// appendHead appends p's JSON up to what changes from request to request
// (its address, request id and expiry: appendTail writes them), the
// object left open.
func appendHead(b []byte, p Principal) []byte {
	b = append(b, `{"a":"`...)
	b = append(b, p.AccountID...)
	b = append(b, `","l":"`...)
	b = append(b, p.Login...)
	b = append(b, `","b":`...)
	if p.Bindings == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, bd := range p.Bindings {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"r":"`...)
			b = append(b, bd.Role...)
			b = append(b, '"')
			b = appendOptional(b, `,"rg":"`, bd.Region)
			b = appendOptional(b, `,"mu":"`, bd.Municipality)
			b = appendOptional(b, `,"or":"`, bd.Organisation)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if p.ReadOnly {
		b = append(b, `,"ro":true`...)
	}
	return b
}

// appendTail closes a head (see appendHead) with the address, request id
// and expiry.
func appendTail(b []byte, remoteAddr, requestID string, expires int64) []byte {
	b = appendOptional(b, `,"ip":"`, remoteAddr)
	b = appendOptional(b, `,"rid":"`, requestID)
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, expires, 10)
	return append(b, '}')
}

func appendOptional(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	b = append(b, key...)
	b = append(b, v...)
	return append(b, '"')
}

// plainPrincipal: every text of p is one encoding/json writes as it is.
func plainPrincipal(p Principal) bool {
	return plainHead(p) && plainJSON(p.RemoteAddr) && plainJSON(p.RequestID)
}

// plainHead: every text of p's head (see appendHead) is one encoding/json
// writes as it is.
func plainHead(p Principal) bool {
	if !plainJSON(p.AccountID) || !plainJSON(p.Login) {
		return false
	}
	for _, bd := range p.Bindings {
		if !plainJSON(string(bd.Role)) || !plainJSON(bd.Region) || !plainJSON(bd.Municipality) || !plainJSON(bd.Organisation) {
			return false
		}
	}
	return true
}

// plainJSON reports a string encoding/json writes unescaped: UTF-8 without
// control characters, quotes, backslashes, the HTML characters <, > and &,
// and U+2028 and U+2029.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < ' ', c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
			return false
		}
	}
	return utf8.ValidString(s)
}

// unmarshalPrincipal is json.Unmarshal(body, p) for the principals
// marshalPrincipal writes by hand, read without reflection on every call
// a service verifies (TestPrincipalJSONReadsAsEncodingJSON, FuzzPrincipalJSON):
// their members in that order, texts without escapes and in UTF-8, a
// boolean only as "ro":true. Anything else goes to encoding/json.
func unmarshalPrincipal(body []byte, p *Principal) error {
	if q, ok := readPrincipal(body); ok {
		*p = q
		return nil
	}
	return json.Unmarshal(body, p)
}

// readPrincipal reads body in marshalPrincipal's plain form; false when it
// is not in that form.
func readPrincipal(body []byte) (Principal, bool) {
	r := principalReader{b: body}
	var p Principal
	ok := r.lit(`{"a":`) && r.str(&p.AccountID) && r.lit(`,"l":`) && r.str(&p.Login) && r.lit(`,"b":`)
	if !ok {
		return Principal{}, false
	}
	if !r.lit("null") {
		if !r.lit("[") {
			return Principal{}, false
		}
		p.Bindings = []Binding{}
		for first := true; !r.lit("]"); first = false {
			if !first && !r.lit(",") {
				return Principal{}, false
			}
			var bd Binding
			var role string
			if !r.lit(`{"r":`) || !r.str(&role) {
				return Principal{}, false
			}
			bd.Role = Role(role)
			if r.lit(`,"rg":`) && !r.str(&bd.Region) ||
				r.lit(`,"mu":`) && !r.str(&bd.Municipality) ||
				r.lit(`,"or":`) && !r.str(&bd.Organisation) ||
				!r.lit("}") {
				return Principal{}, false
			}
			p.Bindings = append(p.Bindings, bd)
		}
	}
	p.ReadOnly = r.lit(`,"ro":true`)
	if r.lit(`,"ip":`) && !r.str(&p.RemoteAddr) ||
		r.lit(`,"rid":`) && !r.str(&p.RequestID) ||
		!r.lit(`,"exp":`) || !r.int(&p.Expires) || !r.lit("}") || r.i != len(r.b) {
		return Principal{}, false
	}
	return p, true
}

type principalReader struct {
	b []byte
	i int
}

// lit consumes s when it comes next.
func (r *principalReader) lit(s string) bool {
	if len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		return false
	}
	r.i += len(s)
	return true
}

// str reads a JSON string without escapes or control characters, in UTF-8.
func (r *principalReader) str(dst *string) bool {
	if !r.lit(`"`) {
		return false
	}
	start := r.i
	for ; r.i < len(r.b); r.i++ {
		switch c := r.b[r.i]; {
		case c == '"':
			s := r.b[start:r.i]
			r.i++
			if !utf8.Valid(s) {
				return false
			}
			*dst = string(s)
			return true
		case c < ' ', c == '\\':
			return false
		}
	}
	return false
}

// int reads an integer as encoding/json reads one into an int64: an
// optional minus, no leading zero, no fraction or exponent, in range.
func (r *principalReader) int(dst *int64) bool {
	start := r.i
	if r.i < len(r.b) && r.b[r.i] == '-' {
		r.i++
	}
	digits := r.i
	for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
		r.i++
	}
	if r.i == digits || r.b[digits] == '0' && r.i-digits > 1 {
		return false
	}
	n, err := strconv.ParseInt(string(r.b[start:r.i]), 10, 64)
	if err != nil {
		return false
	}
	*dst = n
	return true
}
