package main

import (
	"strings"
	"testing"

	"github.com/nastavnik/nastavnik/gateway/internal/web"
)

// TestEveryPageRouteHasAShot: every page a GET of web.Routes serves is saved
// by some shot (or named in notShot with why not), and every shot names a
// route that is served: a new page is in the screenshots the day it is added.
func TestEveryPageRouteHasAShot(t *testing.T) {
	routes := map[string]bool{}
	for _, r := range web.Routes() {
		if strings.HasPrefix(r, "GET ") {
			routes[r] = true
		}
	}
	shot := map[string]bool{}
	for _, a := range accounts {
		for _, s := range a.shots {
			if !routes[s.route] {
				t.Errorf("shot %s: route %q is not a GET route of web.Routes", s.name, s.route)
			}
			if (s.path == "") == (s.find == "") {
				t.Errorf("shot %s: want a path or a link to find, not both", s.name)
			}
			shot[s.route] = true
		}
	}
	for r := range routes {
		if _, why := notShot[r]; !shot[r] && !why {
			t.Errorf("%s: no shot saves this page (add one to accounts, or say in notShot why not)", r)
		}
	}
	for r := range notShot {
		if !routes[r] {
			t.Errorf("notShot names %s, which web.Routes does not serve", r)
		}
	}
}
