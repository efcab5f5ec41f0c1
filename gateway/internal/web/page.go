package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/dates"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Base is embedded in every page: the person, navigation and the CSRF token
// of their session.
type Base struct {
	Title string
	// Person is nil when nobody is signed in.
	Person *Person
	CSRF   string
	// Section is the navigation item the page belongs to.
	Section string
	// Asset maps a static file name to its versioned URL.
	Asset func(string) string
}

// Person is the signed-in person as the header shows them.
type Person struct {
	Login string
	// Scope says where they work, in words («СШ № 150, Красноярск»).
	Scope string
	Nav   []NavItem
	// Scopes are the role bindings to switch between, when there are several.
	Scopes []ScopeChoice
	// Unread is how many notifications they have not read.
	Unread int
}

// NavItem is one entry of the header's navigation.
type NavItem struct {
	Section, Title, Href string
}

// pageSet holds one template set per page: the layout, the shared partials and
// the page's own template, so pages cannot redefine each other's blocks.
type pageSet map[string]*template.Template

var funcs = template.FuncMap{
	"formKey": newFormKey,
	"date":    DateRU,
	"number":  NumberRU,
	"count":   func(n any, one, few, many string) string { return Count(toInt64(n), one, few, many) },
	"plural":  func(n any, one, few, many string) string { return Plural(toInt64(n), one, few, many) },
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, fmt.Errorf("dict: odd number of arguments")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"datetime": func(t time.Time, tz string) string {
		loc, err := dates.Location(tz)
		if err != nil {
			loc = time.UTC
		}
		return DateTimeRU(t, loc)
	},
}

func parsePages() (pageSet, error) {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	set := pageSet{}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || base == "partials.html" {
			continue
		}
		t, err := template.New(base).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", base, err)
		}
		set[base] = t
	}
	return set, nil
}

// assets serves the embedded static files under /static/ with long caching;
// pages link them with a content hash in the query so a change is fetched.
type assets struct {
	handler http.Handler
	version map[string]string
}

func newAssets() (*assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	a := &assets{handler: http.StripPrefix("/static/", http.FileServerFS(sub)), version: map[string]string{}}
	err = fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		a.version[p] = "/static/" + p + "?v=" + hex.EncodeToString(h[:6])
		return nil
	})
	return a, err
}

func (a *assets) url(name string) string {
	if u, ok := a.version[name]; ok {
		return u
	}
	return "/static/" + name
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/") {
		http.NotFound(w, r) // files only: no directory listings
		return
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	a.handler.ServeHTTP(w, r)
}

// render executes the page's template into a buffer, then writes it: a
// template error becomes a clean error page, never half a page.
func (p *Pages) render(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	t, ok := p.pages[name]
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	size, _ := renderSizes.LoadOrStore(name, new(atomic.Int64))
	buf.Grow(int(size.(*atomic.Int64).Load()) * 9 / 8)
	var err error
	if !ok {
		err = fmt.Errorf("no page %s", name)
	} else {
		err = t.ExecuteTemplate(buf, "layout", data)
	}
	size.(*atomic.Int64).Store(int64(buf.Len()))
	if err != nil {
		p.logger.ErrorContext(r.Context(), "render page", "page", name, "error", err.Error())
		http.Error(w, "Внутренняя ошибка. Повторите попытку позже.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_, _ = w.Write(buf.Bytes())
}

// renderBuffers hold the pages rendered: a region's page is hundreds of KB,
// and a buffer grown from nothing for each copies and clears it a dozen
// times over (a tenth of the gateway's CPU for the region's page). A buffer
// not kept (the pool is emptied by the collector) is made as big as its
// page was last time (renderSizes, by page name: *atomic.Int64) at once.
var (
	renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	renderSizes   sync.Map
)

// maxKeptBuffer is the largest buffer kept for the next page: an odd huge
// page does not pin its memory.
const maxKeptBuffer = 4 << 20

func putRenderBuffer(b *bytes.Buffer) {
	if b.Cap() > maxKeptBuffer {
		return
	}
	b.Reset()
	renderBuffers.Put(b)
}

// ErrorPage explains a failure in plain words.
type ErrorPage struct {
	Base
	Heading string
	Message string
}

// serveError turns a handler's error into a Russian page: one table of gRPC
// codes, the cause logged with the request id and never shown.
func (p *Pages) serveError(w http.ResponseWriter, r *http.Request, err error) {
	code, heading, msg := http.StatusInternalServerError, "Что-то пошло не так",
		"Повторите попытку через несколько минут. Если ошибка повторяется, сообщите методисту."
	switch status.Code(err) {
	case codes.NotFound:
		code, heading, msg = http.StatusNotFound, "Страница не найдена",
			"Такой страницы нет или у вас нет к ней доступа. Проверьте адрес или вернитесь на главную."
	case codes.PermissionDenied:
		code, heading, msg = http.StatusForbidden, "Нет доступа", "Это действие вам недоступно."
	case codes.Unauthenticated:
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	case codes.Unavailable, codes.DeadlineExceeded:
		code, heading, msg = http.StatusServiceUnavailable, "Сервис временно недоступен",
			"Ваши данные не потеряны. Повторите попытку через минуту."
	case codes.InvalidArgument:
		code, heading, msg = http.StatusBadRequest, "Неверный запрос", "Проверьте адрес страницы."
	default:
		p.logger.ErrorContext(r.Context(), "page", "path", r.URL.Path, "error", err.Error())
	}
	p.render(w, r, code, "error.html", ErrorPage{Base: p.base(r, heading, ""), Heading: heading, Message: msg})
}

// fieldViolations are the fields an InvalidArgument status names, with what
// a person reads: the Russian message the services put beside the code.
func fieldViolations(err error) map[string]string {
	out := map[string]string{}
	for _, d := range status.Convert(err).Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				msg := v.GetLocalizedMessage().GetMessage()
				if msg == "" {
					msg = "Проверьте значение"
				}
				out[v.GetField()] = msg
			}
		}
	}
	return out
}

// toInt64 reads the integer kinds templates pass (len gives int).
func toInt64(n any) int64 {
	switch v := n.(type) {
	case int:
		return int64(v)
	case int32:
		return int64(v)
	case int64:
		return v
	}
	return 0
}
