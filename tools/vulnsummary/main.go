// Command vulnsummary reads govulncheck's JSON (-format json) on standard
// input and sums it up: one line per vulnerability the code reaches or a
// module it requires holds. It exits 1 when a module the platform requires
// is affected — upgrade it — and prints, without failing, what only a newer
// Go toolchain fixes (the standard library), naming that version.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"golang.org/x/mod/semver"
)

type message struct {
	Config *struct {
		GoVersion string `json:"go_version"`
		DB        string `json:"db"`
	} `json:"config"`
	OSV *struct {
		ID      string `json:"id"`
		Summary string `json:"summary"`
	} `json:"osv"`
	Finding *struct {
		OSV          string `json:"osv"`
		FixedVersion string `json:"fixed_version"`
		Trace        []struct {
			Module   string `json:"module"`
			Version  string `json:"version"`
			Package  string `json:"package"`
			Function string `json:"function"`
		} `json:"trace"`
	} `json:"finding"`
}

type finding struct {
	id, module, version, fixed, level string
}

func main() {
	if err := run(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "vulnsummary:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer) error {
	dec := json.NewDecoder(in)
	summaries := map[string]string{}
	found := map[string]finding{} // id+module → the deepest level reached
	goVersion := ""
	rank := map[string]int{"module": 0, "package": 1, "symbol": 2}
	for {
		var m message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return fmt.Errorf("read govulncheck output: %w", err)
		}
		switch {
		case m.Config != nil:
			goVersion = m.Config.GoVersion
		case m.OSV != nil:
			summaries[m.OSV.ID] = m.OSV.Summary
		case m.Finding != nil && len(m.Finding.Trace) > 0:
			tr := m.Finding.Trace[0]
			level := "module"
			switch {
			case tr.Function != "":
				level = "symbol"
			case tr.Package != "":
				level = "package"
			}
			key := m.Finding.OSV + " " + tr.Module
			if f, ok := found[key]; !ok || rank[level] > rank[f.level] {
				found[key] = finding{id: m.Finding.OSV, module: tr.Module, version: tr.Version, fixed: m.Finding.FixedVersion, level: level}
			}
		}
	}
	keys := make([]string, 0, len(found))
	for k := range found {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var modules, stdlib int
	newestFix := ""
	for _, k := range keys {
		f := found[k]
		reach := map[string]string{"symbol": "called", "package": "imported", "module": "required"}[f.level]
		if f.module == "stdlib" {
			if f.level != "symbol" {
				continue // the standard library is always required: only what the code calls counts
			}
			stdlib++
			if semver.Compare(f.fixed, newestFix) > 0 {
				newestFix = f.fixed
			}
			fmt.Fprintf(out, "  toolchain  %s  %s, fixed in go%s: %s\n", f.id, goVersion, strings.TrimPrefix(f.fixed, "v"), summaries[f.id])
			continue
		}
		modules++
		fmt.Fprintf(out, "  module     %s  %s@%s (%s), fixed in %s: %s\n", f.id, f.module, f.version, reach, f.fixed, summaries[f.id])
	}
	fmt.Fprintf(out, "govulncheck: %d in required modules, %d in the standard library of %s that the code calls\n", modules, stdlib, goVersion)
	if stdlib > 0 {
		fmt.Fprintf(out, "  the standard library's are fixed by a newer Go (go%s or later): not by this repository's modules\n", strings.TrimPrefix(newestFix, "v"))
	}
	if modules > 0 {
		return fmt.Errorf("%d vulnerabilities in required modules: upgrade them", modules)
	}
	return nil
}
