// Package web serves the pages people open in a browser, in Russian.
//
// Shape: routes live only in this file; middleware resolves the session once
// into the context, guards roles, checks CSRF on every state-changing form,
// limits bodies and sets the security headers (a strict CSP without
// 'unsafe-inline': every script and style is a file under static/). Handlers
// return errors to one serveError that turns gRPC codes into Russian pages.
// Pages never see proto: a small backend interface per area (backend.go)
// returns view models; grpcbackend.go implements it over the services and
// page tests use a fake. Each page has its own template set (layout, shared
// partials, the page), rendered into a buffer before anything is written.
package web

import (
	"log/slog"
	"net/http"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// Pages renders the web pages.
type Pages struct {
	pages    pageSet
	assets   *assets
	logger   *slog.Logger
	auth     *auth.Authenticator
	accounts registryv1.AccountServiceClient
	curator  CuratorBackend
	roadmap  RoadmapBackend
	// maxForm bounds a form's body.
	maxForm int64
	// now reads the clock (tests move it).
	now clock
}

// Deps are what the pages need from the gateway.
type Deps struct {
	Logger   *slog.Logger
	Auth     *auth.Authenticator
	Accounts registryv1.AccountServiceClient
	Curator  CuratorBackend
	Roadmap  RoadmapBackend
}

// New parses the templates and indexes the static files.
func New(d Deps) (*Pages, error) {
	pages, err := parsePages()
	if err != nil {
		return nil, err
	}
	a, err := newAssets()
	if err != nil {
		return nil, err
	}
	return &Pages{pages: pages, assets: a, logger: d.Logger, auth: d.Auth, accounts: d.Accounts, curator: d.Curator,
		roadmap: d.Roadmap, maxForm: 1 << 20, now: realClock}, nil
}

var (
	anyone   []identity.Role
	curators = []identity.Role{identity.Curator}
)

// Handler returns the pages with their middleware, for the gateway's mux.
func (p *Pages) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /static/", p.assets)
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /login", p.loginForm)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("POST /logout", p.logout)
	mux.Handle("GET /account/password", p.only(anyone, p.passwordForm))
	mux.Handle("POST /account/password", p.only(anyone, p.changePassword))

	mux.Handle("POST /campaigns/{id}/start", p.only(curators, p.startReport))
	mux.Handle("GET /reports/{id}", p.only(curators, p.reportForm))
	mux.Handle("POST /reports/{id}", p.only(curators, p.saveReport))
	mux.Handle("GET /reports/{id}/submit", p.only(curators, p.submitForm))
	mux.Handle("POST /reports/{id}/submit", p.only(curators, p.submitReport))

	mux.Handle("GET /roadmap", p.only(roadmapViewers, p.roadmapHome))
	mux.Handle("GET /roadmap/import", p.only(curators, p.importForm))
	mux.Handle("POST /roadmap/import", p.onlyUpload(curators, importUploadLimit, p.importPreview))
	mux.Handle("POST /roadmap/import/confirm", p.onlyUpload(curators, importConfirmLimit, p.importConfirm))
	mux.Handle("GET /roadmap/{id}", p.only(roadmapViewers, p.roadmapPage))
	mux.Handle("GET /roadmap/{id}/items/new", p.only(curators, p.newItemForm))
	mux.Handle("POST /roadmap/{id}/items/new", p.only(curators, p.createItem))
	mux.Handle("GET /roadmap/{id}/items/{item}", p.only(roadmapViewers, p.itemPage))
	mux.Handle("GET /roadmap/{id}/items/{item}/edit", p.only(curators, p.editItemForm))
	mux.Handle("POST /roadmap/{id}/items/{item}/edit", p.only(curators, p.updateItem))
	mux.Handle("POST /roadmap/{id}/items/{item}/mark", p.only(curators, p.markOccurrence))
	mux.Handle("POST /roadmap/{id}/items/{item}/move", p.only(curators, p.moveItem))
	return p.secure(p.withSession(mux))
}

// Paths are the paths Handler serves, for the gateway's mux.
var Paths = []string{"/{$}", "/static/", "/login", "/logout", "/account/", "/campaigns/", "/reports/", "/roadmap", "/roadmap/"}
