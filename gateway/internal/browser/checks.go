package browser

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

// axeFile is where `npm install` in tools/axe puts axe-core.
const axeFile = "tools/axe/node_modules/axe-core/axe.min.js"

// AxeSource reads axe-core: from AXE_JS, or tools/axe found above the
// working directory (the package directory in `go test`).
func AxeSource() (string, error) {
	if p := os.Getenv("AXE_JS"); p != "" {
		b, err := os.ReadFile(p)
		return string(b), err
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := dir; d != filepath.Dir(d); d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, axeFile)); err == nil {
			return string(b), nil
		}
	}
	return "", errors.New(axeFile + " not found: run `npm install` in tools/axe (scripts/test.sh does)")
}

// AxeViolation is one rule axe-core finds broken, with the elements.
type AxeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// Axe runs axe-core in the current page and returns the violations of the
// given impacts (e.g. "serious", "critical").
func (b *Browser) Axe(source string, impacts ...string) ([]AxeViolation, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](source+";true")); err != nil {
		return nil, fmt.Errorf("inject axe-core: %w", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {resultTypes: ["violations"]}).then(r =>
		JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
			targets: v.nodes.map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
	if err != nil {
		return nil, fmt.Errorf("run axe-core: %w", err)
	}
	var all []AxeViolation
	if err := json.Unmarshal([]byte(out), &all); err != nil {
		return nil, err
	}
	var kept []AxeViolation
	for _, v := range all {
		for _, want := range impacts {
			if v.Impact == want {
				kept = append(kept, v)
			}
		}
	}
	return kept, nil
}

// Weight is the bytes a first load of the current page transfers: the
// document and every resource it loaded (compressed size as sent).
func (b *Browser) Weight() (int64, error) {
	ctx, cancel := context.WithTimeout(b.ctx, 30*time.Second)
	defer cancel()
	return chromedp.Run(ctx, chromedp.Evaluate[int64](`(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		let n = nav ? (nav.encodedBodySize || nav.transferSize) : 0;
		for (const r of performance.getEntriesByType("resource")) n += (r.encodedBodySize || r.transferSize);
		return n;
	})()`))
}
