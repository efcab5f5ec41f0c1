package validation

import (
	"strings"
	"testing"
)

func TestCleanName(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "МБОУ СОШ № 1", "МБОУ СОШ № 1"},
		{"white space runs", "  МБОУ\tСОШ\n\n№\u00a01  ", "МБОУ СОШ № 1"},
		{"other spaces", "Школа\u2003№\u202f5", "Школа № 5"},
		{"zero-width", "Шко\u200bла\u200c №\u200d\u2060 7\ufeff", "Школа № 7"},
		{"direction marks", "\u200eШкола\u200f", "Школа"},
		{"control characters", "Школа\u0007 №\u0085 8\u007f", "Школа № 8"},
		{"NFC", "Гимназия «Краи\u0306»", "Гимназия «Край»"},
		{"empty", " \u200b\t", ""},
		{"bidi controls stay for HasBidiControl", "a\u202eb", "a\u202eb"},
	}
	for _, tc := range tests {
		if got := CleanName(tc.in); got != tc.want {
			t.Errorf("%s: CleanName(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestHasBidiControl(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"\u202a", "x\u202by", "\u202c", "\u202d", "Школа\u202e1 №", "\u2066", "\u2067", "\u2068", "\u2069"} {
		if !HasBidiControl(s) {
			t.Errorf("HasBidiControl(%q) = false", s)
		}
	}
	for _, s := range []string{"", "Школа № 1", "\u200e\u200f", "\u2065", "\u202f", "שלום"} {
		if HasBidiControl(s) {
			t.Errorf("HasBidiControl(%q) = true", s)
		}
	}
}

func TestCleanText(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"lines kept", "1. Первое\r\n– второе\n\tтретье", "1. Первое\n– второе\n\tтретье"},
		{"invisible and control characters", "Ком\u200bмента\u0007рий\ufeff", "Комментарий"},
		{"NFC and trimmed", "  Краи\u0306  ", "Край"},
	}
	for _, tc := range tests {
		if got := CleanText(tc.in); got != tc.want {
			t.Errorf("%s: CleanText(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestVisible(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, want string }{
		{"plain", "Провести совет\nв\tшколе", "Провести совет\nв\tшколе"},
		{"bidi override", "Приказ \u202eдп.1", "Приказ «U+202E»дп.1"},
		{"isolates and embeddings", "\u2066a\u2069\u202ab", "«U+2066»a«U+2069»«U+202A»b"},
		{"zero-width and marks", "a\u200bb\u200ec\ufeff", "a«U+200B»b«U+200E»c«U+FEFF»"},
		{"controls", "a\u0000b\u0007c\rd", "a«U+0000»b«U+0007»c«U+000D»d"},
		{"right-to-left text itself stays", "שלום", "שלום"},
	}
	for _, tc := range tests {
		if got := Visible(tc.in); got != tc.want {
			t.Errorf("%s: Visible(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}

// TestMessagesShowHiddenCharacters: a text echoed in a message (a file's row
// in an import's notes) shows a bidirectional override as its code point, in
// both languages and in lists, so it cannot reorder the page it is shown on.
func TestMessagesShowHiddenCharacters(t *testing.T) {
	t.Parallel()
	p := New("import_before_stage").With("text", "Цель: \u202eевонв")
	for lang, got := range map[string]string{"Russian": p.Russian(), "English": p.English()} {
		if HasBidiControl(got) || !strings.Contains(got, "Цель: «U+202E»евонв") {
			t.Errorf("%s: %q, want the override shown as «U+202E»", lang, got)
		}
	}
	l := New("import_scan_noise").With("cells", []string{"a\u202eb", "c"})
	if got := l.Russian(); HasBidiControl(got) || !strings.Contains(got, "a«U+202E»b") {
		t.Errorf("list: %q, want the override shown as «U+202E»", got)
	}
}
