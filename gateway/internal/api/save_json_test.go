package api

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// sameAsProtojson fails t when decodeSaveReport reads body but protojson
// refuses it or reads something else; it tells whether the hand-written
// path read it.
func sameAsProtojson(t testing.TB, body []byte) bool {
	t.Helper()
	fast := &indicatorsv1.SaveReportRequest{}
	if !decodeSaveReport(body, fast) {
		return false
	}
	want := &indicatorsv1.SaveReportRequest{}
	if err := protojson.Unmarshal(body, want); err != nil {
		t.Fatalf("body %q: read by hand as %v, protojson refuses it: %v", body, fast, err)
	}
	if !proto.Equal(fast, want) {
		t.Fatalf("body %q: read by hand as %v, by protojson as %v", body, fast, want)
	}
	return true
}

// saveBody writes a random save's body: the members in any order, each
// value a count, a text or a clear, numbers quoted or not, whitespace
// between the tokens, now and then something the hand-written path leaves
// to protojson (an escape, a yes/no, an enum by number, confirm, null).
func saveBody(rng *rand.Rand) []byte {
	ws := func() string {
		return []string{"", "", "", " ", "\n\t", "\r\n  "}[rng.IntN(6)]
	}
	num := func() string {
		n := []int64{0, 1, 7, 61, 4182, -3, 999999999999999999, -999999999999999999, rng.Int64N(1 << 40)}[rng.IntN(9)]
		s := strconv.FormatInt(n, 10)
		switch rng.IntN(12) {
		case 0:
			s += ".0"
		case 1:
			s = "0" + s
		case 2:
			s += "e0"
		case 3:
			s = "1" + s + "0" // 19 or 20 digits
		}
		if rng.IntN(2) == 0 {
			return `"` + s + `"`
		}
		return s
	}
	texts := []string{"", "Школа № 5", "ok", "a\tb", `q"uote`, `back\slash`, "\u2028", "😀", "x\x7fy", "ООО «Ромашка»"}
	value := func() string {
		switch rng.IntN(9) {
		case 0, 1, 2, 3:
			return `{` + ws() + `"count"` + ws() + `:` + ws() + num() + ws() + `}`
		case 4:
			return `{"text":` + strconv.Quote(texts[rng.IntN(len(texts))]) + `}`
		case 5:
			return `{"clear":` + []string{"true", "false"}[rng.IntN(2)] + `}`
		case 6:
			return `{}`
		case 7:
			return `{"yesNo":{"yes":true}}`
		}
		return `{"count":1,"text":"x"}`
	}
	var members []string
	if rng.IntN(5) > 0 {
		members = append(members, `"version":`+ws()+num())
	}
	if rng.IntN(3) > 0 {
		members = append(members, `"view":`+ws()+[]string{`"REPORT_VIEW_BASIC"`, `"REPORT_VIEW_FULL"`, `"REPORT_VIEW_UNSPECIFIED"`, `1`, `"BASIC"`}[rng.IntN(5)])
	}
	if rng.IntN(4) > 0 {
		var vs []string
		for k := range rng.IntN(5) {
			code := []string{"teachers_total", "young_teachers", "students_total", "", "код"}[rng.IntN(5)]
			if rng.IntN(4) == 0 {
				code += strconv.Itoa(k)
			}
			vs = append(vs, ws()+`"`+code+`"`+ws()+":"+ws()+value()+ws())
		}
		members = append(members, `"values":{`+strings.Join(vs, ",")+`}`)
	}
	switch rng.IntN(12) {
	case 0:
		members = append(members, `"id":"9d4c1a1e-0000-4000-8000-000000000000"`)
	case 1:
		members = append(members, `"confirm":["teachers_total"]`)
	case 2:
		members = append(members, `"version":null`)
	case 3:
		members = append(members, `"version":"2"`) // perhaps a second time
	}
	rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	for i := range members {
		members[i] = ws() + members[i] + ws()
	}
	return []byte("{" + strings.Join(members, ",") + "}" + ws())
}

// TestSaveBodyIsProtojsons: on generated saves and on their mutations,
// whatever the hand-written path reads, protojson reads the same; it reads
// the peak's and the page's usual saves itself, and leaves many others to
// protojson.
func TestSaveBodyIsProtojsons(t *testing.T) {
	t.Parallel()
	for _, body := range []string{
		`{"version":"4182","view":"REPORT_VIEW_BASIC","values":{"teachers_total":{"count":"61"}}}`,
		`{"version":"12","view":"REPORT_VIEW_BASIC","values":{"teachers_total":{"count":"31"},"students_total":{"count":"400"},"comment":{"text":"Школа № 5"},"young_teachers":{"clear":true}}}`,
		"{ \"version\" : 3 ,\n \"values\" : { } }",
		`{}`,
	} {
		if !sameAsProtojson(t, []byte(body)) {
			t.Errorf("body %s: left to protojson, want read by hand", body)
		}
	}
	rng := rand.New(rand.NewPCG(2026, 15))
	extras := []string{`"`, `{`, `}`, `,`, `:`, " ", "\x00", "\xff", `\`, `1`, `-`, `null`, `true`, `.5`, `0`, `e`, `x`}
	var byHand, byProtojson, refused int
	for range 40000 {
		b := saveBody(rng)
		if rng.IntN(3) == 0 {
			i := rng.IntN(len(b) + 1)
			switch rng.IntN(2) {
			case 0:
				if i < len(b) {
					b = append(b[:i:i], b[i+1:]...)
				}
			case 1:
				b = append(b[:i:i], append([]byte(extras[rng.IntN(len(extras))]), b[i:]...)...)
			}
		}
		switch {
		case sameAsProtojson(t, b):
			byHand++
		case protojson.Unmarshal(b, &indicatorsv1.SaveReportRequest{}) == nil:
			byProtojson++
		default:
			refused++
		}
	}
	t.Logf("read by hand %d, left to protojson and read %d, refused %d", byHand, byProtojson, refused)
	if byHand < 5000 || byProtojson < 2000 || refused < 2000 {
		t.Errorf("read by hand %d, by protojson %d, refused %d: want many of each", byHand, byProtojson, refused)
	}
}

func FuzzSaveBody(f *testing.F) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		f.Add(saveBody(rng))
	}
	f.Add([]byte(`{"values":{"a":{"count":"-0"}}}`))
	f.Add([]byte(`{"values":{"a":{"clear":truex}}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		sameAsProtojson(t, body)
		// Through the decoder, as the API reads a body.
		j := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
		m := &indicatorsv1.SaveReportRequest{}
		if err := j.NewDecoder(bytes.NewReader(body)).Decode(m); err == nil && len(bytes.TrimSpace(body)) > 0 {
			want := &indicatorsv1.SaveReportRequest{}
			if err := protojson.Unmarshal(bytes.TrimPrefix(body, []byte("\ufeff")), want); err != nil || !proto.Equal(m, want) {
				t.Fatalf("body %q: the decoder read %v, protojson %v (%v)", body, m, want, err)
			}
		}
	})
}
