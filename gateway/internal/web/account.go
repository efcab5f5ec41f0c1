package web

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/platform/identity"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
)

// loginCSRFCookie holds the double-submit token of the sign-in form.
const loginCSRFCookie = "nastavnik_login_csrf"

type clock func() time.Time

func realClock() time.Time { return time.Now() }

var roleTitles = map[identity.Role]string{
	identity.Operator: "оператор", identity.Regional: "региональный центр",
	identity.Methodologist: "методист", identity.Curator: "куратор",
}

// base is the part every page shares: the person, navigation and CSRF token.
func (p *Pages) base(r *http.Request, title, section string) Base {
	b := Base{Title: title, Section: section, Asset: p.assets.url}
	c, ok := signedIn(r)
	if !ok {
		return b
	}
	b.CSRF = c.CSRF
	b.Person = &Person{Login: c.Principal.Login, Scope: p.scopeText(r.Context(), c.Principal),
		Nav: []NavItem{{Section: "home", Title: "Главная", Href: "/"}}}
	if c.Principal.Is(identity.Methodologist) {
		b.Person.Nav = append(b.Person.Nav, methodologistNav...)
	}
	if s, _ := sessionOf(r); len(s.all) > 1 {
		full := s.Principal
		for _, bd := range s.all {
			one := full
			one.Bindings = []identity.Binding{bd}
			b.Person.Scopes = append(b.Person.Scopes, ScopeChoice{Key: bindingKey(bd),
				Text: p.scopeText(r.Context(), one), Current: s.current == bindingKey(bd)})
		}
		b.Person.Scopes = append(b.Person.Scopes, ScopeChoice{Text: "все роли сразу", Current: s.current == ""})
	}
	if c.Principal.IsOperator() {
		b.Person.Nav = append(b.Person.Nav, NavItem{Section: "country", Title: "Страна", Href: "/country"},
			NavItem{Section: "outbox", Title: "Доставка писем", Href: "/operator/outbox"})
	}
	if c.Principal.Is(identity.Regional) {
		b.Person.Nav = append(b.Person.Nav, NavItem{Section: "targets", Title: "Целевые значения", Href: "/region/targets"})
	}
	if c.Principal.Is(identity.Curator) || c.Principal.Is(identity.Methodologist) {
		b.Person.Nav = append(b.Person.Nav, NavItem{Section: "roadmap", Title: "Дорожная карта", Href: "/roadmap"})
	}
	b.Person.Nav = append(b.Person.Nav, NavItem{Section: "tokens", Title: "Ключи API", Href: "/account/tokens"})
	b.Person.Unread = p.unreadNotices(r)
	return b
}

// baseMeanwhile starts building the page's header (its reads: the unread
// notifications, the scope's name) while the page reads its own data; the
// function it returns waits for it and gives it the page's title.
func (p *Pages) baseMeanwhile(r *http.Request, section string) func(title string) Base {
	ch := make(chan Base, 1)
	go func() { ch <- p.base(r, "", section) }()
	return func(title string) Base {
		b := <-ch
		b.Title = title
		return b
	}
}

// ScopeChoice is one role binding a person can switch to.
type ScopeChoice struct {
	// Key is the binding's key; empty: all bindings at once.
	Key, Text string
	Current   bool
}

// switchScope remembers the role binding the person chose.
func (p *Pages) switchScope(w http.ResponseWriter, r *http.Request) error {
	key := r.PostFormValue("scope")
	s, _ := sessionOf(r)
	known := key == ""
	for _, bd := range s.all {
		known = known || bindingKey(bd) == key
	}
	if !known {
		return status.Error(codes.InvalidArgument, "no such binding")
	}
	http.SetCookie(w, &http.Cookie{Name: scopeCookie, Value: key, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: p.auth.Secure(r), MaxAge: 30 * 24 * 3600})
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// StartPage is the start page of people without pages of their own yet, and
// of visitors.
type StartPage struct {
	Base
	// Operator: the operator's pages are listed.
	Operator bool
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	c, ok := signedIn(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	if c.Principal.Is(identity.Curator) {
		if err := p.curatorHome(w, r); err != nil {
			p.serveError(w, r, err)
		}
		return
	}
	if regionalRegion(r) != "" && methodologistMunicipality(r) == "" {
		if err := p.regionalHome(w, r); err != nil {
			p.serveError(w, r, err)
		}
		return
	}
	if methodologistMunicipality(r) != "" {
		if err := p.methodologistHome(w, r); err != nil {
			p.serveError(w, r, err)
		}
		return
	}
	p.render(w, r, http.StatusOK, "start.html", StartPage{Base: p.base(r, "Наставник", "home"), Operator: c.Principal.IsOperator()})
}

// LoginPage is the sign-in form.
type LoginPage struct {
	Base
	Error     string
	LoginName string
	Next      string
}

func (p *Pages) loginForm(w http.ResponseWriter, r *http.Request) {
	p.renderLogin(w, r, http.StatusOK, LoginPage{Next: localPath(r.URL.Query().Get("next"))})
}

// localPath keeps a return address on this site.
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") {
		return "/"
	}
	return s
}

