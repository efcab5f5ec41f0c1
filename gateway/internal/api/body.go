package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/nastavnik/nastavnik/platform/validation"
	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

// jsonBody is the API's JSON marshaler: protojson, with request bodies read
// strictly and their problems named. A body is one JSON object (a UTF-8
// byte order mark before it is dropped; anything after it is refused); a
// syntax error names its line, column and offset; a value of the wrong type,
// an unknown or repeated field, or a second member of a oneof names the
// field by its JSON path (values[young_teachers].yesNo), as the details of
// every other 400 do.
type jsonBody struct{ *runtime.JSONPb }

// NewDecoder reads a request body. The generated handlers turn its error
// into InvalidArgument with the error's text; the field violations travel
// in the request's body (see bodySlot) to the error handler.
func (j jsonBody) NewDecoder(r io.Reader) runtime.Decoder {
	return runtime.DecoderFunc(func(v any) error {
		data, err := io.ReadAll(r)
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return j.refuse(r, "body", validation.New("body_too_large").With("max", mbe.Limit))
			}
			return err
		}
		data = bytes.TrimPrefix(data, []byte("\ufeff"))
		if len(bytes.TrimSpace(data)) == 0 {
			return io.EOF // no body: the request's fields keep their defaults
		}
		// A body that protojson reads (from its first token, as JSONPb
		// hands it the value) is one that checkSyntax and JSONPb.Unmarshal
		// accept, read the same way: protojson is the stricter (it refuses
		// trailing data, anything but an object, bad UTF-8 in a string).
		// Only a body it refuses pays for the two scans that explain why
		// (TestDecoderAsStrictAsBefore).
		trimmed := bytes.TrimLeft(data, " \t\r\n")
		// A save's body in its usual shape is read by hand, as protojson
		// reads it (decodeSaveReport); anything else by protojson.
		if m, ok := v.(*indicatorsv1.SaveReportRequest); ok && j.UnmarshalOptions == (protojson.UnmarshalOptions{}) && decodeSaveReport(trimmed, m) {
			return nil
		}
		if m, ok := v.(proto.Message); ok && j.UnmarshalOptions.Unmarshal(trimmed, m) == nil {
			return nil
		}
		return j.decodeChecked(r, data, v)
	})
}

// decodeChecked reads a non-empty body into v: a syntax error, or a value
// protojson refuses, is a violation naming its field.
func (j jsonBody) decodeChecked(r io.Reader, data []byte, v any) error {
	if p, ok := checkSyntax(data); !ok {
		return j.refuse(r, "body", p)
	}
	err := j.JSONPb.Unmarshal(data, v)
	if err == nil {
		return nil
	}
	root := descriptorOf(v)
	if slot, ok := r.(*bodySlot); ok {
		slot.root = root
	}
	field, p := explain(data, err, root)
	return j.refuse(r, field, p)
}

// refuse records the violation where the error handler finds it and returns
// it as an error whose text names the field.
func (j jsonBody) refuse(r io.Reader, field string, p validation.Problem) error {
	ve := &validation.Error{}
	ve.Add(field, p)
	if slot, ok := r.(*bodySlot); ok {
		slot.problem = ve
	}
	return fmt.Errorf("%s: %s", field, p.English())
}

// bodySlot is a request's body, carrying the field violations its decoder
// found to the error handler, which sees the same request.
type bodySlot struct {
	io.ReadCloser
	problem *validation.Error
	root    protoreflect.MessageDescriptor // what the body decoded into
}

// withBodySlot gives every request a body that can carry its decoder's
// violations.
func withBodySlot(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = &bodySlot{ReadCloser: r.Body}
		}
		next.ServeHTTP(w, r)
	})
}

// bodyProblem is the violation a request's body decoder recorded, if any,
// its field named from the request message as the services name theirs: a
// route whose body is one field of the request (POST /v1/regions, body
// region) names region.code, not code.
func bodyProblem(ctx context.Context, r *http.Request) *validation.Error {
	if r == nil {
		return nil
	}
	slot, ok := r.Body.(*bodySlot)
	if !ok || slot.problem == nil {
		return nil
	}
	prefix := bodyField(ctx, slot.root)
	if prefix == "" {
		return slot.problem
	}
	out := &validation.Error{}
	for _, v := range slot.problem.Violations {
		if v.Field != "body" {
			v.Field = prefix + "." + v.Field
		}
		out.Violations = append(out.Violations, v)
	}
	return out
}

