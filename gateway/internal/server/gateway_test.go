package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
	"github.com/nastavnik/nastavnik/gateway/internal/auth"
	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/gateway/internal/server"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	indicatorsapp "github.com/nastavnik/nastavnik/services/indicators/app"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
	roadmapapp "github.com/nastavnik/nastavnik/services/roadmap/app"
)

// platform is the three services and the gateway, started for a test.
type platform struct {
	base    string
	metrics string // the gateway's /metrics address
	reg     *servicetest.Running
	ind     *servicetest.Running
	rm      *servicetest.Running
	logs    *servicetest.Logs // the gateway's
}

// startPlatform runs the three services and the gateway with an operator
// account "operator" (password operatorPassword); opts change the gateway's
// configuration.
func startPlatform(t testing.TB, opts ...func(*config.Config)) platform {
	t.Helper()
	return startPlatformWith(t, servicetest.Options{}, opts...)
}

// startPlatformWith is startPlatform with the services' options: o.Now is
// the registry's clock, o.Notify (nil: the tests' default, an outbox looking
// for work every 200 ms) every service's notifications.
func startPlatformWith(t testing.TB, o servicetest.Options, opts ...func(*config.Config)) platform {
	t.Helper()
	reg := servicetest.StartWith(t, registryapp.Spec, servicetest.Options{Now: o.Now, Notify: o.Notify})
	rm := servicetest.StartWith(t, roadmapapp.Spec, servicetest.Options{RegistryAddr: reg.Addr, Notify: o.Notify})
	ind := servicetest.StartWith(t, indicatorsapp.Spec, servicetest.Options{RegistryAddr: reg.Addr, Notify: o.Notify})
	p := platform{reg: reg, rm: rm, ind: ind}
	p.base, p.metrics, p.logs = p.startGateway(t, opts...)
	createAccount(t, reg, "operator", operatorPassword, registryv1.Role_ROLE_OPERATOR, "")
	return p
}

// startGateway starts a gateway in front of the platform's services (a test
// may start a second replica) and returns its base URL, its /metrics address
// and its logs.
func (p platform) startGateway(t testing.TB, opts ...func(*config.Config)) (base, metrics string, logs *servicetest.Logs) {
	t.Helper()
	cfg := config.Config{
		HTTPAddr: "127.0.0.1:0", MetricsAddr: "127.0.0.1:0",
		RegistryAddr: p.reg.Addr, RoadmapAddr: p.rm.Addr, IndicatorsAddr: p.ind.Addr,
		// A request still in flight when a test ends (a password hash under
		// -race on a busy machine can take seconds) is let finish: graceful
		// shutdown waits up to its whole request timeout.
		RequestTimeout: 10 * time.Second, MaxBodyBytes: 1 << 20, ShutdownTimeout: 15 * time.Second, LogLevel: "error",
		IdentityKey:  base64.StdEncoding.EncodeToString(servicetest.Key),
		AuthCacheTTL: auth.MaxCacheTTL, AuthCacheSize: 1000, WriteQueueWait: 5 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	logs = &servicetest.Logs{}
	g, err := server.New(ctx, cfg, slog.New(slog.NewJSONHandler(logs, nil)))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- g.Serve(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("gateway stopped with %v", err)
		}
	})
	return "http://" + g.Addr(), g.MetricsAddr(), logs
}

const operatorPassword = "Platform-ops-2026"

// createAccount creates an account directly at the registry, as an operator.
func createAccount(t testing.TB, reg *servicetest.Running, login, pw string, role registryv1.Role, scope string) string {
	t.Helper()
	resp, err := registryv1.NewAccountServiceClient(reg.Conn).CreateAccount(context.Background(), &registryv1.CreateAccountRequest{
		Account:  &registryv1.Account{Login: login, Name: login, Roles: []*registryv1.RoleBinding{{Role: role, Scope: scope}}},
		Password: pw,
	})
	if err != nil {
		t.Fatalf("create account %s: %v", login, err)
	}
	return resp.GetAccount().GetId()
}

