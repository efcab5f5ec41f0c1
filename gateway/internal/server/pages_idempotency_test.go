package server_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	indicatorsv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/indicators/v1"
)

var hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)

// formOf returns the hidden fields of the page's form that posts to action,
// as the browser would send them.
func formOf(t *testing.T, page, action string) url.Values {
	t.Helper()
	i := strings.Index(page, `action="`+action+`"`)
	if i < 0 {
		t.Fatalf("no form to %s on the page: %s", action, page)
	}
	form := page[i:]
	form = form[:strings.Index(form, "</form>")]
	out := url.Values{}
	for _, m := range hiddenInput.FindAllStringSubmatch(form, -1) {
		out.Add(m[1], html.UnescapeString(m[2]))
	}
	if out.Get("idempotency_key") == "" {
		t.Fatalf("the form to %s carries no idempotency key: %s", action, form)
	}
	return out
}

// postTwice posts a form twice, as a double click or a resent page does,
// and returns the two answers' statuses and Locations.
func (b *browser) postTwice(path string, form url.Values) [2]string {
	b.t.Helper()
	var out [2]string
	for i := range out {
		resp, err := b.c.PostForm(b.base+path, form)
		if err != nil {
			b.t.Fatal(err)
		}
		resp.Body.Close()
		out[i] = resp.Status + " " + resp.Header.Get("Location")
	}
	return out
}

// TestFormPostedTwiceChangesOnce: each writing form carries an idempotency
// key made when it was rendered; the same rendered form posted twice makes
// one change, and the second post is answered with the first one's page
// (the same redirect), not an error.
func TestFormPostedTwiceChangesOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	reports := indicatorsv1.NewReportServiceClient(f.p.ind.Conn)
	report := func(id string) *indicatorsv1.Report {
		t.Helper()
		resp, err := reports.GetReport(ctx, &indicatorsv1.GetReportRequest{Id: id})
		if err != nil {
			t.Fatal(err)
		}
		return resp.GetReport()
	}
	ind := f.indicators()
	c2 := f.newCampaign(f.munA)
	filled := f.newReport(c2, f.a1.GetId(), "filled")
	submitted := f.newReport(c2, f.a2.GetId(), "submitted")

	curator := newBrowser(t, f.p.base)
	curator.signIn("curator", rolePassword("curator"))
	methodologist := newBrowser(t, f.p.base)
	methodologist.signIn("methodologist", rolePassword("methodologist"))

	tests := []struct {
		name     string
		b        *browser
		page     string
		action   string
		fields   url.Values
		report   string
		location string
		status   indicatorsv1.ReportStatus
	}{
		{"save", curator, "/reports/" + ind.repA1, "/reports/" + ind.repA1, url.Values{"f_teachers_total": {"77"}, "action": {"save"}},
			ind.repA1, "/reports/" + ind.repA1 + "?saved=1#main", indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT},
		{"submit", curator, "/reports/" + filled + "/submit", "/reports/" + filled + "/submit", nil,
			filled, "/", indicatorsv1.ReportStatus_REPORT_STATUS_SUBMITTED},
		{"accept", methodologist, "/review/" + filled, "/review/" + filled + "/accept", nil,
			filled, "/review/" + filled + "?done=accepted#main", indicatorsv1.ReportStatus_REPORT_STATUS_ACCEPTED},
		{"reopen", methodologist, "/review/" + filled, "/review/" + filled + "/reopen", url.Values{"reason": {"Ошибка в числе педагогов"}},
			filled, "/review/" + filled + "?done=reopened#main", indicatorsv1.ReportStatus_REPORT_STATUS_DRAFT},
		{"return", methodologist, "/review/" + submitted, "/review/" + submitted + "/return", url.Values{"comment": {"Уточните число наставников"}},
			submitted, "/review/" + submitted + "?done=returned#main", indicatorsv1.ReportStatus_REPORT_STATUS_RETURNED},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, page := tc.b.get(tc.page)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d", tc.page, code)
			}
			form := formOf(t, page, tc.action)
			for k, v := range tc.fields {
				form[k] = v
			}
			before := report(tc.report).GetVersion()
			want := "303 See Other " + tc.location
			if got := tc.b.postTwice(tc.action, form); got != [2]string{want, want} {
				t.Errorf("answers %q, want %q twice", got, want)
			}
			after := report(tc.report)
			if after.GetVersion() != before+1 || after.GetStatus() != tc.status {
				t.Errorf("report at version %d, %v; want %d, %v (one change)", after.GetVersion(), after.GetStatus(), before+1, tc.status)
			}
		})
	}
	if got := report(ind.repA1).GetValues()["teachers_total"].GetCount(); got != 77 {
		t.Errorf("teachers_total %d, want 77", got)
	}

	// The roadmap's forms: a new item, and an occurrence marked done.
	rm := f.pageRoadmap()
	rows := func() string {
		t.Helper()
		var s string
		if err := f.rmdb.QueryRow(ctx, `SELECT concat_ws('/', (SELECT count(*) FROM item WHERE roadmap_id = $1),
			(SELECT count(*) FROM occurrence WHERE roadmap_id = $1 AND done))`, rm.id).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name, page, action string
		fields             url.Values
		want               string // rows after: items/done occurrences
	}{
		{"create item", "/roadmap/" + rm.id + "/items/new?stage=" + rm.stage, "/roadmap/" + rm.id + "/items/new",
			url.Values{"stage": {rm.stage}, "measure": {"Провести педагогический совет"}, "deadline_text": {"До 30.06.2022"}}, "2/0"},
		{"mark done", "/roadmap/" + rm.id + "/items/" + rm.item, "/roadmap/" + rm.id + "/items/" + rm.item + "/mark",
			url.Values{"done": {"yes"}, "note": {"Положение утверждено"}}, "2/1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, page := curator.get(tc.page)
			if code != http.StatusOK {
				t.Fatalf("GET %s: %d", tc.page, code)
			}
			form := formOf(t, page, tc.action)
			for k, v := range tc.fields {
				form[k] = v
			}
			got := curator.postTwice(tc.action, form)
			if got[0] != got[1] || !strings.HasPrefix(got[0], "303 ") {
				t.Errorf("answers %q, want the same redirect twice", got)
			}
			if r := rows(); r != tc.want {
				t.Errorf("items/done occurrences %s, want %s (one change)", r, tc.want)
			}
		})
	}
}