// bodyField is the JSON name of the field of the called method's request
// that the body decoded into, or "" when the body is the request.
func bodyField(ctx context.Context, body protoreflect.MessageDescriptor) string {
	method, ok := runtime.RPCMethod(ctx)
	if !ok || body == nil {
		return ""
	}
	service, name, ok := strings.Cut(strings.TrimPrefix(method, "/"), "/")
	if !ok {
		return ""
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		return ""
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok || sd.Methods().ByName(protoreflect.Name(name)) == nil {
		return ""
	}
	in := sd.Methods().ByName(protoreflect.Name(name)).Input()
	if in.FullName() == body.FullName() {
		return ""
	}
	for i := 0; i < in.Fields().Len(); i++ {
		if fd := in.Fields().Get(i); fd.Message() != nil && fd.Message().FullName() == body.FullName() && !fd.IsList() && !fd.IsMap() {
			return fd.JSONName()
		}
	}
	return ""
}

// checkSyntax accepts one JSON object and nothing after it.
func checkSyntax(data []byte) (validation.Problem, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var se *json.SyntaxError
		switch {
		case errors.As(err, &se):
			return syntaxProblem(data, int(se.Offset), se.Error()), false
		case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
			return validation.New("json_end").With("offset", len(data)), false
		}
		return syntaxProblem(data, int(dec.InputOffset()), err.Error()), false
	}
	if raw[0] != '{' {
		return validation.New("json_object"), false
	}
	off := int(dec.InputOffset())
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		rest := data[off:]
		off += len(rest) - len(bytes.TrimLeft(rest, " \t\r\n"))
		return validation.New("json_trailing").With("offset", off), false
	}
	return validation.Problem{}, true
}

func syntaxProblem(data []byte, offset int, detail string) validation.Problem {
	if offset > 0 {
		offset-- // encoding/json counts the offending byte as read
	}
	line, column := position(data, offset)
	return validation.New("json_syntax").With("line", line).With("column", column).
		With("offset", offset).With("detail", detail)
}

// position is the line and column (in characters, from 1) of a byte offset.
func position(data []byte, offset int) (int, int) {
	offset = min(max(offset, 0), len(data))
	before := data[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	if i := bytes.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, utf8.RuneCount(before) + 1
}

// offsetOf is the byte offset of a line and column as protojson counts them
// (from 1, the column in characters).
func offsetOf(data []byte, line, column int) int {
	off := 0
	for ; line > 1; line-- {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return len(data)
		}
		off += i + 1
	}
	for ; column > 1 && off < len(data); column-- {
		_, size := utf8.DecodeRune(data[off:])
		off += size
	}
	return off
}

// protojson's errors: "proto: (line 1:10): invalid value for string field
// login: 1", "unknown field \"foo\"", "duplicate field \"login\"",
// "error parsing \"yesNo\", oneof nastavnik.indicators.v1.Value.kind is
// already set".
var (
	reProtoPos    = regexp.MustCompile(`^proto:(?: syntax error)? \(line (\d+):(\d+)\): (.*)$`)
	reInvalidType = regexp.MustCompile(`^invalid value for (\w+) field \w+: (.*)$`)
	reUnknown     = regexp.MustCompile(`^unknown field "?([^"]*)"?$`)
	reDuplicate   = regexp.MustCompile(`^duplicate field "?([^"]*)"?$`)
	reOneof       = regexp.MustCompile(`^error parsing "?([^",]*)"?, oneof ([\w.]+) is already set$`)
)

// explain turns a protojson error into the JSON path of the field it
// concerns and the problem.
func explain(data []byte, err error, root protoreflect.MessageDescriptor) (string, validation.Problem) {
	// protojson writes the space after "proto:" at random as U+00A0.
	m := reProtoPos.FindStringSubmatch(strings.ReplaceAll(err.Error(), "\u00a0", " "))
	if m == nil {
		return "body", validation.New("json_value").With("detail", err.Error())
	}
	line, _ := strconv.Atoi(m[1])
	column, _ := strconv.Atoi(m[2])
	offset := offsetOf(data, line, column)
	field := pathAt(data, offset, root)
	if field == "" {
		field = "body"
	}
	detail := m[3]
	switch {
	case reInvalidType.MatchString(detail):
		s := reInvalidType.FindStringSubmatch(detail)
		return field, validation.New("json_type").With("type", typeWords(s[1])).With("value", clip(s[2])).With("line", line).With("column", column)
	case reUnknown.MatchString(detail):
		return field, validation.New("json_unknown").With("line", line).With("column", column)
	case reDuplicate.MatchString(detail):
		return field, validation.New("json_duplicate").With("line", line).With("column", column)
	case reOneof.MatchString(detail):
		s := reOneof.FindStringSubmatch(detail)
		return field, validation.New("json_oneof").With("members", oneofMembers(root, s[2])).With("line", line).With("column", column)
	}
	return field, validation.New("json_value").With("detail", detail).With("line", line).With("column", column)
}