func (p *Pages) renderLogin(w http.ResponseWriter, r *http.Request, code int, page LoginPage) {
	token := randomToken()
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Value: token, Path: "/login", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.auth.Secure(r), MaxAge: 3600})
	page.Base = p.base(r, "Вход", "")
	page.Person, page.CSRF = nil, token
	p.render(w, r, code, "login.html", page)
}

func (p *Pages) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, p.maxForm)
	c, err := r.Cookie(loginCSRFCookie)
	if err != nil || !auth.CheckCSRF(c.Value, r.PostFormValue(auth.CSRFField)) {
		p.forbidden(w, r)
		return
	}
	if !textForm(r) {
		p.notText(w, r)
		return
	}
	ctx, err := p.auth.SystemContext(r.Context(), r)
	if err != nil {
		p.serveError(w, r, err)
		return
	}
	login, next := r.PostFormValue("login"), localPath(r.PostFormValue("next"))
	resp, err := p.auth.Auth.SignIn(ctx, &registryv1.SignInRequest{
		Login: login, Password: r.PostFormValue("password"), UserAgent: r.UserAgent()})
	switch status.Code(err) {
	case codes.OK:
	case codes.Unauthenticated, codes.InvalidArgument:
		p.renderLogin(w, r, http.StatusUnauthorized, LoginPage{Error: "Неверный логин или пароль.", LoginName: login, Next: next})
		return
	case codes.ResourceExhausted:
		p.renderLogin(w, r, http.StatusTooManyRequests, LoginPage{
			Error: "Слишком много неудачных попыток входа. Повторите попытку позже.", LoginName: login, Next: next})
		return
	default:
		p.serveError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Value: resp.GetSession(), Path: "/", HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Secure: p.auth.Secure(r), Expires: resp.GetExpireTime().AsTime()})
	http.SetCookie(w, &http.Cookie{Name: loginCSRFCookie, Path: "/login", MaxAge: -1})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (p *Pages) logout(w http.ResponseWriter, r *http.Request) {
	c, ok := signedIn(r)
	if !ok {
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, p.maxForm)
	if !auth.CheckCSRF(c.CSRF, r.PostFormValue(auth.CSRFField)) {
		p.forbidden(w, r)
		return
	}
	ctx, err := p.auth.SystemContext(r.Context(), r)
	if err == nil {
		_, err = p.auth.Auth.SignOut(ctx, &registryv1.SignOutRequest{Session: c.Session})
	}
	if err != nil {
		p.serveError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: auth.SessionCookie, Path: "/", MaxAge: -1, HttpOnly: true})
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// PasswordPage is the change-password form.
type PasswordPage struct {
	Base
	Errors []SummaryItem
	Done   bool
}

// FieldError is the message of a field, for the template.
func (p PasswordPage) FieldError(anchor string) string {
	for _, e := range p.Errors {
		if e.Href == "#"+anchor {
			return e.Message
		}
	}
	return ""
}

// SummaryItem is one line of an error summary, linking to its field.
type SummaryItem struct {
	Href, Message string
}

func (p *Pages) passwordForm(w http.ResponseWriter, r *http.Request) error {
	p.render(w, r, http.StatusOK, "password.html", PasswordPage{Base: p.base(r, "Смена пароля", "")})
	return nil
}

func (p *Pages) changePassword(w http.ResponseWriter, r *http.Request) error {
	page := PasswordPage{Base: p.base(r, "Смена пароля", "")}
	ctx, err := p.callerContext(r)
	if err != nil {
		return err
	}
	switch err := p.account.ChangePassword(ctx, r.PostFormValue("current"), r.PostFormValue("new")); err {
	case nil:
		page.Done = true
		p.render(w, r, http.StatusOK, "password.html", page)
		return nil
	case WrongPassword:
		page.Errors = []SummaryItem{{Href: "#current", Message: "Текущий пароль введён неверно."}}
	case WeakPassword:
		page.Errors = []SummaryItem{{Href: "#new", Message: "Новый пароль не подходит: он короче 10 символов, слишком простой или содержит логин."}}
	case TooManyAttempts:
		page.Errors = []SummaryItem{{Href: "#current", Message: "Слишком много неверных попыток ввести текущий пароль. Повторите через 15 минут."}}
		p.render(w, r, http.StatusTooManyRequests, "password.html", page)
		return nil
	default:
		return err
	}
	p.render(w, r, http.StatusBadRequest, "password.html", page)
	return nil
}

func (p *Pages) forbidden(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, http.StatusForbidden, "error.html", ErrorPage{Base: p.base(r, "Доступ запрещён", ""),
		Heading: "Форма устарела",
		Message: "Форма устарела или отправлена не со страницы Наставника. Обновите страницу и повторите."})
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
