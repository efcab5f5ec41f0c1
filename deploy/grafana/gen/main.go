// Command gen writes nastavnik's Grafana dashboard to grafana/nastavnik.json
// (run in deploy/: go run ./grafana/gen).
package main

import (
	"fmt"
	"os"

	"github.com/nastavnik/nastavnik/deploy/grafana"
)

func main() {
	b, err := grafana.JSON()
	if err == nil {
		err = os.WriteFile("grafana/nastavnik.json", b, 0o644)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
