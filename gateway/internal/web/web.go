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
	"github.com/nastavnik/nastavnik/gateway/internal/httpmetrics"
	"github.com/nastavnik/nastavnik/platform/identity"
)

// Pages renders the web pages.
type Pages struct {
	pages   pageSet
	assets  *assets
	logger  *slog.Logger
	auth    *auth.Authenticator
	account AccountBackend
	curator CuratorBackend
	roadmap RoadmapBackend
	scopes  ScopeNamer
	excel   ExcelBackend
	// methodologist serves the methodologist's dashboard and review.
	methodologist MethodologistBackend
	// regional serves the regional centre's pages.
	regional RegionalBackend
	// registry serves the methodologist's registry, accounts, audit and
	// campaign pages.
	registry RegistryBackend
	// notices serves the notifications page and the header's count.
	notices NoticesBackend
	// signoff serves the municipal sign-off.
	signoff SignOffBackend
	// cascade hands municipal roadmap items down to the schools.
	cascade CascadeBackend
	// outbox is the services' e-mail outboxes, for the operator.
	outbox OutboxBackend
	// maxForm bounds a form's body, maxUpload an uploaded file's.
	maxForm, maxUpload int64
	// now reads the clock (tests move it).
	now clock
}

// Deps are what the pages need from the gateway.
type Deps struct {
	Logger  *slog.Logger
	Auth    *auth.Authenticator
	Account AccountBackend
	Curator CuratorBackend
	Roadmap RoadmapBackend
	Scopes  ScopeNamer
	// Excel checks the values of an uploaded file; when nil, Curator's
	// (the gRPC backend implements both).
	Excel ExcelBackend
	// Methodologist serves the methodologist's pages; when nil, Curator must
	// implement it.
	Methodologist MethodologistBackend
	// Regional serves the regional centre's pages; when nil, Curator's.
	Regional RegionalBackend
	// Registry serves the methodologist's administration pages; when nil,
	// Curator must implement it.
	Registry RegistryBackend
	// Notices serves the notifications; when nil, Curator's if it does.
	Notices NoticesBackend
	// SignOff serves the municipal sign-off; when nil, Curator's.
	SignOff SignOffBackend
	// Cascade hands roadmap items down; when nil, Roadmap's.
	Cascade CascadeBackend
	// Outbox is the services' e-mail outboxes, for the operator; nil for
	// none (the page is then not found).
	Outbox OutboxBackend
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
	excel := d.Excel
	if excel == nil {
		excel, _ = d.Curator.(ExcelBackend) // the gRPC backend checks reports too
	}
	meth := d.Methodologist
	if meth == nil {
		meth, _ = d.Curator.(MethodologistBackend) // the gRPC backend serves both
	}
	regional := d.Regional
	if regional == nil {
		regional, _ = d.Curator.(RegionalBackend)
	}
	reg := d.Registry
	if reg == nil {
		reg, _ = d.Curator.(RegistryBackend) // the gRPC backend serves these too
	}
	notices := d.Notices
	if notices == nil {
		notices, _ = d.Curator.(NoticesBackend)
	}
	signoff := d.SignOff
	if signoff == nil {
		signoff, _ = d.Curator.(SignOffBackend)
	}
	cascade := d.Cascade
	if cascade == nil {
		cascade, _ = d.Roadmap.(CascadeBackend)
	}
	return &Pages{outbox: d.Outbox, notices: notices, cascade: cascade, signoff: signoff, regional: regional, registry: reg, pages: pages, assets: a, logger: d.Logger, auth: d.Auth, account: d.Account, curator: d.Curator, roadmap: d.Roadmap,
		scopes: d.Scopes, excel: excel, methodologist: meth, maxForm: 1 << 20, maxUpload: maxUpload, now: realClock}, nil
}

var (
	anyone   []identity.Role
	curators = []identity.Role{identity.Curator}
)

// Handler returns the pages with their middleware, for the gateway's mux.
func (p *Pages) Handler() http.Handler {
	return p.secure(p.withSession(p.textOnly(httpmetrics.Mux(p.routes().ServeMux))))
}

// Routes lists the patterns ("METHOD /path/{param}") the pages serve, in the
// order they are registered: the access matrix, the CSRF and the fuzz tests
// derive their rows from it, so a new page without a row fails them.
func Routes() []string {
	return (&Pages{}).routes().patterns
}

// router is the pages' mux; it keeps the patterns registered on it.
type router struct {
	*http.ServeMux
	patterns []string
}

// Handle registers h for pattern.
func (r *router) Handle(pattern string, h http.Handler) {
	r.patterns = append(r.patterns, pattern)
	r.ServeMux.Handle(pattern, h)
}

// HandleFunc registers h for pattern.
func (r *router) HandleFunc(pattern string, h func(http.ResponseWriter, *http.Request)) {
	r.Handle(pattern, http.HandlerFunc(h))
}

