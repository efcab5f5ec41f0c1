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
	if !plainPrincipal(p) {
		return json.Marshal(p)
	}
	n := 64 + len(p.AccountID) + len(p.Login) + len(p.RemoteAddr) + len(p.RequestID)
	for _, bd := range p.Bindings {
		n += 40 + len(bd.Role) + len(bd.Region) + len(bd.Municipality) + len(bd.Organisation)
	}
	b := make([]byte, 0, n)
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
	b = appendOptional(b, `,"ip":"`, p.RemoteAddr)
	b = appendOptional(b, `,"rid":"`, p.RequestID)
	b = append(b, `,"exp":`...)
	b = strconv.AppendInt(b, p.Expires, 10)
	return append(b, '}'), nil
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
	if !plainJSON(p.AccountID) || !plainJSON(p.Login) || !plainJSON(p.RemoteAddr) || !plainJSON(p.RequestID) {
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