// TestImportPreviewShowsHiddenCharacters: a row of an imported file that did
// not go into the roadmap is echoed in the preview's notes with a
// bidirectional override shown as its code point, «U+202E», never the
// character itself (which would reorder the page around it).
func TestImportPreviewShowsHiddenCharacters(t *testing.T) {
	f := newFixture(t)
	curator := newBrowser(t, f.p.base)
	curator.signIn("curator", rolePassword("curator"))
	_, page := curator.get("/roadmap/import")
	form := formOf(t, page, "/roadmap/import")

	tsv := "№\tМероприятие\tСрок\tОтветственный\n" +
		"Цель: \u202eяинечанс хит\t\t\t\n" +
		"1.\tПодготовка условий\t\t\n" +
		"1.1\tРазработать положение о наставничестве\tДо 31.03.2022\tКуратор\n"
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	_ = mw.WriteField("organisation", f.a1.GetId())
	w, err := mw.CreateFormFile("file", "карта.tsv")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte(tsv))
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	resp, err := curator.c.Post(f.p.base+"/roadmap/import", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	preview := html.UnescapeString(string(raw))
	if resp.StatusCode != http.StatusOK || !strings.Contains(preview, "Проверьте дорожную карту перед сохранением") {
		t.Fatalf("preview: %d %s", resp.StatusCode, preview)
	}
	if strings.ContainsRune(preview, '\u202e') {
		t.Errorf("the preview carries U+202E itself")
	}
	if !strings.Contains(preview, "Цель: «U+202E»яинечанс хит") {
		t.Errorf("the preview does not show the refused row with «U+202E»: %s", preview)
	}
}
