// Command screenshots signs in as each demo account of `make run` and saves
// every page at 1280 and 360 pixels wide, for people to look at.
//
//	go run ./gateway/cmd/screenshots -base http://127.0.0.1:8080 -out screenshots
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/nastavnik/nastavnik/gateway/internal/browser"
)

// shot is one page: who sees it and how to reach it.
type shot struct {
	name string
	// path is opened directly ({report} stands for the report page found
	// before); or find follows the first link matching it on the page.
	path, find string
}

type account struct {
	login, password string
	shots           []shot
}

var accounts = []account{
	{"", "", []shot{{name: "login", path: "/login"}}},
	{"curator", "School-150-mentor", []shot{
		{name: "curator-home", path: "/"},
		{name: "curator-report", find: `a[href^="/reports/"]`},
		{name: "curator-submit", path: "{report}/submit"},
		{name: "curator-report-upload", path: "{report}/upload"},
		{name: "curator-report-history", path: "{report}/history"},
		{name: "curator-roadmap", path: "/roadmap"},
		{name: "curator-roadmap-item", find: `main td a[href*="/items/"]`},
		{name: "curator-roadmap-import", path: "/roadmap/import"},
		{name: "account-password", path: "/account/password"},
		{name: "account-tokens", path: "/account/tokens"},
	}},
	{"methodologist", "Kimc-Krsk-2026", []shot{
		{name: "methodologist-dashboard", path: "/"},
		{name: "methodologist-signoff", find: `#signoff-link`},
		{name: "methodologist-organisations", path: "/organisations"},
		{name: "methodologist-review", find: `a[href^="/review/"]`},
		{name: "methodologist-overdue", path: "/overdue"},
	}},
	{"regional", "Krai-24-centre", []shot{
		{name: "regional-dashboard", path: "/"},
		{name: "regional-municipality", find: `#completeness-table a[href^="/region/municipalities/"]`},
		{name: "regional-targets", path: "/region/targets"},
	}},
	{"operator", "Platform-ops-2026", []shot{
		{name: "operator-country", path: "/country"},
		{name: "operator-region", find: `#completeness-table a[href^="/region/"]`},
		{name: "operator-outbox", path: "/operator/outbox"},
	}},
}

func main() {
	base := flag.String("base", "http://127.0.0.1:8080", "where make run serves")
	out := flag.String("out", "screenshots", "directory for the PNG files")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *base, *out); err != nil {
		fmt.Fprintln(os.Stderr, "screenshots:", err)
		os.Exit(1)
	}
}

var reportPath = regexp.MustCompile(`^/reports/[0-9a-f-]+`)

func run(ctx context.Context, base, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	for _, a := range accounts {
		b, err := browser.Start(ctx, base)
		if err != nil {
			return err
		}
		err = shoot(b, a, out)
		b.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func shoot(b *browser.Browser, a account, out string) error {
	if a.login != "" {
		if err := b.SignIn(a.login, a.password); err != nil {
			return err
		}
	}
	report := "" // the path of the report page once found
	for _, s := range a.shots {
		path := strings.ReplaceAll(s.path, "{report}", report)
		if s.find != "" {
			href, err := b.EvalString(`(document.querySelector(` + "`" + s.find + "`" + `) || {}).getAttribute?.("href") || ""`)
			if err != nil {
				return err
			}
			if href == "" {
				return fmt.Errorf("%s: no %s on the page", s.name, s.find)
			}
			path = href
		}
		if err := b.Open(path); err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		if m := reportPath.FindString(path); m != "" {
			report = m
		}
		for _, w := range []int64{1280, 360} {
			png, err := b.Screenshot(w)
			if err != nil {
				return fmt.Errorf("%s at %d: %w", s.name, w, err)
			}
			name := filepath.Join(out, fmt.Sprintf("%s-%d.png", s.name, w))
			if err := os.WriteFile(name, png, 0o644); err != nil {
				return err
			}
			fmt.Println(name)
		}
	}
	return nil
}
