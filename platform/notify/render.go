package notify

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	htemplate "html/template"
	"io/fs"
	"slices"
	"strings"
	ttemplate "text/template"
	"time"

	"github.com/nastavnik/nastavnik/platform/dates"
	"github.com/nastavnik/nastavnik/platform/russian"
)

// Templates renders a service's messages from its embedded templates: for
// each kind, <kind>.subject.txt and <kind>.txt (text/template) and
// <kind>.html (html/template), with the platform's layout.html and
// layout.txt around them (layout/: the greeting, the signature and a
// digest's unsubscribe link; the kind's template defines "body"). Templates
// see .To (the Recipient), .D (the event's data as JSON objects), .Link (the
// gateway's address) and .Unsubscribe (a digest's unsubscribe address), and
// the funcs:
//
//	date "2026-12-15"                      → 15 декабря 2026 г.
//	at "2026-12-12T09:00:00Z" "Asia/Kamchatka" → 12 декабря 2026 г., 21:00
//	plural 3 "день" "дня" "дней"           → дня
//	count 3 "день" "дня" "дней"            → 3 дня
type Templates struct {
	subject, text map[string]*ttemplate.Template
	html          map[string]*htemplate.Template
	kinds         []string
	// Link is the gateway's public address, for links in messages.
	Link string
	// Unsubscribe returns the unsubscribe address of a digest of kind for
	// an account (UnsubscribeLink); nil for none.
	Unsubscribe func(accountID, kind string) string
}

var _ Renderer = (*Templates)(nil)

// Funcs are the template functions of messages.
var Funcs = map[string]any{
	"date": func(s string) string {
		d, err := dates.Parse(s)
		if err != nil {
			return s
		}
		return russian.Date(d)
	},
	"at": func(s, zone string) string {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return s
		}
		loc, err := time.LoadLocation(zone)
		if err != nil {
			loc = time.UTC
		}
		return russian.DateTime(t, loc)
	},
	"plural": func(n float64, one, few, many string) string { return russian.Plural(int64(n), one, few, many) },
	"count": func(n float64, one, few, many string) string {
		return russian.Int(int64(n)) + " " + russian.Plural(int64(n), one, few, many)
	},
}

//go:embed layout/*
var layout embed.FS

// ParseTemplates reads the templates of kinds from fsys.
func ParseTemplates(fsys fs.FS, kinds ...string) (*Templates, error) {
	t := &Templates{subject: map[string]*ttemplate.Template{}, text: map[string]*ttemplate.Template{},
		html: map[string]*htemplate.Template{}, kinds: slices.Clone(kinds)}
	for _, k := range kinds {
		var err error
		if t.subject[k], err = ttemplate.New(k+".subject.txt").Funcs(Funcs).ParseFS(fsys, k+".subject.txt"); err != nil {
			return nil, fmt.Errorf("notify.ParseTemplates: %w", err)
		}
		txt, err := ttemplate.New("layout.txt").Funcs(Funcs).ParseFS(layout, "layout/layout.txt")
		if err == nil {
			t.text[k], err = txt.ParseFS(fsys, k+".txt")
		}
		if err != nil {
			return nil, fmt.Errorf("notify.ParseTemplates: %w", err)
		}
		html, err := htemplate.New("layout.html").Funcs(Funcs).ParseFS(layout, "layout/layout.html")
		if err == nil {
			t.html[k], err = html.ParseFS(fsys, k+".html")
		}
		if err != nil {
			return nil, fmt.Errorf("notify.ParseTemplates: %w", err)
		}
	}
	return t, nil
}

// Kinds are the kinds the templates render.
func (t *Templates) Kinds() []string { return t.kinds }

// view is what a template sees.
type view struct {
	To          Recipient
	D           map[string]any
	Link        string
	Unsubscribe string
}

// Render renders kind's message for to. Digests get an unsubscribe
// address (Content.Unsubscribe) when Unsubscribe is set: a digest is a kind
// whose data has "digest": true.
func (t *Templates) Render(kind string, data json.RawMessage, to Recipient) (Content, error) {
	subj, ok := t.subject[kind]
	if !ok {
		return Content{}, fmt.Errorf("notify: no templates for kind %q", kind)
	}
	v := view{To: to, Link: strings.TrimRight(t.Link, "/")}
	if err := json.Unmarshal(data, &v.D); err != nil {
		return Content{}, fmt.Errorf("notify: %s data: %w", kind, err)
	}
	if digest, _ := v.D["digest"].(bool); digest && t.Unsubscribe != nil {
		v.Unsubscribe = t.Unsubscribe(to.AccountID, kind)
	}
	var s, txt, html bytes.Buffer
	if err := subj.Execute(&s, v); err != nil {
		return Content{}, fmt.Errorf("notify: %s subject: %w", kind, err)
	}
	if err := t.text[kind].Execute(&txt, v); err != nil {
		return Content{}, fmt.Errorf("notify: %s text: %w", kind, err)
	}
	if err := t.html[kind].Execute(&html, v); err != nil {
		return Content{}, fmt.Errorf("notify: %s html: %w", kind, err)
	}
	return Content{Subject: strings.Join(strings.Fields(s.String()), " "), Text: txt.String(), HTML: html.String(),
		Unsubscribe: v.Unsubscribe}, nil
}
