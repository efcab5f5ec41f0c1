package identity

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"
	"unicode/utf8"
)

var principalTexts = []string{"", "a", "operator", "Иванова", "127.0.0.1", "::1", "24", "krsk",
	"9d4c1a1e-0000-4000-8000-000000000000", `q"uote`, `back\slash`, "<b>&", "tab\there", "\x00", "\u2028", "\u2029",
	"bad\xffutf8", "\xe2\x80", "emoji 😀", "\ufffd", "\x7f"}

// fillRandom sets every field of the struct v points to (a principal, its
// bindings), found by reflection, so that a field added to Principal or
// Binding is generated too.
func fillRandom(rng *rand.Rand, v reflect.Value) {
	for i := range v.NumField() {
		f := v.Field(i)
		if rng.IntN(4) == 0 {
			continue
		}
		switch f.Kind() {
		case reflect.String:
			f.SetString(principalTexts[rng.IntN(len(principalTexts))])
		case reflect.Bool:
			f.SetBool(rng.IntN(2) == 0)
		case reflect.Int64:
			f.SetInt([]int64{0, 1, -1, 1_765_000_000, math.MaxInt64, math.MinInt64}[rng.IntN(6)])
		case reflect.Slice:
			n := rng.IntN(4)
			s := reflect.MakeSlice(f.Type(), n, n)
			for j := range n {
				fillRandom(rng, s.Index(j))
			}
			f.Set(s)
		default:
			panic("fillRandom: a field of kind " + f.Kind().String() + ": teach it (and marshalPrincipal)")
		}
	}
}

// The hand-written encoding of a principal is encoding/json's, byte for
// byte, for principals whose every field takes random values — texts
// encoding/json writes as they are and texts it escapes (quotes,
// backslashes, HTML characters, control characters, U+2028, bad UTF-8),
// nil, empty and full bindings.
func TestPrincipalJSONIsEncodingJSONs(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 15))
	var plain int
	for i := range 20000 {
		var p Principal
		fillRandom(rng, reflect.ValueOf(&p).Elem())
		want, werr := json.Marshal(p)
		got, err := marshalPrincipal(p)
		if err != nil || werr != nil || !bytes.Equal(got, want) {
			t.Fatalf("principal %d %+v:\n got %s (%v)\nwant %s (%v)", i, p, got, err, want, werr)
		}
		if plainPrincipal(p) {
			plain++
		}
	}
	if plain < 1000 || plain > 19000 {
		t.Errorf("%d of 20000 principals written by hand: want many of both", plain)
	}
}

// A prepared principal signs to Sign's token, byte for byte, whatever its
// texts and whatever address and request id it is signed with (texts
// encoding/json escapes among them), and the token verifies to the
// principal with that address and request id.
func TestSignPreparedIsSigns(t *testing.T) {
	t.Parallel()
	s, err := NewSigner(bytes.Repeat([]byte("k"), MinKeyBytes))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(15, 30))
	now := time.Unix(1_765_000_000, 0)
	var fast int
	for i := range 5000 {
		var p Principal
		fillRandom(rng, reflect.ValueOf(&p).Elem())
		pp := Prepare(p)
		for range 3 {
			addr, rid := principalTexts[rng.IntN(len(principalTexts))], principalTexts[rng.IntN(len(principalTexts))]
			q := p
			q.RemoteAddr, q.RequestID = addr, rid
			want, werr := s.Sign(q, now, TTL)
			got, err := s.SignPrepared(pp, addr, rid, now, TTL)
			if err != nil || werr != nil || got != want {
				t.Fatalf("principal %d %+v at %q, %q:\n got %s (%v)\nwant %s (%v)", i, p, addr, rid, got, err, want, werr)
			}
			if pp.head != nil && plainJSON(addr) && plainJSON(rid) {
				fast++
			}
			v, err := s.Verify(got, now)
			if err != nil {
				t.Fatalf("principal %d: Verify: %v", i, err)
			}
			if utf8.ValidString(addr) && utf8.ValidString(rid) && (v.RemoteAddr != addr || v.RequestID != rid) {
				t.Fatalf("principal %d: verified address %q and request id %q, want %q, %q", i, v.RemoteAddr, v.RequestID, addr, rid)
			}
		}
	}
	if fast < 1000 || fast > 14000 {
		t.Errorf("%d of 15000 tokens from the prepared head: want many of both", fast)
	}
}