// as signs in through POST /v1/auth/token and returns a client with the token.
func (p platform) as(t testing.TB, login, pw string) client {
	t.Helper()
	var tok struct {
		Token     string `json:"token"`
		ExpiresAt string `json:"expiresAt"`
	}
	anon := client{t: t, base: p.base}
	if code := anon.do("POST", "/v1/auth/token", map[string]string{"login": login, "password": pw}, &tok); code != 200 || tok.Token == "" || tok.ExpiresAt == "" {
		t.Fatalf("sign in %s: %d %+v", login, code, tok)
	}
	return client{t: t, base: p.base, token: tok.Token}
}

// operator is a client signed in as the platform's operator.
func (p platform) operator(t *testing.T) client { return p.as(t, "operator", operatorPassword) }

type client struct {
	t     testing.TB
	base  string
	token string
}

// do sends a JSON request and decodes the JSON answer into out (when not nil).
func (c client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			c.t.Fatalf("%s %s: decode %q: %v", method, path, raw, err)
		}
	}
	return resp.StatusCode
}

type organisation struct {
	ID             string `json:"id,omitempty"`
	MunicipalityID string `json:"municipalityId,omitempty"`
	FullName       string `json:"fullName,omitempty"`
	ShortName      string `json:"shortName,omitempty"`
	INN            string `json:"inn,omitempty"`
	Kind           string `json:"kind,omitempty"`
	Address        string `json:"address,omitempty"`
	Version        string `json:"version,omitempty"` // int64 is a JSON string
	Status         string `json:"status,omitempty"`
}

type listResponse struct {
	Organisations []organisation `json:"organisations"`
	NextPageToken string         `json:"nextPageToken"`
	TotalSize     int            `json:"totalSize"`
}

// seed creates region 24, Krasnoyarsk and n schools through the API.
func seed(t *testing.T, c client, n int) (munID string) {
	t.Helper()
	if code := c.do("POST", "/v1/regions", map[string]string{"code": "24", "name": "Красноярский край", "timeZone": "Asia/Krasnoyarsk"}, nil); code != 200 {
		t.Fatalf("create region: %d", code)
	}
	var mun struct{ ID string }
	if code := c.do("POST", "/v1/municipalities", map[string]string{"regionCode": "24", "name": "городской округ город Красноярск",
		"kind": "MUNICIPALITY_KIND_URBAN_DISTRICT"}, &mun); code != 200 {
		t.Fatalf("create municipality: %d", code)
	}
	for i := 1; i <= n; i++ {
		o := organisation{MunicipalityID: mun.ID, FullName: fmt.Sprintf("МАОУ «Средняя школа № %d»", i),
			ShortName: fmt.Sprintf("МАОУ СШ № %03d", i), INN: validINN(i), Kind: "ORGANISATION_KIND_SCHOOL"}
		var got organisation
		if code := c.do("POST", "/v1/organisations", o, &got); code != 200 {
			t.Fatalf("create organisation %d: %d", i, code)
		}
	}
	return mun.ID
}

func validINN(n int) string {
	p := fmt.Sprintf("2465%05d", n)
	w := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for i := range 9 {
		sum += int(p[i]-'0') * w[i]
	}
	return p + fmt.Sprint(sum%11%10)
}

