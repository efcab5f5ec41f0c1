package web

import (
	"io/fs"
	"regexp"
	"testing"
)

// dateThenStop is a date action followed by a full stop: the date already
// ends with «г.», which also ends the sentence («… 2026 г. Новый…»).
var dateThenStop = regexp.MustCompile(`\{\{-?\s*date [^}]*\}\}\.`)

// TestNoFullStopAfterDate: no template writes «15 декабря 2026 г..».
func TestNoFullStopAfterDate(t *testing.T) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("templates: %v %v", names, err)
	}
	for _, name := range names {
		b, err := fs.ReadFile(templateFS, name)
		if err != nil {
			t.Fatal(err)
		}
		if m := dateThenStop.Find(b); m != nil {
			t.Errorf("%s: %s — «г.» already ends the sentence", name, m)
		}
	}
}
