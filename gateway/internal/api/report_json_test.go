package api

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/timestamppb"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// The hand-written encoder of a report without values writes what protojson
// writes: on thousands of reports whose every field (found from the
// descriptor, so a field added to Report or Violation is generated too) takes
// random values — texts with quotes, backslashes, control characters, Cyrillic,
// U+FFFD, U+2028 and bad UTF-8, timestamps with 0, 3, 6 and 9 fractional
// digits and out of range, enum numbers without a name, maps and lists empty
// and not — the two answers are the same bytes but for the optional spaces
// protojson adds at random per build, and where protojson refuses a report
// the encoder hands it to protojson.
func TestReportJSONIsProtojsons(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(15, 2026))
	m := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
	var fast, refused int
	for i := range 5000 {
		r := &indicatorsv1.Report{}
		fill(rng, r.ProtoReflect(), 0)
		r.Values = nil
		want, werr := m.JSONPb.Marshal(r)
		got, ok := appendReport(nil, r)
		if !ok {
			refused++
			if werr == nil {
				t.Fatalf("report %d: the encoder refused what protojson writes: %s", i, want)
			}
			continue
		}
		if werr != nil {
			t.Fatalf("report %d: protojson refuses (%v) what the encoder wrote: %s", i, werr, got)
		}
		fast++
		if !bytes.Equal(compact(t, got), compact(t, want)) {
			t.Fatalf("report %d:\n got %s\nwant %s", i, got, want)
		}
		if !json.Valid(got) {
			t.Fatalf("report %d: not JSON: %s", i, got)
		}
		// Marshal takes the same path and answers the same.
		viaMarshal, err := m.Marshal(r)
		if err != nil || !bytes.Equal(viaMarshal, got) {
			t.Fatalf("report %d: Marshal answered %s, %v; want %s", i, viaMarshal, err, got)
		}
	}
	t.Logf("%d reports written by the encoder, %d refused", fast, refused)
	if fast < 4000 || refused == 0 {
		t.Errorf("%d reports written by the encoder, %d refused: want most written and some refused", fast, refused)
	}
}

// Reports with values, and other messages, are protojson's.
func TestMarshalLeavesTheRestToProtojson(t *testing.T) {
	t.Parallel()
	m := jsonBody{&runtime.JSONPb{MarshalOptions: apiMarshalOptions}}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, msg := range []any{
		func() *indicatorsv1.Report {
			r := &indicatorsv1.Report{}
			fill(rng, r.ProtoReflect(), 0)
			r.Values = map[string]*indicatorsv1.Value{"teachers": {Kind: &indicatorsv1.Value_Count{Count: 3}}}
			return r
		}(),
		&indicatorsv1.SaveReportResponse{Report: &indicatorsv1.Report{Id: "x"}},
		(*indicatorsv1.Report)(nil),
		map[string]string{"a": "b"},
	} {
		want, werr := m.JSONPb.Marshal(msg)
		got, err := m.Marshal(msg)
		if !bytes.Equal(got, want) || (err == nil) != (werr == nil) {
			t.Errorf("%T: got %s, %v; want %s, %v", msg, got, err, want, werr)
		}
	}
}

func compact(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Compact(&out, b); err != nil {
		t.Fatalf("%v: %s", err, b)
	}
	return out.Bytes()
}

var texts = []string{"", "a", "Школа № 5 «Солнышко»", `quote " and \ backslash`, "tab\tnew\nline\r",
	"\x00\x01\x08\x0c\x1f\x7f", "\ufffd replacement", "line\u2028sep\u2029", "<html>&amp;", "emoji 😀", "2026-12-15", "Europe/Moscow", strings.Repeat("длинный текст ", 20)}

// badTexts are not UTF-8: protojson refuses them.
var badTexts = []string{"bad \xff utf8", "\xc3"}

