package store

import (
	"regexp"
	"strings"
	"testing"
)

// fromU is a read of the common table expression u.
var fromU = regexp.MustCompile(`FROM u\b`)

// The guarded writes (reportWritesCurrent) write a history row and outdate
// the municipality's sign-off only with the report: each of their three
// writes is tied to u, the report's update, and the locked ones are not.
func TestWritesCurrentActOnlyWithTheReport(t *testing.T) {
	for i, sql := range reportWritesCurrent {
		e := sql[strings.Index(sql, "e AS ("):strings.Index(sql, "o AS (")]
		o := sql[strings.Index(sql, "o AS ("):strings.Index(sql, "so AS (")]
		if !fromU.MatchString(e) {
			t.Errorf("statement %d: its history insert does not read u:\n%s", i, e)
		}
		if !strings.Contains(o, "EXISTS (SELECT FROM u)") {
			t.Errorf("statement %d: its sign-off update does not read u:\n%s", i, o)
		}
		if n, locked := len(fromU.FindAllString(sql, -1)), len(fromU.FindAllString(reportWrites[i], -1)); n != 3 || locked != 1 {
			t.Errorf("statement %d reads u %d times, want 3 (history, sign-off, answer); the locked one %d, want 1", i, n, locked)
		}
	}
}
