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

// shot is one page: the route it shows (a pattern of web.Routes), who sees
// it and how to reach it.
type shot struct {
	name, route string
	// path is opened directly ({report}, {review}, {campaign}, {roadmap},
	// {registry} stand for the page of that kind opened last); or find
	// follows the first link matching it on the page shown.
	path, find string
}

type account struct {
	login, password string
	shots           []shot
}

var accounts = []account{
	{"", "", []shot{
		{name: "login", route: "GET /login", path: "/login"},
		{name: "unsubscribe-without-token", route: "GET /unsubscribe", path: "/unsubscribe"},
	}},
	{"curator", "School-150-mentor", []shot{
		{name: "curator-home", route: "GET /{$}", path: "/"},
		{name: "curator-report", route: "GET /reports/{id}", find: `a[href^="/reports/"]`},
		{name: "curator-submit", route: "GET /reports/{id}/submit", path: "{report}/submit"},
		{name: "curator-report-upload", route: "GET /reports/{id}/upload", path: "{report}/upload"},
		{name: "curator-report-history", route: "GET /reports/{id}/history", path: "{report}/history"},
		{name: "curator-roadmap", route: "GET /roadmap", path: "/roadmap"},
		{name: "curator-roadmap-item", route: "GET /roadmap/{id}/items/{item}", find: `main td a[href*="/items/"]`},
		{name: "curator-roadmap-item-edit", route: "GET /roadmap/{id}/items/{item}/edit", find: `main a[href$="/edit"]`},
		{name: "curator-roadmap-page", route: "GET /roadmap/{id}", path: "{roadmap}"},
		{name: "curator-roadmap-item-new", route: "GET /roadmap/{id}/items/new", find: `main a[href*="/items/new"]`},
		{name: "curator-roadmap-import", route: "GET /roadmap/import", path: "/roadmap/import"},
		{name: "notifications", route: "GET /notifications", path: "/notifications"},
		{name: "account-notifications", route: "GET /account/notifications", path: "/account/notifications"},
		{name: "account-password", route: "GET /account/password", path: "/account/password"},
		{name: "account-tokens", route: "GET /account/tokens", path: "/account/tokens"},
	}},
	{"methodologist", "Kimc-Krsk-2026", []shot{
		{name: "methodologist-dashboard", route: "GET /{$}", path: "/"},
		{name: "methodologist-signoff", route: "GET /campaigns/{id}/signoff", find: `#signoff-link`},
		{name: "methodologist-campaign-organisations", route: "GET /campaigns/{id}/organisations", path: "{campaign}/organisations"},
		{name: "methodologist-campaign-accept", route: "GET /campaigns/{id}/accept", path: "{campaign}/accept"},
		{name: "methodologist-organisations", route: "GET /organisations", path: "/organisations"},
		{name: "methodologist-review", route: "GET /review/{id}", find: `a[href^="/review/"]`},
		{name: "methodologist-review-history", route: "GET /review/{id}/history", path: "{review}/history"},
		{name: "methodologist-overdue", route: "GET /overdue", path: "/overdue"},
		{name: "methodologist-campaigns", route: "GET /campaigns", path: "/campaigns"},
		{name: "methodologist-campaign", route: "GET /campaigns/{id}", find: `main a[href^="/campaigns/"]:not([href="/campaigns/new"])`},
		{name: "methodologist-campaign-extend", route: "GET /campaigns/{id}/extend/{org}", find: `main a[href*="/extend/"]`},
		{name: "methodologist-campaign-new", route: "GET /campaigns/new", path: "/campaigns/new"},
		{name: "methodologist-registry", route: "GET /registry", path: "/registry"},
		{name: "methodologist-registry-org", route: "GET /registry/{id}",
			find: `main a[href^="/registry/"]:not([href="/registry/new"]):not([href="/registry/import"])`},
		{name: "methodologist-registry-close", route: "GET /registry/{id}/close", path: "{registry}/close"},
		{name: "methodologist-registry-new", route: "GET /registry/new", path: "/registry/new"},
		{name: "methodologist-registry-import", route: "GET /registry/import", path: "/registry/import"},
		{name: "methodologist-accounts", route: "GET /accounts", path: "/accounts"},
		{name: "methodologist-account-password", route: "GET /accounts/{id}/password", find: `main a[href^="/accounts/"][href$="/password"]`},
		{name: "methodologist-account-new", route: "GET /accounts/new", path: "/accounts/new"},
		{name: "methodologist-audit", route: "GET /audit", path: "/audit"},
		{name: "methodologist-roadmap", route: "GET /roadmap", path: "/roadmap"},
	}},
	{"regional", "Krai-24-centre", []shot{
		{name: "regional-dashboard", route: "GET /{$}", path: "/"},
		{name: "regional-municipality", route: "GET /region/municipalities/{id}", find: `#completeness-table a[href^="/region/municipalities/"]`},
		{name: "regional-report", route: "GET /region/reports/{id}", find: `main a[href^="/region/reports/"]`},
		{name: "regional-targets", route: "GET /region/targets", path: "/region/targets"},
	}},
	{"operator", "Platform-ops-2026", []shot{
		{name: "operator-country", route: "GET /country", path: "/country"},
		{name: "operator-region", route: "GET /region/{code}", find: `#completeness-table a[href^="/region/"]`},
		{name: "operator-outbox", route: "GET /operator/outbox", path: "/operator/outbox"},
	}},
}