// typeWords names a protojson kind for people.
func typeWords(kind string) validation.Words {
	switch kind {
	case "string", "bytes":
		return validation.Words{English: kind, Russian: "текст в кавычках"}
	case "bool":
		return validation.Words{English: kind, Russian: "true или false"}
	case "enum":
		return validation.Words{English: kind, Russian: "значение из списка"}
	case "message":
		return validation.Words{English: "object", Russian: "объект"}
	case "float", "double":
		return validation.Words{English: kind, Russian: "число"}
	}
	return validation.Words{English: kind, Russian: "целое число"}
}

func clip(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		return string([]rune(s)[:40]) + "…"
	}
	return s
}

// oneofMembers lists the JSON names of the fields of the oneof named full
// (nastavnik.indicators.v1.Value.kind), found among the messages reachable
// from root.
func oneofMembers(root protoreflect.MessageDescriptor, full string) []string {
	seen := map[protoreflect.FullName]bool{}
	var find func(md protoreflect.MessageDescriptor) protoreflect.OneofDescriptor
	find = func(md protoreflect.MessageDescriptor) protoreflect.OneofDescriptor {
		if md == nil || seen[md.FullName()] {
			return nil
		}
		seen[md.FullName()] = true
		for i := 0; i < md.Oneofs().Len(); i++ {
			if od := md.Oneofs().Get(i); string(od.FullName()) == full {
				return od
			}
		}
		for i := 0; i < md.Fields().Len(); i++ {
			if od := find(md.Fields().Get(i).Message()); od != nil {
				return od
			}
		}
		return nil
	}
	od := find(root)
	if od == nil {
		return []string{full}
	}
	out := make([]string, od.Fields().Len())
	for i := range out {
		out[i] = od.Fields().Get(i).JSONName()
	}
	return out
}

// descriptorOf is the message a body decodes into: the request, or the
// field of it named by the route's body (a **Account, say).
func descriptorOf(v any) protoreflect.MessageDescriptor {
	if m, ok := v.(proto.Message); ok {
		return m.ProtoReflect().Descriptor()
	}
	rv := reflect.ValueOf(v)
	for rv.Kind() == reflect.Pointer {
		if m, ok := reflect.New(rv.Type().Elem()).Elem().Interface().(proto.Message); ok {
			return m.ProtoReflect().Descriptor()
		}
		if rv.IsNil() {
			return nil
		}
		rv = rv.Elem()
	}
	return nil
}

// pathAt is the JSON path of the member whose key or value starts at
// offset: message fields by their JSON names, map keys and list indexes in
// brackets (values[young_teachers].yesNo, sections[0].code).
func pathAt(data []byte, offset int, root protoreflect.MessageDescriptor) string {
	type frame struct {
		object    bool
		expectKey bool
		key       string
		index     int
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		_, isString := tok.(string)
		isKey := top != nil && top.object && top.expectKey && isString
		switch {
		case isKey:
			top.key, top.expectKey = tok.(string), false
		case top != nil && !top.object && tok != json.Delim(']'):
			top.index++
		}
		if int(dec.InputOffset()) > offset {
			break
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, expectKey: true})
		case json.Delim('['):
			stack = append(stack, &frame{index: -1})
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].expectKey = true
			}
		default:
			if !isKey && top != nil && top.object {
				top.expectKey = true
			}
		}
	}
	// Name the path as the API does, following the message descriptors.
	var b strings.Builder
	md := root
	var mapValue bool // the next key is a map key
	for _, f := range stack {
		if !f.object {
			fmt.Fprintf(&b, "[%d]", f.index)
			continue
		}
		if f.key == "" && f.expectKey {
			break
		}
		if mapValue {
			fmt.Fprintf(&b, "[%s]", f.key)
			mapValue = false
			continue
		}
		name := f.key
		var fd protoreflect.FieldDescriptor
		if md != nil {
			if fd = md.Fields().ByJSONName(name); fd == nil {
				fd = md.Fields().ByTextName(name)
			}
		}
		if fd != nil {
			name = fd.JSONName()
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name)
		md = nil
		if fd != nil {
			if fd.IsMap() {
				mapValue = true
				md = fd.MapValue().Message()
			} else {
				md = fd.Message()
			}
		}
	}
	return b.String()
}