// Signing a curator's identity, as the gateway does for every call.
func BenchmarkSign(b *testing.B) {
	s, _ := NewSigner(bytes.Repeat([]byte("k"), MinKeyBytes))
	p := Principal{AccountID: "9d4c1a1e-0000-4000-8000-000000000000", Login: "peak-curator-01",
		Bindings:   []Binding{{Role: Curator, Region: "24", Municipality: "krsk", Organisation: "7d2e4f6a-8b9c-4d1e-9f2a-3b4c5d6e7f80"}},
		RemoteAddr: "127.0.0.1", RequestID: "0b0e7a36-4f6b-4b7e-9b43-0e3f3a1d8a11"}
	now := time.Now()
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshalPrincipal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := marshalPrincipal(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("SignPrepared", func(b *testing.B) {
		pp := Prepare(p)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.SignPrepared(pp, p.RemoteAddr, p.RequestID, now, TTL); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Sign", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Sign(p, now, TTL); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// What the hand-written reader reads is what encoding/json reads: every
// principal marshalPrincipal writes by hand is read by hand, and every
// body (random principals, encoding/json's bodies of them, and mutations of
// those) reads to the same principal and error either way.
func TestPrincipalJSONReadsAsEncodingJSON(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 45))
	var byHand int
	for i := range 20000 {
		var p Principal
		fillRandom(rng, reflect.ValueOf(&p).Elem())
		body, err := marshalPrincipal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := readPrincipal(body); plainPrincipal(p) && utf8Texts(p) && !ok {
			t.Fatalf("principal %d: the reader refused marshalPrincipal's own %s", i, body)
		}
		bodies := [][]byte{body, mutate(rng, body), mutate(rng, mutate(rng, body))}
		for _, b := range bodies {
			if _, ok := readPrincipal(b); ok {
				byHand++
			}
			comparePrincipalReads(t, b)
		}
	}
	if byHand < 1000 {
		t.Errorf("%d bodies read by hand: want many", byHand)
	}
}

// utf8Texts: every text of p is UTF-8 (encoding/json reads other bytes as
// U+FFFD, which the reader leaves to it).
func utf8Texts(p Principal) bool {
	texts := []string{p.AccountID, p.Login, p.RemoteAddr, p.RequestID}
	for _, bd := range p.Bindings {
		texts = append(texts, string(bd.Role), bd.Region, bd.Municipality, bd.Organisation)
	}
	for _, s := range texts {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}

// mutate changes, drops or inserts a byte or two of b.
func mutate(rng *rand.Rand, b []byte) []byte {
	out := bytes.Clone(b)
	if len(out) == 0 {
		return append(out, '{')
	}
	i := rng.IntN(len(out))
	alphabet := []byte(`{}[]":,\ -0123456789tnufalsre` + "\x00\x1f\xff\xe2")
	switch rng.IntN(3) {
	case 0:
		out[i] = alphabet[rng.IntN(len(alphabet))]
	case 1:
		out = append(out[:i], out[i+1:]...)
	default:
		out = append(out[:i], append([]byte{alphabet[rng.IntN(len(alphabet))]}, out[i:]...)...)
	}
	return out
}

func comparePrincipalReads(t *testing.T, body []byte) {
	t.Helper()
	var want, got Principal
	werr := json.Unmarshal(body, &want)
	err := unmarshalPrincipal(body, &got)
	if (err == nil) != (werr == nil) || !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q:\n got %#v (%v)\nwant %#v (%v)", body, got, err, want, werr)
	}
}

func FuzzPrincipalJSON(f *testing.F) {
	rng := rand.New(rand.NewPCG(15, 46))
	for range 50 {
		var p Principal
		fillRandom(rng, reflect.ValueOf(&p).Elem())
		body, _ := marshalPrincipal(p)
		f.Add(body)
	}
	f.Add([]byte(`{"a":"x","l":"y","b":[],"exp":-0}`))
	f.Add([]byte(`{"a":"x","l":"y","b":null,"ro":true,"exp":9223372036854775808}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		comparePrincipalReads(t, body)
	})
}

// Reading a curator's identity, as a service does for every call.
func BenchmarkReadPrincipal(b *testing.B) {
	p := Principal{AccountID: "9d4c1a1e-0000-4000-8000-000000000000", Login: "peak-curator-01",
		Bindings:   []Binding{{Role: Curator, Region: "24", Municipality: "krsk", Organisation: "7d2e4f6a-8b9c-4d1e-9f2a-3b4c5d6e7f80"}},
		RemoteAddr: "127.0.0.1", RequestID: "0b0e7a36-4f6b-4b7e-9b43-0e3f3a1d8a11", Expires: 1_765_000_000}
	body, err := marshalPrincipal(p)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var q Principal
			if err := json.Unmarshal(body, &q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshalPrincipal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var q Principal
			if err := unmarshalPrincipal(body, &q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
