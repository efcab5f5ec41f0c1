package api

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/proto"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// The decoder's fast path (protojson alone) accepts exactly the bodies the
// checked path (checkSyntax, then JSONPb.Unmarshal) accepts, into the same
// message, and refuses the others with the same error: on valid bodies and
// on tens of thousands of their mutations — bytes dropped, doubled, swapped
// for JSON's punctuation, quotes, control characters or bad UTF-8; trailing
// data; leading and trailing whitespace; a byte order mark.
func TestDecoderAsStrictAsBefore(t *testing.T) {
	t.Parallel()
	j := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
	valid := []string{
		`{"version":"5","view":"REPORT_VIEW_BASIC","values":{"teachers_total":{"count":"7"}}}`,
		`{"version":5,"values":{"a":{"yesNo":"YES_NO_YES"},"b":{"text":"Школа \"№5\"\n"},"c":{"clear":true},"d":{"count":-3}},"confirm":["x","y"]}`,
		"\n\t {\"id\":\"9d4c1a1e-0000-4000-8000-000000000000\", \"version\" : \"12\" , \"values\" : {} }\r\n",
		`{"values":{"e":{"text":"\u0041\ud83d\ude00\t"}},"view":2}`,
		`{}`,
	}
	extras := [][]byte{[]byte(`"`), []byte(`{`), []byte(`}`), []byte(`[`), []byte(`]`), []byte(`,`), []byte(`:`), []byte(` `),
		[]byte("\n"), []byte("\x00"), []byte("\x1f"), []byte("\xff"), []byte("\xc3"), []byte(`\`), []byte(`\u12`), []byte(`1e5`),
		[]byte(`-`), []byte(`null`), []byte(`true`), []byte(`0.5`), []byte(`01`), []byte("\ufeff"), []byte(`{}`), []byte(`x`)}
	rng := rand.New(rand.NewPCG(15, 7))
	var bodies [][]byte
	for _, v := range valid {
		bodies = append(bodies, []byte(v), []byte("\ufeff"+v), []byte(v+" {}"), []byte(v+"x"), []byte(" "+v+"\n\n"), []byte("["+v+"]"))
		for range 6000 {
			b := []byte(v)
			for range 1 + rng.IntN(3) {
				i := rng.IntN(len(b) + 1)
				switch rng.IntN(3) {
				case 0: // drop a byte
					if i < len(b) {
						b = append(b[:i:i], b[i+1:]...)
					}
				case 1: // insert something
					b = append(b[:i:i], append(extras[rng.IntN(len(extras))], b[i:]...)...)
				case 2: // double a stretch
					k := min(len(b), i+rng.IntN(8))
					b = append(b[:k:k], b[i:]...)
				}
			}
			bodies = append(bodies, b)
		}
	}
	var accepted int
	for _, body := range bodies {
		fast, checked := &indicatorsv1.SaveReportRequest{}, &indicatorsv1.SaveReportRequest{}
		ferr := j.NewDecoder(bytes.NewReader(body)).Decode(fast)
		cerr := j.decodeChecked(bytes.NewReader(nil), bytes.TrimPrefix(body, []byte("\ufeff")), checked)
		if len(bytes.TrimSpace(bytes.TrimPrefix(body, []byte("\ufeff")))) == 0 {
			continue // no body: EOF before either
		}
		if (ferr == nil) != (cerr == nil) || (ferr != nil && ferr.Error() != cerr.Error()) {
			t.Fatalf("body %q: the decoder says %v, the checked path %v", body, ferr, cerr)
		}
		if ferr == nil {
			accepted++
			if !proto.Equal(fast, checked) {
				t.Fatalf("body %q: decoded %v, the checked path %v", body, fast, checked)
			}
		}
	}
	t.Logf("%d of %d bodies accepted", accepted, len(bodies))
	if accepted < 100 || accepted > len(bodies)-100 {
		t.Errorf("%d of %d bodies accepted: want many of both", accepted, len(bodies))
	}

	// A body that is one field of the request (not a proto.Message itself)
	// takes the checked path.
	var account *registryv1.Account
	if err := j.NewDecoder(bytes.NewReader([]byte(`{"login":"x"} {}`))).Decode(&account); err == nil {
		t.Errorf("trailing data after a body field: got no error")
	}
	if err := j.NewDecoder(bytes.NewReader([]byte(`{"login":"x"}`))).Decode(&account); err != nil || account.GetLogin() != "x" {
		t.Errorf("a body field: got %v, %v", account, err)
	}
}
