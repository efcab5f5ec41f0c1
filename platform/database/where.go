package database

import (
	"fmt"
	"strings"
)

// Where accumulates the conditions of a query with their arguments as $n
// placeholders, for the filtered lists every store has.
type Where struct {
	Conds []string
	Args  []any
}

// Add appends a condition; every "?" in cond becomes the next placeholder for
// the matching argument.
func (w *Where) Add(cond string, args ...any) {
	for _, a := range args {
		w.Args = append(w.Args, a)
		cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(w.Args)), 1)
	}
	w.Conds = append(w.Conds, cond)
}

// SQL is the WHERE clause, empty without conditions.
func (w *Where) SQL() string {
	if len(w.Conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(w.Conds, " AND ")
}

// LikeEscape escapes the metacharacters of a LIKE pattern.
func LikeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