// routes registers every page; routes live only here (and in adminRoutes).
func (p *Pages) routes() *router {
	mux := &router{ServeMux: http.NewServeMux()}
	mux.Handle("GET /static/", p.assets)
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("GET /login", p.loginForm)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("POST /logout", p.logout)
	mux.Handle("GET /account/password", p.only(anyone, p.passwordForm))
	mux.Handle("POST /account/password", p.only(anyone, p.changePassword))
	mux.Handle("POST /account/scope", p.only(anyone, p.switchScope))
	mux.Handle("GET /notifications", p.only(anyone, p.noticesPage))
	mux.Handle("POST /notifications/read", p.only(anyone, p.markNoticesRead))
	mux.Handle("GET /account/notifications", p.only(anyone, p.digestsForm))
	mux.Handle("POST /account/notifications", p.only(anyone, p.setDigests))
	mux.HandleFunc("GET /unsubscribe", p.unsubscribeForm)
	mux.HandleFunc("POST /unsubscribe", p.unsubscribe)
	mux.Handle("GET /account/tokens", p.only(anyone, p.tokens))
	mux.Handle("POST /account/tokens", p.only(anyone, p.createToken))
	mux.Handle("POST /account/tokens/{id}/revoke", p.only(anyone, p.revokeToken))

	mux.Handle("POST /campaigns/{id}/start", p.only(curators, p.startReport))
	mux.Handle("GET /reports/{id}", p.only(curators, p.reportForm))
	mux.Handle("POST /reports/{id}", p.only(curators, p.saveReport))
	mux.Handle("GET /reports/{id}/submit", p.only(curators, p.submitForm))
	mux.Handle("POST /reports/{id}/submit", p.only(curators, p.submitReport))
	mux.Handle("GET /reports/{id}/history", p.only(curators, p.reportHistory))
	mux.Handle("GET /reports/{id}/xlsx", p.only(curators, p.downloadReport))
	mux.Handle("GET /reports/{id}/upload", p.only(curators, p.uploadForm))
	mux.Handle("POST /reports/{id}/upload", p.onlyUpload(curators, uploadLimit(p.maxUpload), p.uploadReport))
	mux.Handle("POST /reports/{id}/upload/confirm", p.only(curators, p.confirmUpload))

	mux.Handle("GET /roadmap", p.only(roadmapViewers, p.roadmapHome))
	mux.Handle("GET /roadmap/import", p.only(roadmapEditors, p.importForm))
	mux.Handle("POST /roadmap/import", p.onlyUpload(roadmapEditors, uploadLimit(maxImportFile), p.importPreview))
	mux.Handle("POST /roadmap/import/confirm", p.onlyUpload(roadmapEditors, confirmLimit(maxImportFile), p.importConfirm))
	mux.Handle("GET /roadmap/{id}", p.only(roadmapViewers, p.roadmapPage))
	mux.Handle("GET /roadmap/{id}/items/new", p.only(roadmapEditors, p.newItemForm))
	mux.Handle("POST /roadmap/{id}/items/new", p.only(roadmapEditors, p.createItem))
	mux.Handle("GET /roadmap/{id}/items/{item}", p.only(roadmapViewers, p.itemPage))
	mux.Handle("GET /roadmap/{id}/items/{item}/edit", p.only(roadmapEditors, p.editItemForm))
	mux.Handle("POST /roadmap/{id}/items/{item}/edit", p.only(roadmapEditors, p.updateItem))
	mux.Handle("POST /roadmap/{id}/items/{item}/mark", p.only(roadmapEditors, p.markOccurrence))
	mux.Handle("POST /roadmap/{id}/items/{item}/move", p.only(roadmapEditors, p.moveItem))
	mux.Handle("POST /roadmap/{id}/items/{item}/cascade", p.only(methodologists, p.cascadeItem))
	mux.Handle("GET /organisations", p.only(methodologists, p.currentOrganisations))
	mux.Handle("GET /campaigns/{id}/organisations", p.only(methodologists, p.campaignOrganisations))
	mux.Handle("GET /campaigns/{id}/accept", p.only(methodologists, p.bulkAcceptForm))
	mux.Handle("POST /campaigns/{id}/accept", p.only(methodologists, p.bulkAccept))
	mux.Handle("GET /overdue", p.only(methodologists, p.municipalOverdue))
	mux.Handle("GET /review/{id}", p.only(methodologists, p.review))
	mux.Handle("POST /review/{id}/return", p.only(methodologists, p.returnReport))
	mux.Handle("POST /review/{id}/accept", p.only(methodologists, p.acceptReport))
	mux.Handle("POST /review/{id}/reopen", p.only(methodologists, p.reopenReport))
	mux.Handle("GET /review/{id}/history", p.only(methodologists, p.reviewHistory))
	mux.Handle("GET /region/{code}", p.only(regionals, p.regionByCode))
	mux.Handle("GET /region/municipalities/{id}", p.only(regionals, p.regionalMunicipality))
	mux.Handle("GET /region/reports/{id}", p.only(regionals, p.regionalReport))
	mux.Handle("GET /campaigns/{id}/signoff", p.only(methodologists, p.signOffPage))
	mux.Handle("POST /campaigns/{id}/signoff", p.only(methodologists, p.signOff))
	mux.Handle("POST /region/municipalities/{id}/sendback", p.only(regionals, p.sendBack))
	mux.Handle("GET /country", p.only(operators, p.countryPage))
	mux.Handle("GET /region/targets", p.only(regionals, p.regionalTargets))
	mux.Handle("POST /region/targets", p.only(regionals, p.setRegionalTarget))
	mux.Handle("GET /export/dashboard.xlsx", p.only(exporters, p.exportDashboard))
	mux.Handle("GET /operator/outbox", p.only(operators, p.outboxPage))
	mux.Handle("POST /operator/outbox/{source}/messages/{id}/retry", p.only(operators, p.retryOutbox))
	mux.Handle("POST /operator/outbox/{source}/messages/{id}/resolve", p.only(operators, p.resolveOutbox))
	p.adminRoutes(mux)
	return mux
}

// Paths are the paths Handler serves, for the gateway's mux.
var Paths = []string{"/{$}", "/static/", "/login", "/logout", "/account/", "/unsubscribe", "/notifications", "/notifications/", "/campaigns/", "/reports/", "/roadmap", "/roadmap/",
	"/organisations", "/overdue", "/review/", "/region/", "/country", "/export/", "/campaigns", "/registry", "/registry/", "/accounts", "/accounts/", "/audit", "/operator/"}
