package validation

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// CleanName returns a name (of an organisation, a person, a campaign, a
// roadmap item…) as it is stored and shown: in Unicode NFC, without
// invisible characters — zero-width spaces and joiners (U+200B–U+200D,
// U+2060, U+FEFF), direction marks (U+200E, U+200F), control characters —
// and with every run of white space (tabs, line breaks, no-break spaces)
// one space, trimmed. What people paste from documents and spreadsheets
// carries such characters; two names that look the same must be the same.
// Bidirectional embeddings, overrides and isolates are not removed here:
// HasBidiControl finds them, and they are refused (see BidiControl).
func CleanName(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case invisible(r):
			continue
		case unicode.IsSpace(r) || unicode.Is(unicode.Zs, r) || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// CleanText is CleanName for text of several lines (a comment, a measure
// with its sub-points, a reason): NFC, without invisible or control
// characters, but keeping line breaks (\r\n becomes \n) and tabs, and
// white space as written, trimmed at both ends.
func CleanText(s string) string {
	s = norm.NFC.String(strings.ReplaceAll(s, "\r\n", "\n"))
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t':
			return r
		case r == '\r':
			return '\n'
		case invisible(r) || unicode.IsControl(r):
			return -1
		}
		return r
	}, s))
}

// invisible: zero-width characters and direction marks, which change
// nothing a reader sees.
func invisible(r rune) bool {
	switch r {
	case '\u200B', '\u200C', '\u200D', '\u2060', '\uFEFF', '\u200E', '\u200F':
		return true
	}
	return false
}

// HasBidiControl reports a bidirectional embedding, override or isolate
// (U+202A–U+202E, U+2066–U+2069): characters that make text display in an
// order other than the one it is read and compared in — a name or a comment
// could pass for another («Trojan Source»).
func HasBidiControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool {
		return (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069')
	})
}

// Visible returns s with every character that a reader cannot see or that
// changes how the text around it is shown — bidirectional controls, zero-width
// characters and direction marks, control characters other than line breaks
// and tabs — written as its code point, «U+202E»: text echoed back (a
// file's cell in an import's notes, a refused value) then shows what it holds
// and cannot reorder the page around it. Every text parameter of a problem's
// message is shown so (see Problem.Russian).
func Visible(s string) string {
	if !strings.ContainsFunc(s, hidden) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if hidden(r) {
			fmt.Fprintf(&b, "«U+%04X»", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// hidden: a character Visible writes as its code point.
func hidden(r rune) bool {
	return invisible(r) || (r >= '\u202A' && r <= '\u202E') || (r >= '\u2066' && r <= '\u2069') ||
		(unicode.IsControl(r) && r != '\n' && r != '\t')
}

// BidiControl: text holding bidirectional control characters.
func BidiControl() Problem { return New("bidi_control") }