// notShot are the GET routes of web.Routes that are not pages to look at.
var notShot = map[string]string{
	"GET /static/":               "the pages' assets",
	"GET /reports/{id}/xlsx":     "a workbook to download",
	"GET /export/dashboard.xlsx": "a workbook to download",
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

// opened finds, in a path opened, the page of each kind that later paths
// name ({report} and so on).
var opened = map[string]*regexp.Regexp{
	"{report}":   regexp.MustCompile(`^/reports/[0-9a-f-]{36}`),
	"{review}":   regexp.MustCompile(`^/review/[0-9a-f-]{36}`),
	"{campaign}": regexp.MustCompile(`^/campaigns/[0-9a-f-]{36}`),
	"{roadmap}":  regexp.MustCompile(`^/roadmap/[0-9a-f-]{36}`),
	"{registry}": regexp.MustCompile(`^/registry/[0-9a-f-]{36}`),
}

func run(ctx context.Context, base, out string) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	var skipped []string
	for _, a := range accounts {
		b, err := browser.Start(ctx, base)
		if err != nil {
			return err
		}
		s, err := shoot(b, a, out)
		b.Close()
		if err != nil {
			return err
		}
		skipped = append(skipped, s...)
	}
	if len(skipped) > 0 {
		return fmt.Errorf("not shot (the demo data lack the link): %s", strings.Join(skipped, "; "))
	}
	return nil
}

// shoot saves a's pages; a page whose link is not on the page before is
// skipped and named in the answer, and the others are still saved.
func shoot(b *browser.Browser, a account, out string) (skipped []string, err error) {
	if a.login != "" {
		if err := b.SignIn(a.login, a.password); err != nil {
			return nil, err
		}
	}
	seen := map[string]string{} // the last page of each kind opened
	for _, s := range a.shots {
		path := s.path
		for k, v := range seen {
			path = strings.ReplaceAll(path, k, v)
		}
		if s.find != "" {
			href, err := b.EvalString(`(document.querySelector(` + "`" + s.find + "`" + `) || {}).getAttribute?.("href") || ""`)
			if err != nil {
				return nil, err
			}
			if href == "" {
				skipped = append(skipped, fmt.Sprintf("%s: no %s on the page", s.name, s.find))
				continue
			}
			path = href
		}
		if strings.Contains(path, "{") {
			skipped = append(skipped, fmt.Sprintf("%s: no page opened before for %s", s.name, path))
			continue
		}
		if err := b.Open(path); err != nil {
			return nil, fmt.Errorf("%s: %w", s.name, err)
		}
		for k, re := range opened {
			if m := re.FindString(path); m != "" {
				seen[k] = m
			}
		}
		for _, w := range []int64{1280, 360} {
			png, err := b.Screenshot(w)
			if err != nil {
				return nil, fmt.Errorf("%s at %d: %w", s.name, w, err)
			}
			name := filepath.Join(out, fmt.Sprintf("%s-%d.png", s.name, w))
			if err := os.WriteFile(name, png, 0o644); err != nil {
				return nil, err
			}
			fmt.Println(name)
		}
	}
	return skipped, nil
}
