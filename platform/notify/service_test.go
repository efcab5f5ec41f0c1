package notify

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/nastavnik/nastavnik/platform/notify/mailpit"
)

// serviceTemplates are a service's embedded templates: a digest kind and a
// notice kind under templates/.
var serviceTemplates = fstest.MapFS{
	"templates/weekly.subject.txt":      {Data: []byte(`Сводка для {{.To.Name}}`)},
	"templates/weekly.txt":              {Data: []byte(`{{define "body"}}Подробнее: {{.Link}}/overdue{{end}}`)},
	"templates/weekly.html":             {Data: []byte(`{{define "subject"}}Сводка{{end}}{{define "body"}}<p>Сводка</p>{{end}}`)},
	"templates/handed_down.subject.txt": {Data: []byte(`Новое мероприятие`)},
	"templates/handed_down.txt":         {Data: []byte(`{{define "body"}}{{.Link}}/roadmap{{end}}`)},
	"templates/handed_down.html":        {Data: []byte(`{{define "subject"}}Мероприятие{{end}}{{define "body"}}<p>Мероприятие</p>{{end}}`)},
}

// TestNewTakesWhatIsConfigured: a service's outbox sends by SMTP only when a
// host is configured, asks a Mailpit only when a check address is, names
// the service to the registry, takes the domain of Message-IDs from the
// sender and starts the metrics of the service's kinds at zero.
func TestNewTakesWhatIsConfigured(t *testing.T) {
	tmpl, err := ServiceTemplates(serviceTemplates, "templates", "https://nastavnik.test/", "weekly", "handed_down")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name            string
		cfg             Config
		mailer, checker bool
	}{
		{"e-mail off", Config{SMTPFrom: "Наставник <noreply@school.test>", Workers: 3}, false, false},
		{"SMTP", Config{SMTPHost: "mail.test", SMTPFrom: "Наставник <noreply@school.test>", Workers: 3}, true, false},
		{"SMTP with a Mailpit", Config{SMTPHost: "mail.test", CheckURL: "http://127.0.0.1:8025",
			SMTPFrom: "Наставник <noreply@school.test>", Workers: 3}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := prometheus.NewRegistry()
			ob := New(Platform{Config: tc.cfg, Metrics: reg}, Service{Name: "roadmap", Templates: tmpl})
			if got := ob.Mailer != nil; got != tc.mailer {
				t.Errorf("mailer set: got %v, want %v", got, tc.mailer)
			}
			if got := ob.Checker != nil; got != tc.checker {
				t.Errorf("checker set: got %v, want %v", got, tc.checker)
			}
			if c, ok := ob.Checker.(*mailpit.Client); tc.checker && (!ok || c.BaseURL != tc.cfg.CheckURL) {
				t.Errorf("checker: got %#v, want a Mailpit at %s", ob.Checker, tc.cfg.CheckURL)
			}
			if got, want := ob.Directory.(*Registry).caller.Login, "roadmap"; got != want {
				t.Errorf("registry caller: got %q, want %q", got, want)
			}
			if ob.Domain != "school.test" || ob.Workers != 3 || ob.Renderer != tmpl {
				t.Errorf("domain, workers, renderer: got %q, %d, %v", ob.Domain, ob.Workers, ob.Renderer)
			}
			if got, want := testutil.CollectAndCount(ob.Metrics.messages), 2*len(outcomes); got != want {
				t.Errorf("notify_messages_total series: got %d, want %d", got, want)
			}
		})
	}
}

// TestServiceTemplates: a service's templates link to the gateway's public
// address, and a digest carries an unsubscribe link, a notice none.
func TestServiceTemplates(t *testing.T) {
	tmpl, err := ServiceTemplates(serviceTemplates, "templates", "https://nastavnik.test/", "weekly", "handed_down")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tmpl.Kinds(), ","); got != "weekly,handed_down" {
		t.Errorf("kinds: got %s, want weekly,handed_down", got)
	}
	to := Recipient{AccountID: "acc", Name: "Мария Петровна"}
	digest, err := tmpl.Render("weekly", json.RawMessage(`{"digest": true}`), to)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://nastavnik.test/unsubscribe?t="; !strings.HasPrefix(digest.Unsubscribe, want) {
		t.Errorf("digest's unsubscribe link: got %q, want %s…", digest.Unsubscribe, want)
	}
	if !strings.Contains(digest.Text, "Подробнее: https://nastavnik.test/overdue") {
		t.Errorf("digest's link: got %q", digest.Text)
	}
	notice, err := tmpl.Render("handed_down", json.RawMessage(`{}`), to)
	if err != nil {
		t.Fatal(err)
	}
	if notice.Unsubscribe != "" || !strings.Contains(notice.Text, "https://nastavnik.test/roadmap") {
		t.Errorf("notice: got unsubscribe %q, text %q", notice.Unsubscribe, notice.Text)
	}
	if _, err := ServiceTemplates(serviceTemplates, "templates", "https://nastavnik.test", "weekly", "missing"); err == nil {
		t.Error("a kind without templates parsed")
	}
}
