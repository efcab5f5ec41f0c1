package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// tokens is a JSON text as its tokens (whitespace aside), numbers as written.
func tokens(t *testing.T, b []byte) []any {
	t.Helper()
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out []any
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%v in %s", err, b)
		}
		out = append(out, tok)
	}
}

// The aggregates' answer written by hand is protojson's with the API's
// options, token for token (field order, names, number formats, strings):
// random rows with every optional set or not, odd strings and odd numbers,
// an enum value the enum does not name; and the API's marshaler decodes it
// back to the same message.
func TestAggregatesJSONIsProtojson(t *testing.T) {
	t.Parallel()
	// appendAggregate writes each field by hand: a field added to the
	// message must be added there (and below) too.
	if n := (&indicatorsv1.Aggregate{}).ProtoReflect().Descriptor().Fields().Len(); n != 16 {
		t.Fatalf("Aggregate has %d fields; appendAggregate and this test know 16", n)
	}
	rng := rand.New(rand.NewPCG(15, 2026))
	floats := []float64{0, 1, -1, 0.1, 12.5, 100, 1e-7, 1.5e-7, 1e21, 1e20, 123456789.123, -0.000001, math.MaxFloat64,
		math.SmallestNonzeroFloat64, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)}
	strs := []string{"", "77", "Муниципальный район «Северный»", `кавычки " и \ обратная`, "строка\nс\tуправляющими\x01\x1f",
		"<b>&amp;</b>", "emoji 🙂", "\u2028\u2029"}
	f := func() float64 {
		if rng.IntN(3) == 0 {
			return floats[rng.IntN(len(floats))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(12)-4))
	}
	opt := func() *float64 {
		if rng.IntN(3) == 0 {
			return nil
		}
		return proto.Float64(f())
	}
	resp := &indicatorsv1.GetAggregatesResponse{}
	for i := range 400 {
		resp.Aggregates = append(resp.Aggregates, &indicatorsv1.Aggregate{
			Level: indicatorsv1.Level(rng.IntN(6)), Unit: strs[rng.IntN(len(strs))], UnitName: strs[rng.IntN(len(strs))],
			Year: int32(rng.IntN(3000)) - 100, IndicatorCode: strs[rng.IntN(len(strs))], Value: opt(),
			Numerator: rng.Int64() - math.MaxInt64/2, Denominator: int64(i) * -7, Contributors: rng.Int32(), Expected: -rng.Int32(),
			Coverage: f(), Target: opt(), Status: indicatorsv1.TargetStatus(rng.IntN(6)), PreviousValue: opt(), Change: opt(),
			Comparable: rng.IntN(2) == 0})
	}
	for _, m := range []*indicatorsv1.GetAggregatesResponse{resp, {}, {Aggregates: []*indicatorsv1.Aggregate{{}}}} {
		want, err := apiMarshalOptions.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		j := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
		got, err := j.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		wt, gt := tokens(t, want), tokens(t, got)
		if len(wt) != len(gt) {
			t.Fatalf("%d tokens, protojson %d:\n%s\n%s", len(gt), len(wt), got, want)
		}
		for i := range wt {
			if wt[i] != gt[i] {
				t.Fatalf("token %d: %#v, protojson %#v", i, gt[i], wt[i])
			}
		}
		back := &indicatorsv1.GetAggregatesResponse{}
		if err := protojson.Unmarshal(got, back); err != nil {
			t.Fatal(err)
		}
		if !proto.Equal(back, m) && m != resp { // NaN is not equal to itself
			t.Errorf("decoded back differs")
		}
	}
	// A string that is not UTF-8 is protojson's error, not JSON of it.
	bad := &indicatorsv1.GetAggregatesResponse{Aggregates: []*indicatorsv1.Aggregate{{UnitName: "\xff"}}}
	if _, err := (jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}).Marshal(bad); err == nil {
		t.Error("invalid UTF-8 marshalled")
	}
}
