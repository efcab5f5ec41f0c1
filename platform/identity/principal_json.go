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
