package grpcserver

import (
	"fmt"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// textProblems adds a violation for every string of a request that holds a
// NUL character: PostgreSQL refuses it in text, so it must be a named
// field's 400, never a 500 from the database. (Invalid UTF-8 cannot arrive:
// proto3 refuses it when the request is decoded.)
func textProblems(m protoreflect.Message, prefix string, out *validation.Error) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := string(fd.Name())
		if prefix != "" {
			path = prefix + "." + path
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				textValue(fd, l.Get(i), fmt.Sprintf("%s[%d]", path, i), out)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				elem := fmt.Sprintf("%s[%q]", path, key)
				if strings.ContainsRune(key, 0) {
					out.Add(elem, validation.New("nul_character"))
				}
				textValue(fd.MapValue(), mv, elem, out)
				return true
			})
		default:
			textValue(fd, v, path, out)
		}
		return true
	})
}

func textValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, out *validation.Error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if strings.ContainsRune(v.String(), 0) {
			out.Add(path, validation.New("nul_character"))
		}
	case protoreflect.MessageKind, protoreflect.GroupKind:
		textProblems(v.Message(), path, out)
	}
}
