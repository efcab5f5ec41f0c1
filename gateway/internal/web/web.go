// Package web serves the pages people open in a browser. Pages speak Russian;
// each is rendered into a buffer before anything is written, so a template
// error becomes a clean 500 rather than half a page.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
)

//go:embed templates/*.html
var templates embed.FS

// Pages renders the web pages.
type Pages struct {
	tmpl   *template.Template
	logger *slog.Logger
}

// New parses the templates.
func New(logger *slog.Logger) (*Pages, error) {
	t, err := template.ParseFS(templates, "templates/*.html")
	if err != nil {
		return nil, err
	}
	return &Pages{tmpl: t, logger: logger}, nil
}

// IndexPage is the data of the start page.
type IndexPage struct {
	Title string
}

// Register adds the pages to mux.
func (p *Pages) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		p.render(w, r, "index.html", IndexPage{Title: "Наставник — мониторинг целевой модели наставничества"})
	})
}

func (p *Pages) render(w http.ResponseWriter, r *http.Request, name string, data any) {
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		p.logger.ErrorContext(r.Context(), "render page", "page", name, "error", err.Error())
		http.Error(w, "Внутренняя ошибка", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}