func TestListOrganisationsPaginated(t *testing.T) {
	c := startPlatform(t).operator(t)
	mun := seed(t, c, 12)
	var all []string
	token := ""
	pages := 0
	for {
		var page listResponse
		path := "/v1/organisations?municipality=" + mun + "&pageSize=5&pageToken=" + url.QueryEscape(token)
		if code := c.do("GET", path, nil, &page); code != 200 {
			t.Fatalf("GET %s = %d", path, code)
		}
		if page.TotalSize != 12 {
			t.Errorf("totalSize = %d, want 12", page.TotalSize)
		}
		for _, o := range page.Organisations {
			all = append(all, o.ShortName)
		}
		pages++
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	if pages != 3 || len(all) != 12 {
		t.Fatalf("got %d organisations in %d pages, want 12 in 3", len(all), pages)
	}
	for i := 1; i < len(all); i++ {
		if all[i-1] >= all[i] {
			t.Errorf("order is not stable and strict: %q before %q", all[i-1], all[i])
		}
	}
}

func TestErrorsNameTheField(t *testing.T) {
	c := startPlatform(t).operator(t)
	mun := seed(t, c, 1)

	var e api.Error
	bad := organisation{MunicipalityID: mun, FullName: "Школа", ShortName: "Школа", INN: "1234567890", Kind: "ORGANISATION_KIND_SCHOOL"}
	if code := c.do("POST", "/v1/organisations", bad, &e); code != http.StatusBadRequest {
		t.Fatalf("bad INN: status %d, want 400", code)
	}
	want := api.Error{Code: "INVALID_ARGUMENT", Details: []api.FieldDetail{{Field: "organisation.inn", Reason: "inn_checksum"}}}
	if diff := cmp.Diff(want, e, cmpIgnoreText()); diff != "" {
		t.Errorf("bad INN error (-want +got):\n%s", diff)
	}
	if len(e.Details) == 1 && e.Details[0].LocalizedMessage != "В ИНН опечатка: не сходится контрольная цифра" {
		t.Errorf("bad INN: localizedMessage %q, want the Russian text", e.Details[0].LocalizedMessage)
	}

	if code := c.do("GET", "/v1/organisations/0b0e4d4e-0000-4000-8000-000000000000", nil, &e); code != http.StatusNotFound || e.Code != "NOT_FOUND" {
		t.Errorf("unknown id: status %d code %q, want 404 NOT_FOUND", code, e.Code)
	}
	if code := c.do("GET", "/v1/organisations?municipality=nope", nil, &e); code != http.StatusBadRequest ||
		len(e.Details) != 1 || e.Details[0].Field != "municipality" {
		t.Errorf("bad filter: status %d details %+v, want 400 naming municipality", code, e.Details)
	}
	if code := c.do("GET", "/v1/organisations?pageToken=garbage", nil, &e); code != http.StatusBadRequest ||
		len(e.Details) != 1 || e.Details[0].Field != "pageToken" {
		t.Errorf("bad token: status %d details %+v, want 400 naming pageToken", code, e.Details)
	}
	if code := c.do("POST", "/v1/municipalities", map[string]string{"regionCode": "24", "name": "x", "kind": "MUNICIPALITY_KIND_URBAN_DISTRICT", "timeZone": "Mars/Base"}, &e); code != http.StatusBadRequest ||
		len(e.Details) != 1 || e.Details[0].Field != "municipality.timeZone" {
		t.Errorf("bad zone: status %d details %+v, want 400 naming municipality.timeZone", code, e.Details)
	}
}

func cmpIgnoreText() cmp.Option {
	return cmp.FilterPath(func(p cmp.Path) bool {
		last := p.Last().String()
		return last == ".Message" || last == ".Description" || last == ".LocalizedMessage"
	}, cmp.Ignore())
}

func TestStaleUpdateIsConflictAndKeepsTheRow(t *testing.T) {
	c := startPlatform(t).operator(t)
	mun := seed(t, c, 1)
	var page listResponse
	c.do("GET", "/v1/organisations?municipality="+mun, nil, &page)
	o := page.Organisations[0]

	first := o
	first.Address = "660049, г. Красноярск, пр. Мира, 10"
	var updated organisation
	if code := c.do("PUT", "/v1/organisations/"+o.ID, first, &updated); code != 200 {
		t.Fatalf("first update: %d", code)
	}
	stale := o
	stale.ShortName = "перезаписано"
	var e api.Error
	if code := c.do("PUT", "/v1/organisations/"+o.ID, stale, &e); code != http.StatusConflict || e.Code != "ABORTED" {
		t.Fatalf("stale update: %d %q, want 409 ABORTED", code, e.Code)
	}
	var stored organisation
	c.do("GET", "/v1/organisations/"+o.ID, nil, &stored)
	if diff := cmp.Diff(updated, stored); diff != "" {
		t.Errorf("stale update changed the row (-want +got):\n%s", diff)
	}
}

func TestCloseAndListAsOfDate(t *testing.T) {
	c := startPlatform(t).operator(t)
	mun := seed(t, c, 3)
	var page listResponse
	c.do("GET", "/v1/organisations?municipality="+mun, nil, &page)
	closing, successor := page.Organisations[0], page.Organisations[1]
	var closed organisation
	body := map[string]string{"version": closing.Version, "closedOn": "2026-01-01", "reason": "CLOSURE_REASON_MERGED", "successorId": successor.ID}
	if code := c.do("POST", "/v1/organisations/"+closing.ID+":close", body, &closed); code != 200 || closed.Status != "ORGANISATION_STATUS_CLOSED" {
		t.Fatalf("close: %d %+v", code, closed)
	}
	var e api.Error
	body["version"] = closed.Version
	if code := c.do("POST", "/v1/organisations/"+closing.ID+":close", body, &e); code != http.StatusConflict || e.Code != "FAILED_PRECONDITION" {
		t.Errorf("close again: %d %q, want 409 FAILED_PRECONDITION", code, e.Code)
	}
	tests := []struct {
		date string
		want int
	}{{"2025-12-15", 3}, {"2026-01-01", 2}, {"2026-12-15", 2}}
	for _, tc := range tests {
		var asOf listResponse
		c.do("GET", "/v1/organisations?municipality="+mun+"&openOn="+tc.date, nil, &asOf)
		if asOf.TotalSize != tc.want {
			t.Errorf("open on %s: %d organisations, want %d", tc.date, asOf.TotalSize, tc.want)
		}
	}
}

func TestImportThroughTheGateway(t *testing.T) {
	c := startPlatform(t).operator(t)
	mun := seed(t, c, 0)
	csv := "ИНН;Полное наименование;Краткое наименование;Тип\n" +
		validINN(1) + ";Муниципальное автономное общеобразовательное учреждение «Средняя школа № 1»;МАОУ СШ № 1;ОУ\n" +
		validINN(2) + ";Краевое государственное бюджетное профессиональное образовательное учреждение «Красноярский колледж»;КГБПОУ ККК;СПО\n"
	req := map[string]any{"format": "IMPORT_FORMAT_CSV", "content": []byte(csv)}
	var report struct {
		Applied bool `json:"applied"`
		Created int  `json:"created"`
	}
	if code := c.do("POST", "/v1/municipalities/"+mun+"/organisations:import", req, &report); code != 200 || !report.Applied || report.Created != 2 {
		t.Fatalf("import: %d %+v, want applied with 2 created", code, report)
	}
}

func TestServingEssentials(t *testing.T) {
	p := startPlatform(t)
	base := p.base
	t.Run("openapi", func(t *testing.T) {
		resp, err := http.Get(base + "/openapi.json")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			Info struct {
				Title string `json:"title"`
			} `json:"info"`
			Paths map[string]any `json:"paths"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.Info.Title != "nastavnik API" {
			t.Errorf("title %q", doc.Info.Title)
		}
		for _, p := range []string{"/v1/organisations", "/v1/regions", "/v1/municipalities/{municipalityId}/organisations:import",
			"/v1/roadmaps:import", "/v1/reports/{id}:submit", "/v1/completeness", "/v1/aggregates:download"} {
			if _, ok := doc.Paths[p]; !ok {
				t.Errorf("openapi.json has no path %s", p)
			}
		}
	})
	t.Run("docs and index", func(t *testing.T) {
		for path, want := range map[string]string{"/docs": "OrganisationService", "/": "Наставник"} {
			resp, err := http.Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || !strings.Contains(string(b), want) {
				t.Errorf("GET %s = %d, want 200 containing %q", path, resp.StatusCode, want)
			}
		}
	})
	t.Run("compressed when asked", func(t *testing.T) {
		// A client of its own, which neither asks for gzip nor unpacks it.
		c := &http.Client{Transport: &http.Transport{DisableCompression: true}}
		get := func(path, encoding string) (*http.Response, []byte) {
			t.Helper()
			req, _ := http.NewRequest("GET", base+path, nil)
			if encoding != "" {
				req.Header.Set("Accept-Encoding", encoding)
			}
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			return resp, b
		}
		// The sign-in page (under minCompressed) goes as it is even when gzip is asked.
		small, sb := get("/", "gzip")
		if small.Header.Get("Content-Encoding") != "" || !strings.Contains(string(sb), "Наставник") {
			t.Errorf("GET / with gzip: Content-Encoding %q for %d bytes, want none", small.Header.Get("Content-Encoding"), len(sb))
		}
		for path, want := range map[string]string{"/docs": "OrganisationService", "/openapi.json": `"/v1/organisations"`} {
			plain, pb := get(path, "")
			if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(string(pb), want) {
				t.Errorf("GET %s without Accept-Encoding: Content-Encoding %q, body has %q: %v", path,
					plain.Header.Get("Content-Encoding"), want, strings.Contains(string(pb), want))
			}
			zipped, zb := get(path, "gzip")
			if zipped.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
				t.Errorf("GET %s with gzip: Content-Encoding %q, Vary %q", path, zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Vary"))
				continue
			}
			zr, err := gzip.NewReader(bytes.NewReader(zb))
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			unzipped, err := io.ReadAll(zr)
			if err != nil {
				t.Fatalf("GET %s: %v", path, err)
			}
			if !strings.Contains(string(unzipped), want) || len(zb) >= len(unzipped) {
				t.Errorf("GET %s: %d bytes on the wire for %d, containing %q: %v", path, len(zb), len(unzipped), want,
					strings.Contains(string(unzipped), want))
			}
		}
	})
	t.Run("readyz", func(t *testing.T) {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("readyz = %d, want 200", resp.StatusCode)
		}
	})
	t.Run("request id echoed", func(t *testing.T) {
		req, _ := http.NewRequest("GET", base+"/v1/regions", nil)
		req.Header.Set("X-Request-Id", "test-request-42")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); got != "test-request-42" {
			t.Errorf("X-Request-Id = %q, want test-request-42", got)
		}
		// The access log's line of the request, with its id.
		var found bool
		for _, line := range strings.Split(p.logs.String(), "\n") {
			var e struct {
				Msg, RequestID, Method, Path, Remote string
				Status                               int
				DurationMS                           *float64 `json:"duration_ms"`
			}
			if json.Unmarshal([]byte(line), &e) != nil || e.Msg != "http" || !strings.Contains(line, `"request_id":"test-request-42"`) {
				continue
			}
			found = true
			if e.Method != "GET" || e.Path != "/v1/regions" || e.Status != resp.StatusCode || e.DurationMS == nil || e.Remote == "" {
				t.Errorf("access log line %s: want GET /v1/regions, status %d, a duration and the remote address", line, resp.StatusCode)
			}
		}
		if !found {
			t.Errorf("no access log line with the request id in %s", p.logs)
		}
	})
	t.Run("body limit", func(t *testing.T) {
		big := bytes.Repeat([]byte("a"), 2<<20)
		resp, err := http.Post(base+"/v1/regions", "application/json", bytes.NewReader(big))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("2 MiB body: status %d, want 413", resp.StatusCode)
		}
	})
	t.Run("malformed json", func(t *testing.T) {
		resp, err := http.Post(base+"/v1/regions", "application/json", strings.NewReader("{"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("malformed JSON: status %d, want 400", resp.StatusCode)
		}
	})
}

// A page's calls to the services carry the page request's id, so that the
// services' log lines of a slow page join its access log line, as an API
// call's do.
func TestPageCallsCarryTheRequestID(t *testing.T) {
	p := startPlatform(t)
	cookie, _ := pageSession(t, p.base, "operator", operatorPassword)
	for _, path := range []string{"/", "/notifications"} {
		rid := "page-request" + strings.ReplaceAll(path, "/", "-")
		req, _ := http.NewRequest("GET", p.base+path, nil)
		req.Header.Set("Cookie", cookie)
		req.Header.Set("X-Request-Id", rid)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Request-Id") != rid {
			t.Fatalf("GET %s: %d, X-Request-Id %q; want 200 and %s", path, resp.StatusCode, resp.Header.Get("X-Request-Id"), rid)
		}
		var calls []string
		for _, line := range strings.Split(p.reg.Logs()+p.ind.Logs()+p.rm.Logs(), "\n") {
			var e struct{ Msg, Method, RequestID string }
			if json.Unmarshal([]byte(line), &e) == nil && e.Msg == "rpc" && strings.Contains(line, `"request_id":"`+rid+`"`) {
				calls = append(calls, e.Method)
			}
		}
		if len(calls) == 0 {
			t.Errorf("GET %s: no call of the services logged with the page's request id %s", path, rid)
		}
		t.Logf("GET %s: %d calls with its request id: %v", path, len(calls), calls)
	}
}