func text(rng *rand.Rand) string {
	if rng.IntN(300) == 0 {
		return badTexts[rng.IntN(len(badTexts))]
	}
	return texts[rng.IntN(len(texts))]
}

// fill sets every field of m to random values, as the descriptor declares
// them.
func fill(rng *rand.Rand, m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if rng.IntN(4) == 0 {
			continue // unset: the default
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range rng.IntN(4) {
				k := protoreflect.ValueOfString(text(rng)).MapKey()
				if fd.MapValue().Kind() == protoreflect.MessageKind {
					v := mp.NewValue()
					fill(rng, v.Message(), depth+1)
					mp.Set(k, v)
				} else {
					mp.Set(k, scalar(rng, fd.MapValue()))
				}
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range rng.IntN(4) {
				if fd.Kind() == protoreflect.MessageKind {
					v := l.NewElement()
					fill(rng, v.Message(), depth+1)
					l.Append(v)
				} else {
					l.Append(scalar(rng, fd))
				}
			}
		case fd.Kind() == protoreflect.MessageKind && fd.Message().FullName() == "google.protobuf.Timestamp":
			m.Set(fd, protoreflect.ValueOfMessage(timestamp(rng).ProtoReflect()))
		case fd.Kind() == protoreflect.MessageKind:
			if depth < 3 {
				fill(rng, m.Mutable(fd).Message(), depth+1)
			}
		default:
			m.Set(fd, scalar(rng, fd))
		}
	}
}

func scalar(rng *rand.Rand, fd protoreflect.FieldDescriptor) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(text(rng))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(rng.IntN(2) == 0)
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32([]int32{0, 1, -1, 7, math.MaxInt32, math.MinInt32}[rng.IntN(6)])
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64([]int64{0, 1, -1, 1 << 40, math.MaxInt64, math.MinInt64}[rng.IntN(6)])
	case protoreflect.EnumKind:
		vals := fd.Enum().Values()
		if rng.IntN(5) == 0 {
			return protoreflect.ValueOfEnum(protoreflect.EnumNumber(vals.Len() + 40)) // no name
		}
		return protoreflect.ValueOfEnum(vals.Get(rng.IntN(vals.Len())).Number())
	}
	panic("fill: a field of kind " + fd.Kind().String() + ": teach the generator (and appendReport) about it")
}

func timestamp(rng *rand.Rand) *timestamppb.Timestamp {
	secs := []int64{0, 1_765_000_000, -62135596800, 253402300799, -1, 1_000_000_000}[rng.IntN(6)]
	nanos := []int32{0, 1, 120_000_000, 123_000, 999_999_999, 500_000_000, 123_456_789}[rng.IntN(7)]
	switch rng.IntN(200) {
	case 0:
		secs = 253402300800 // after 9999
	case 1:
		nanos = -1
	case 2:
		nanos = 1_000_000_000
	}
	return &timestamppb.Timestamp{Seconds: secs, Nanos: nanos}
}

// The buffer reportSize sizes holds the answer of a report whose texts need
// no escaping, so appendReport grows it never.
func TestReportSizeHoldsTheAnswer(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 2000 {
		r := &indicatorsv1.Report{}
		fill(rng, r.ProtoReflect(), 0)
		r.Values = nil
		buf := make([]byte, 0, reportSize(r))
		got, ok := appendReport(buf, r)
		if ok && plainReport(got) && cap(got) != cap(buf) {
			t.Fatalf("report %d: %d bytes written into a buffer of %d", i, len(got), cap(buf))
		}
	}
	got, _ := appendReport(make([]byte, 0, reportSize(basicAnswer)), basicAnswer)
	if cap(got) != reportSize(basicAnswer) {
		t.Errorf("the peak's answer: %d bytes outgrew its buffer of %d", len(got), reportSize(basicAnswer))
	}
}

// plainReport: the answer has no escapes (escaping lengthens a text).
func plainReport(b []byte) bool { return !bytes.Contains(b, []byte(`\`)) }
