package grpcserver_test

import (
	"fmt"
	"regexp/syntax"
	"sort"
	"strings"
	"testing"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	_ "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
	_ "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	_ "github.com/nastavnik/nastavnik/proto/gen/nastavnik/roadmap/v1"
)

// TestEveryRequestIsBounded walks every request message of every service,
// and the messages inside them, and fails on a field protovalidate lets grow
// without bound: a string without max_len (or len, uuid or in), bytes
// without max_len, a repeated field without max_items, a map without
// max_pairs, a page_size without lte. A new field must say its limit.
func TestEveryRequestIsBounded(t *testing.T) {
	t.Parallel()
	var problems []string
	seen := map[protoreflect.FullName]bool{}
	services := 0
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "nastavnik.") {
			return true
		}
		for i := 0; i < fd.Services().Len(); i++ {
			services++
			methods := fd.Services().Get(i).Methods()
			for j := 0; j < methods.Len(); j++ {
				problems = append(problems, unbounded(methods.Get(j).Input(), seen)...)
			}
		}
		return true
	})
	if services < 12 {
		t.Fatalf("walked %d services, want all of them (12)", services)
	}
	sort.Strings(problems)
	for _, p := range problems {
		t.Error(p)
	}
}

// unbounded lists the fields of md (and the messages in it) without a limit.
func unbounded(md protoreflect.MessageDescriptor, seen map[protoreflect.FullName]bool) []string {
	if seen[md.FullName()] || strings.HasPrefix(string(md.FullName()), "google.protobuf.") {
		return nil
	}
	seen[md.FullName()] = true
	var out []string
	for i := 0; i < md.Fields().Len(); i++ {
		fd := md.Fields().Get(i)
		rules, _ := proto.GetExtension(fd.Options(), validate.E_Field).(*validate.FieldRules)
		name := fmt.Sprintf("%s.%s", md.FullName(), fd.Name())
		switch {
		case fd.IsMap():
			if !rules.GetMap().HasMaxPairs() {
				out = append(out, name+": a map without map.max_pairs")
			}
			if fd.MapKey().Kind() == protoreflect.StringKind && !stringBounded(rules.GetMap().GetKeys()) {
				out = append(out, name+": map keys without string.max_len")
			}
			out = append(out, scalar(name+" values", fd.MapValue(), rules.GetMap().GetValues())...)
			if m := fd.MapValue().Message(); m != nil {
				out = append(out, unbounded(m, seen)...)
			}
			continue
		case fd.IsList():
			if !rules.GetRepeated().HasMaxItems() {
				out = append(out, name+": a repeated field without repeated.max_items")
			}
			out = append(out, scalar(name+" items", fd, rules.GetRepeated().GetItems())...)
		default:
			out = append(out, scalar(name, fd, rules)...)
		}
		if fd.Name() == "page_size" && !rules.GetInt32().HasLte() && !rules.GetInt32().HasLt() {
			out = append(out, name+": a page size without int32.lte")
		}
		if m := fd.Message(); m != nil {
			out = append(out, unbounded(m, seen)...)
		}
	}
	return out
}

func scalar(name string, fd protoreflect.FieldDescriptor, rules *validate.FieldRules) []string {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if !stringBounded(rules) {
			return []string{name + ": a string without string.max_len"}
		}
	case protoreflect.BytesKind:
		if !rules.GetBytes().HasMaxLen() && !rules.GetBytes().HasLen() {
			return []string{name + ": bytes without bytes.max_len"}
		}
	}
	return nil
}

func stringBounded(rules *validate.FieldRules) bool {
	s := rules.GetString()
	return s.HasMaxLen() || s.HasLen() || s.HasMaxBytes() || s.HasLenBytes() || s.GetUuid() || len(s.GetIn()) > 0 || s.HasConst() ||
		(s.HasPattern() && patternBounded(s.GetPattern()))
}

// patternBounded: a pattern anchored at both ends with no unbounded
// repetition (^[0-9]{4}-[0-9]{2}-[0-9]{2}$) matches only short text.
func patternBounded(pattern string) bool {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		return false
	}
	re = re.Simplify()
	if re.Op != syntax.OpConcat || len(re.Sub) < 2 || re.Sub[0].Op != syntax.OpBeginText || re.Sub[len(re.Sub)-1].Op != syntax.OpEndText {
		return false
	}
	var bounded func(*syntax.Regexp) bool
	bounded = func(r *syntax.Regexp) bool {
		if r.Op == syntax.OpStar || r.Op == syntax.OpPlus || (r.Op == syntax.OpRepeat && r.Max < 0) {
			return false
		}
		for _, sub := range r.Sub {
			if !bounded(sub) {
				return false
			}
		}
		return true
	}
	return bounded(re)
}
