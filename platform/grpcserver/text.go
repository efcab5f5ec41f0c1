package grpcserver

import (
	"strconv"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// nameFields are the request fields, by name in any message, that hold a
// name people read and compare (of a region, municipality, organisation,
// person, campaign, form, roadmap or item…): they are cleaned
// (validation.CleanName) before anything else sees the request.
var nameFields = map[protoreflect.Name]bool{
	"name": true, "full_name": true, "short_name": true, "title": true, "label": true, "address": true,
}

// textFields hold text of several lines people write for others to read
// (comments, reasons, a measure with its sub-points): cleaned with
// validation.CleanText, which keeps their lines.
var textFields = map[protoreflect.Name]bool{
	"comment": true, "reason": true, "measure": true, "task": true, "result": true, "goal": true,
	"responsible": true, "result_form": true, "deadline_text": true, "help": true, "message": true,
}

// textProblems checks and cleans every string of a request. A NUL character
// is a violation — PostgreSQL refuses it in text, so it must be a named
// field's 400, never a 500 from the database — and so are bidirectional
// controls, which make text display as other text. Names (nameFields) are
// cleaned in place. (Invalid UTF-8 cannot arrive: proto3 refuses it when
// the request is decoded.) Texts (textFields) likewise.
func textProblems(m protoreflect.Message, prefix string, out *validation.Error) {
	type set struct {
		fd protoreflect.FieldDescriptor
		v  string
	}
	var cleaned []set
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		path := string(fd.Name())
		if prefix != "" {
			path = prefix + "." + path
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				textValue(fd, l.Get(i), path+"["+strconv.Itoa(i)+"]", out)
			}
		case fd.IsMap():
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				key := k.String()
				elem := path + "[" + strconv.Quote(key) + "]" // %q, without fmt on every entry of every request
				textString(key, elem, out)
				textValue(fd.MapValue(), mv, elem, out)
				return true
			})
		default:
			textValue(fd, v, path, out)
			if fd.Kind() != protoreflect.StringKind {
				break
			}
			clean := v.String()
			switch {
			case nameFields[fd.Name()]:
				clean = validation.CleanName(clean)
			case textFields[fd.Name()]:
				clean = validation.CleanText(clean)
			}
			if clean != v.String() {
				cleaned = append(cleaned, set{fd, clean})
			}
		}
		return true
	})
	for _, s := range cleaned {
		m.Set(s.fd, protoreflect.ValueOfString(s.v))
	}
}

func textValue(fd protoreflect.FieldDescriptor, v protoreflect.Value, path string, out *validation.Error) {
	switch fd.Kind() {
	case protoreflect.StringKind:
		textString(v.String(), path, out)
	case protoreflect.MessageKind, protoreflect.GroupKind:
		textProblems(v.Message(), path, out)
	}
}

func textString(s, path string, out *validation.Error) {
	switch {
	case strings.ContainsRune(s, 0):
		out.Add(path, validation.New("nul_character"))
	case validation.HasBidiControl(s):
		out.Add(path, validation.BidiControl())
	}
}
