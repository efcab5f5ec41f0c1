// Package web serves the pages people open in a browser. Pages speak Russian;
// each is rendered into a buffer before anything is written, so a template
// error becomes a clean 500 rather than half a page. Every form that changes
// state carries a CSRF token: the session's, or before sign-in a double-submit
// cookie's.
package web

import (
	"bytes"
	"context"
	"crypto/rand"
	"embed"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

//go:embed templates/*.html
var templates embed.FS

// loginCSRFCookie holds the double-submit token of the sign-in form.
const loginCSRFCookie = "nastavnik_login_csrf"

// Pages renders the web pages.
type Pages struct {
	tmpl     *template.Template
	logger   *slog.Logger
	auth     *auth.Authenticator
	accounts registryv1.AccountServiceClient
}

// New parses the templates.
func New(logger *slog.Logger, a *auth.Authenticator, accounts registryv1.AccountServiceClient) (*Pages, error) {
	t, err := template.ParseFS(templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return &Pages{tmpl: t, logger: logger, auth: a, accounts: accounts}, nil
}

// Page is what every page shows in its header.
type Page struct {
	Title string
	// Login of the signed-in person; empty when nobody is signed in.
	Login string
	CSRF  string
}

// IndexPage is the start page.
type IndexPage struct{ Page }

// LoginPage is the sign-in form.
type LoginPage struct {
	Page
	Error     string
	LoginName string
}

// PasswordPage is the change-password form.
type PasswordPage struct {
	Page
	Error string
	Done  bool
}

// Register adds the pages to mux.
func (p *Pages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", p.index)
	mux.HandleFunc("GET /login", p.loginForm)
	mux.HandleFunc("POST /login", p.login)
	mux.HandleFunc("POST /logout", p.logout)
	mux.HandleFunc("GET /account/password", p.passwordForm)
	mux.HandleFunc("POST /account/password", p.changePassword)
}

// session resolves the signed-in person from the cookie; nobody when it is
// missing or no longer valid.
func (p *Pages) session(r *http.Request) (auth.Caller, bool) {
	if _, err := r.Cookie(auth.SessionCookie); err != nil {
		return auth.Caller{}, false
	}
	r.Header.Del("Authorization") // pages use the cookie only
	c, err := p.auth.Resolve(r)
	if err != nil || c.Anonymous {
		return auth.Caller{}, false
	}
	return c, true
}

func (p *Pages) index(w http.ResponseWriter, r *http.Request) {
	page := IndexPage{Page{Title: "Наставник — мониторинг целевой модели наставничества"}}
	if c, ok := p.session(r); ok {
		page.Login, page.CSRF = c.Principal.Login, c.CSRF
	}
	p.render(w, r, http.StatusOK, "index.html", page)
}

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	p.renderLogin(w, r, http.StatusOK, LoginPage{})
}

func (p *Pages) renderLogin(w http.ResponseWriter, r *http.Request, code int, page LoginPage) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.auth.Secure(r), MaxAge: 3600})
	page.Title, page.CSRF = "Вход — Наставник", token
	p.render(w, r, code, "login.html", page)
}

func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !auth.CheckCSRF(c.Value, r.PostFormValue(auth.CSRFField)) {
		p.forbidden(w, r)
		return
	}
	ctx, err := p.auth.SystemContext(r.Context(), r)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	login := r.PostFormValue("login")
	resp, err := p.auth.Auth.SignIn(ctx, &registryv1.SignInRequest{
		Login: login, Password: r.PostFormValue("password"), UserAgent: r.UserAgent()})
	switch status.Code(err) {
	case codes.OK:
	case codes.Unauthenticated, codes.InvalidArgument:
		p.renderLogin(w, r, http.StatusUnauthorized, LoginPage{Error: "Неверный логин или пароль.", LoginName: login})
		return
	case codes.ResourceExhausted:
		p.renderLogin(w, r, http.StatusTooManyRequests, LoginPage{
			Error: "Слишком много неудачных попыток входа. Повторите попытку позже.", LoginName: login})
		return
	default:
		p.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: resp.GetSession(), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.auth.Secure(r), Expires: resp.GetExpireTime().AsTime()})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Path: "/login", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	c, ok := p.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if !auth.CheckCSRF(c.CSRF, r.PostFormValue(auth.CSRFField)) {
		p.forbidden(w, r)
		return
	}
	ctx, err := p.auth.SystemContext(r.Context(), r)
	if err == nil {
		_, err = p.auth.Auth.SignOut(ctx, &registryv1.SignOutRequest{Session: c.Session})
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

func (p *Pages) passwordForm(w http.ResponseWriter, r *http.Request) {
	c, ok := p.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	p.render(w, r, http.StatusOK, "password.html", PasswordPage{Page: Page{Title: "Смена пароля — Наставник",
		Login: c.Principal.Login, CSRF: c.CSRF}})
}

func (p *Pages) changePassword(w http.ResponseWriter, r *http.Request) {
	c, ok := p.session(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if !auth.CheckCSRF(c.CSRF, r.PostFormValue(auth.CSRFField)) {
		p.forbidden(w, r)
		return
	}
	page := PasswordPage{Page: Page{Title: "Смена пароля — Наставник", Login: c.Principal.Login, CSRF: c.CSRF}}
	ctx, err := p.asCaller(r, c)
	if err == nil {
		_, err = p.accounts.ChangePassword(ctx, &registryv1.ChangePasswordRequest{
			CurrentPassword: r.PostFormValue("current"), NewPassword: r.PostFormValue("new")})
	}
	switch status.Code(err) {
	case codes.OK:
		page.Done = true
		p.render(w, r, http.StatusOK, "password.html", page)
	case codes.InvalidArgument:
		page.Error = "Пароль не изменён: текущий пароль неверен, или новый короче 10 символов, слишком простой или содержит логин."
		p.render(w, r, http.StatusBadRequest, "password.html", page)
	default:
		p.fail(w, r, err)
	}
}

// asCaller returns a context that calls the services as the signed-in person.
func (p *Pages) asCaller(r *http.Request, c auth.Caller) (context.Context, error) {
	pr := c.Principal
	pr.RemoteAddr = p.auth.RemoteAddr(r)
	return p.auth.Signer.Outgoing(r.Context(), pr)
}

func (p *Pages) forbidden(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusForbidden, "error.html", ErrorPage{Page: Page{Title: "Доступ запрещён"},
		Message: "Форма устарела или отправлена не со страницы Наставника. Обновите страницу и повторите."})
}

func (p *Pages) fail(w http.ResponseWriter, r *http.Request, err error) {
	p.logger.ErrorContext(r.Context(), "page", "path", r.URL.Path, "error", err.Error())
	p.render(w, r, http.StatusInternalServerError, "error.html", ErrorPage{Page: Page{Title: "Ошибка"},
		Message: "Что-то пошло не так. Повторите попытку позже."})
}

// ErrorPage explains a failure.
type ErrorPage struct {
	Page
	Message string
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		p.logger.ErrorContext(r.Context(), "render page", "page", name, "error", err.Error())
		http.Error(w, "Внутренняя ошибка", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
