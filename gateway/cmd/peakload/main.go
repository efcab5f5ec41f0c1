// Command peakload is the December peak (issue #15) against a running
// gateway with the demo data, or with -country a country bin/country loaded
// (`scripts/peak-load.sh` starts one; PEAK_COUNTRY=45000): it measures
// pgbench -N on the same PostgreSQL before and after the load, and runs, for a
// bounded time each, a phase at a fixed save rate, a phase of the curators'
// saves alone at the maximum and a phase of everything at the maximum:
// curators saving one
// changed count at a time with the version they hold (a few deliberately
// stale, whose 409 ABORTED is expected, not an error), curators submitting and
// methodologists returning, accepting and reopening, methodologists reading
// completeness and aggregates, and the regional centre reading and exporting.
// It prints one table — operation, rate, p50/p95/p99, errors — the saves per
// second as a share of pgbench's TPS, the CPU a save costs against the CPU a
// pgbench transaction costs (the ratio a machine shared with other work
// disturbs least) and each process's largest RSS.
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/nastavnik/nastavnik/gateway/internal/loadhttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "peakload:", err)
		os.Exit(1)
	}
}

type options struct {
	base        string
	duration    time.Duration
	rate        float64
	curators    int
	cyclers     int
	readRate    float64
	reads       int    // each read alone, one at a time, this many times
	readsOnly   bool   // no pgbench and no phases: the reads alone
	readsOf     string // only the reads whose name contains this
	stale       float64
	pgbench     string
	pgbenchArgs string
	pids        map[string]int
	metrics     map[string]string
	profile     string
	password    string
	country     int // organisations of the loaded country; 0: the demo data
}

func parseOptions() (options, error) {
	var o options
	var pids, metrics string
	flag.StringVar(&o.base, "base", "http://127.0.0.1:8080", "the gateway")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "length of each phase")
	flag.Float64Var(&o.rate, "rate", 60, "saves per second of the fixed-rate phase (0 skips it)")
	flag.IntVar(&o.curators, "curators", 0, "curators saving in a loop, each their own report (0: 16 at country scale, 8 on the demo data)")
	flag.IntVar(&o.cyclers, "cyclers", 3, "reports going round submit → return → save → submit → accept → reopen")
	flag.Float64Var(&o.readRate, "read-rate", 10, "dashboard reads per second (methodologists and the regional centre together)")
	flag.IntVar(&o.reads, "reads", 30, "after the phases, each dashboard read and export alone, one at a time, this many times: its CPU a read (0 skips it)")
	flag.BoolVar(&o.readsOnly, "reads-only", false, "measure only each read alone (-reads times): no pgbench, no phases")
	flag.StringVar(&o.readsOf, "reads-of", "", "with -reads, only the reads whose name contains this (e.g. \"page: the region\")")
	flag.Float64Var(&o.stale, "stale", 0.05, "share of saves sent with an old version (expected 409)")
	flag.StringVar(&o.pgbench, "pgbench", "", "URL of a pgbench-initialised database on the same PostgreSQL (empty: no baseline)")
	flag.StringVar(&o.pgbenchArgs, "pgbench-args", "-N -c 8 -j 2 -T 20", "pgbench's arguments")
	flag.StringVar(&pids, "pids", "", "processes whose RSS to sample: name=pid,…")
	flag.StringVar(&metrics, "metrics", "", "side ports to take CPU profiles from during the saves-alone phase (saves-name.pprof) and the maximum phase (name.pprof): name=host:port,…")
	flag.StringVar(&o.profile, "profile", "", "directory for the CPU profiles (empty: none)")
	flag.IntVar(&o.country, "country", 0, "organisations of the country bin/country loaded (without accounts) instead of the demo data: the readers take its largest region and a municipality of it, the writers its open campaigns (0: the demo data)")
	flag.Parse()
	o.password = os.Getenv("OPERATOR_PASSWORD")
	if o.password == "" {
		o.password = "Platform-ops-2026"
	}
	o.pids, o.metrics = map[string]int{}, map[string]string{}
	for _, kv := range strings.Split(pids, ",") {
		if name, v, ok := strings.Cut(kv, "="); ok {
			pid, err := strconv.Atoi(v)
			if err != nil {
				return o, fmt.Errorf("-pids %q: %w", kv, err)
			}
			o.pids[name] = pid
		}
	}
	for _, kv := range strings.Split(metrics, ",") {
		if name, v, ok := strings.Cut(kv, "="); ok {
			o.metrics[name] = v
		}
	}
	if o.curators == 0 {
		o.curators = defaultCurators(o.country)
	}
	if o.duration <= 0 || o.curators < 1 || o.cyclers < 0 || o.readRate <= 0 {
		return o, errors.New("-duration, -curators and -read-rate must be positive")
	}
	return o, nil
}

func run(ctx context.Context) error {
	o, err := parseOptions()
	if err != nil {
		return err
	}
	var benches []benchRun
	runBench := func() error {
		if o.pgbench == "" || o.readsOnly {
			return nil
		}
		fmt.Fprintf(os.Stderr, "== pgbench %s\n", o.pgbenchArgs)
		b, err := pgbench(ctx, o.pgbench, o.pgbenchArgs, o.pids["postgres"])
		benches = append(benches, b)
		return err
	}
	if err := runBench(); err != nil {
		return err
	}
	// pgbench leaves ~100,000 dead rows in its accounts: autovacuum would
	// clean them a minute later, in the middle of the first phase, and its
	// work would count against the load. They are cleaned now instead.
	if o.pgbench != "" && !o.readsOnly {
		if out, err := exec.CommandContext(ctx, "psql", "-X", "-q", "-c", "VACUUM (ANALYZE)", o.pgbench).CombinedOutput(); err != nil {
			return fmt.Errorf("vacuuming pgbench's tables: %w\n%s", err, out)
		}
	}
	fmt.Fprintln(os.Stderr, "== setting up curators and reports")
	w, err := setUp(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(os.Stderr, "== scale:", w.scale)
	// Every read first, not counted (warm): a country copied from its
	// template starts with PostgreSQL's caches cold and the services with
	// no database connections open, which a deployed server does not, and
	// the first reads would be the p95 of a phase with a couple of dozen
	// reads of each kind.
	fmt.Fprintf(os.Stderr, "== every read, all at once, %d times, to warm the caches and open the connections (not counted)\n", warmRounds)
	if err := w.warm(ctx); err != nil {
		return fmt.Errorf("warming: %w", err)
	}
	if o.readsOnly {
		fmt.Fprintf(os.Stderr, "== each read alone, %d times\n", o.reads)
		costs, err := w.readCosts(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("scale: %s\n\n", w.scale)
		return reportReads(os.Stdout, costs)
	}
	rss := sampleRSS(ctx, o.pids)
	var phases []*phase
	if o.rate > 0 {
		fmt.Fprintf(os.Stderr, "== %s at %g saves/s\n", o.duration, o.rate)
		phases = append(phases, w.run(ctx, fmt.Sprintf("%g/s", o.rate), o.rate, false, nil))
	}
	fmt.Fprintf(os.Stderr, "== %s of saves alone at the maximum\n", o.duration)
	phases = append(phases, w.run(ctx, "saves", 0, true, func(ctx context.Context) { profile(ctx, o, "saves-") }))
	fmt.Fprintf(os.Stderr, "== %s of everything at the maximum\n", o.duration)
	phases = append(phases, w.run(ctx, "max", 0, false, func(ctx context.Context) { profile(ctx, o, "") }))
	if ctx.Err() != nil {
		return ctx.Err()
	}
	peak := rss()
	var costs []readCost
	if o.reads > 0 {
		fmt.Fprintf(os.Stderr, "== each read alone, %d times\n", o.reads)
		if costs, err = w.readCosts(ctx); err != nil {
			return err
		}
	}
	if err := runBench(); err != nil {
		return err
	}
	fmt.Printf("scale: %s\n\n", w.scale)
	if err := reportReads(os.Stdout, costs); err != nil {
		return err
	}
	return report(os.Stdout, o, benches, phases, peak)
}

// benchRun is one pgbench run: its rate and the CPU one transaction took
// (pgbench itself and PostgreSQL's backends).
type benchRun struct {
	tps   float64
	cpuTx time.Duration
}

// pgbench runs pgbench and measures it.
func pgbench(ctx context.Context, dsn, args string, postmaster int) (benchRun, error) {
	before := cpuTimes(map[string]int{"postgres": postmaster})["postgres"]
	cmd := exec.CommandContext(ctx, "pgbench", append(strings.Fields(args), dsn)...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return benchRun{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	pg := cpuTimes(map[string]int{"postgres": postmaster})["postgres"] - before
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	n := regexp.MustCompile(`number of transactions actually processed: ([0-9]+)`).FindSubmatch(out)
	if m == nil || n == nil {
		return benchRun{}, fmt.Errorf("pgbench printed no tps:\n%s", out)
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	txs, _ := strconv.ParseInt(string(n[1]), 10, 64)
	b := benchRun{tps: tps}
	if txs > 0 {
		b.cpuTx = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime() + pg) / time.Duration(txs)
	}
	return b, nil
}

// client calls the gateway's JSON API.
type client struct {
	base  string
	token string
	http  *http.Client
}

// apiError is a non-2xx answer.
type apiError struct {
	Status int
	Code   string `json:"code"`
	Body   string
}

func (e *apiError) Error() string { return fmt.Sprintf("HTTP %d %s: %.300s", e.Status, e.Code, e.Body) }

func (c client) do(ctx context.Context, method, path string, body, out any) error {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return err
		}
	}
	var buf bytes.Buffer
	raw, err := c.send(ctx, method, path, b, &buf)
	if err != nil || out == nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// send sends a JSON body (nil: none) and reads the answer into buf, whose
// bytes it returns; a non-2xx answer is an *apiError. The savers reuse
// their buffers: the load's own CPU counts against the saves.
func (c client) send(ctx context.Context, method, path string, body []byte, buf *bytes.Buffer) ([]byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header["Content-Type"] = jsonType
	if c.token != "" {
		req.Header["Authorization"] = []string{"Bearer " + c.token}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	raw := buf.Bytes()
	if resp.StatusCode/100 != 2 {
		e := &apiError{Status: resp.StatusCode, Body: string(raw)}
		_ = json.Unmarshal(raw, e)
		return nil, e
	}
	return raw, nil
}

var jsonType = []string{"application/json"}

// get reads path for its status alone, as the dashboards' reads do: the
// answer is read off the connection as it came — compressed, where the
// gateway compressed it — and not inflated, which a browser does on its own
// machine, not on the one the load shares with the services. A non-2xx
// answer is inflated for its message (an *apiError).
func (c client) get(ctx context.Context, path string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header["Accept-Encoding"] = gzipOnly // set here, so the transport does not inflate the answer
	if c.token != "" {
		req.Header["Authorization"] = []string{"Bearer " + c.token}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 == 2 {
		_, err := io.Copy(io.Discard, resp.Body)
		return err
	}
	body := io.Reader(resp.Body)
	if resp.Header.Get("Content-Encoding") == "gzip" {
		if body, err = gzip.NewReader(resp.Body); err != nil {
			return fmt.Errorf("HTTP %d, its answer not gzip: %w", resp.StatusCode, err)
		}
	}
	raw, _ := io.ReadAll(io.LimitReader(body, 1<<20))
	e := &apiError{Status: resp.StatusCode, Body: string(raw)}
	_ = json.Unmarshal(raw, e)
	return e
}

var gzipOnly = []string{"gzip"}

func (c client) as(ctx context.Context, login, password string) (client, error) {
	var tok struct {
		Token string `json:"token"`
	}
	if err := c.do(ctx, "POST", "/v1/auth/token", map[string]string{"login": login, "password": password}, &tok); err != nil {
		return client{}, fmt.Errorf("sign in %s: %w", login, err)
	}
	c.token = tok.Token
	return c, nil
}

// csrfField is the sign-in form's CSRF token.
var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// signInToPages signs in through the sign-in form, as a person does, and
// returns a client that sends the session cookie.
func signInToPages(ctx context.Context, base, login, password string) (client, error) {
	jar, err := cookiejar.New(nil)
	if err != nil {
		return client{}, err
	}
	hc := &http.Client{Timeout: 30 * time.Second, Jar: jar,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 16},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	c := client{base: base, http: hc}
	var buf bytes.Buffer
	page, err := c.send(ctx, "GET", "/login", nil, &buf)
	if err != nil {
		return client{}, fmt.Errorf("the sign-in page: %w", err)
	}
	m := csrfField.FindSubmatch(page)
	if m == nil {
		return client{}, errors.New("the sign-in page has no CSRF token")
	}
	form := url.Values{"login": {login}, "password": {password}, "csrf_token": {string(m[1])}}
	req, err := http.NewRequestWithContext(ctx, "POST", base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return client{}, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		return client{}, fmt.Errorf("sign in %s to the pages: %w", login, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusFound {
		return client{}, fmt.Errorf("sign in %s to the pages: HTTP %d, want a redirect", login, resp.StatusCode)
	}
	return c, nil
}

// reportBody is the part of a report the load needs.
type reportBody struct {
	ID      string                     `json:"id"`
	Status  string                     `json:"status"`
	Version string                     `json:"version"`
	Values  map[string]json.RawMessage `json:"values"`
}

// defaultCurators is how many curators save in a loop unless -curators
// says: sixteen at country scale, eight on the demo data (whose open
// campaign has fourteen organisations without a report). A save passes
// more hops than a pgbench transaction (HTTP, the gateway, gRPC, the
// indicators' group commit), so the maximum needs more of them in flight,
// and more held saves queued at once make larger groups, each save cheaper;
// twenty-four slowed the dashboards at the maximum (the figures of 8, 12,
// 16 and 24: README, "The December peak").
func defaultCurators(country int) int {
	if country > 0 {
		return 16
	}
	return 8
}

// workload is what the phases act on.
type workload struct {
	o           options
	methodology []client // the demo methodologist, one client per reader
	regional    client
	campaign    string // the methodologist's open campaign
	mun         string // the methodologist's municipality
	region      string // the regional centre's region (code)
	year        int    // of the open campaigns
	scale       string // what the readers read, for the table
	savers      []*saver
	cyclers     []*saver
	values      map[string]json.RawMessage // a full valid set

	// The same two people signed in to the pages (a session cookie), for
	// the reads of their start pages.
	methodologistPages, regionalPages client
}

// saver is a curator saving their report. The saves go through a lean
// HTTP/1.1 client (loadhttp) with the request's line and headers prepared
// once: the load's own CPU counts against the saves, as pgbench's lean C
// client's counts against its transactions.
type saver struct {
	c        client
	report   string
	path     string // of the report
	version  int64
	teachers int64
	step     int    // of a report going round its life
	body     []byte // of the last save
	conn     *loadhttp.Conn
	patch    loadhttp.Request
}

// newSaver is c's saver of a report at version.
func newSaver(c client, report, version string, teachers int64) (*saver, error) {
	conn, err := loadhttp.New(c.base)
	if err != nil {
		return nil, err
	}
	s := &saver{c: c, report: report, path: "/v1/reports/" + report, teachers: teachers, conn: conn}
	// What net/http's client sent the gateway, gzip asked for included.
	s.patch = conn.NewRequest("PATCH", s.path, "User-Agent: nastavnik-peakload", "Authorization: Bearer "+c.token,
		"Content-Type: application/json", "Accept-Encoding: gzip")
	return s, s.hold(reportBody{Version: version})
}

// expectedOrg is an organisation a campaign expects, with its state.
type expectedOrg struct {
	ID       string `json:"organisationId"`
	State    string `json:"state"`
	ReportID string `json:"reportId"`
}

// expectedOf lists the organisations a campaign expects.
func expectedOf(ctx context.Context, c client, campaign string) ([]expectedOrg, error) {
	var expected struct {
		Organisations []expectedOrg `json:"organisations"`
	}
	err := c.do(ctx, "GET", "/v1/campaigns/"+campaign+"/organisations?pageSize=500", nil, &expected)
	return expected.Organisations, err
}

// freeOrg is an organisation of an open campaign whose report a curator of
// the load can fill: none yet, or a draft never submitted.
type freeOrg struct {
	campaign, org, report string
}

func setUp(ctx context.Context, o options) (*workload, error) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxIdleConns: 256}}
	anon := client{base: o.base, http: hc}
	op, err := anon.as(ctx, "operator", o.password)
	if err != nil {
		return nil, err
	}
	w := &workload{o: o, region: "24", year: 2026, scale: "the demo data"}
	var free []freeOrg
	methLogin, methPassword, regLogin, regPassword := "methodologist", "Kimc-Krsk-2026", "regional", "Krai-24-centre"
	need := o.curators + o.cyclers
	if o.country > 0 {
		methLogin, methPassword, regLogin, regPassword = "peak-methodologist", "Peak-load-2026-pass", "peak-regional", "Peak-load-2026-pass"
		if free, err = w.countryScopes(ctx, op, need); err != nil {
			return nil, err
		}
		for _, a := range []struct{ login, password, name, role, scope string }{
			{methLogin, methPassword, "Нагрузочный методист", "ROLE_METHODOLOGIST", w.mun},
			{regLogin, regPassword, "Нагрузочный региональный центр", "ROLE_REGIONAL", w.region},
		} {
			if err := createAccount(ctx, op, a.login, a.password, a.name, a.role, a.scope); err != nil {
				return nil, err
			}
		}
	}
	meth, err := anon.as(ctx, methLogin, methPassword)
	if err != nil {
		return nil, err
	}
	w.methodology = []client{meth}
	if w.regional, err = anon.as(ctx, regLogin, regPassword); err != nil {
		return nil, err
	}
	if w.methodologistPages, err = signInToPages(ctx, o.base, methLogin, methPassword); err != nil {
		return nil, err
	}
	if w.regionalPages, err = signInToPages(ctx, o.base, regLogin, regPassword); err != nil {
		return nil, err
	}
	if o.country == 0 {
		var campaigns struct {
			Campaigns []struct {
				ID             string `json:"id"`
				Status         string `json:"status"`
				MunicipalityID string `json:"municipalityId"`
			} `json:"campaigns"`
		}
		if err := meth.do(ctx, "GET", "/v1/campaigns?year=2026", nil, &campaigns); err != nil {
			return nil, err
		}
		for _, c := range campaigns.Campaigns {
			if c.Status == "CAMPAIGN_STATUS_OPEN" {
				w.campaign, w.mun = c.ID, c.MunicipalityID
			}
		}
		if w.campaign == "" {
			return nil, fmt.Errorf("no open 2026 campaign for the methodologist (is the demo data loaded?): %+v", campaigns)
		}
		expected, err := expectedOf(ctx, meth, w.campaign)
		if err != nil {
			return nil, err
		}
		states := map[string]int{}
		for _, e := range expected {
			states[e.State]++
			if e.State == "REPORT_STATE_MISSING" && e.ReportID == "" {
				free = append(free, freeOrg{campaign: w.campaign, org: e.ID})
			}
		}
		if len(free) < need {
			return nil, fmt.Errorf("the campaign has %d organisations without a report (states %v); need %d", len(free), states, need)
		}
		w.scale = fmt.Sprintf("the demo data: region 24, a municipality of %d organisations", len(expected))
	}
	// A full valid set of values: an accepted report's of the methodologist's campaign.
	expected, err := expectedOf(ctx, meth, w.campaign)
	if err != nil {
		return nil, err
	}
	for _, e := range expected {
		if e.State == "REPORT_STATE_ACCEPTED" {
			var r reportBody
			if err := meth.do(ctx, "GET", "/v1/reports/"+e.ReportID, nil, &r); err != nil {
				return nil, err
			}
			w.values = r.Values
			break
		}
	}
	if w.values == nil {
		return nil, fmt.Errorf("no accepted report in the campaign %s", w.campaign)
	}
	var teachers struct {
		Count string `json:"count"`
	}
	if err := json.Unmarshal(w.values["teachers_total"], &teachers); err != nil {
		return nil, fmt.Errorf("teachers_total of the accepted report: %w", err)
	}
	base, err := strconv.ParseInt(teachers.Count, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("teachers_total %q: %w", teachers.Count, err)
	}
	all, err := json.Marshal(w.values)
	if err != nil {
		return nil, err
	}
	for i, f := range free[:need] {
		// The login names the organisation too: an account made by an
		// earlier run against the same database (PEAK_HOLD) keeps the scope
		// it was made with, and a later run picks other organisations.
		login, pw := fmt.Sprintf("peak-curator-%02d-%.8s", i+1, f.org), "Peak-load-2026-pass"
		if err := createAccount(ctx, op, login, pw, "Нагрузочный куратор "+strconv.Itoa(i+1), "ROLE_CURATOR", f.org); err != nil {
			return nil, err
		}
		cur, err := anon.as(ctx, login, pw)
		if err != nil {
			return nil, err
		}
		var r reportBody
		if f.report == "" {
			err = cur.do(ctx, "POST", "/v1/campaigns/"+f.campaign+"/reports", map[string]any{"organisationId": f.org}, &r)
		} else {
			err = cur.do(ctx, "GET", "/v1/reports/"+f.report, nil, &r)
		}
		if err != nil {
			return nil, fmt.Errorf("the report of %s: %w", f.org, err)
		}
		s, err := newSaver(cur, r.ID, r.Version, base)
		if err != nil {
			return nil, err
		}
		if err := s.save(ctx, all); err != nil {
			return nil, fmt.Errorf("fill the report of %s: %w", f.org, err)
		}
		if i < o.curators {
			w.savers = append(w.savers, s)
		} else {
			w.cyclers = append(w.cyclers, s)
		}
	}
	// A second reader of the methodologist's dashboards with its own token.
	if meth2, err := anon.as(ctx, methLogin, methPassword); err == nil {
		w.methodology = append(w.methodology, meth2)
	}
	return w, nil
}

// createAccount creates an account with one role (an existing one is kept).
func createAccount(ctx context.Context, op client, login, password, name, role, scope string) error {
	err := op.do(ctx, "POST", "/v1/accounts", map[string]any{"password": password, "account": map[string]any{
		"login": login, "name": name, "roles": []map[string]string{{"role": role, "scope": scope}}}}, nil)
	var ae *apiError
	if err != nil && !(errors.As(err, &ae) && ae.Status == http.StatusConflict) {
		return fmt.Errorf("account %s: %w", login, err)
	}
	return nil
}

// countryScopes picks, in a loaded country, the region with the most
// organisations for the regional centre and, for the methodologist, the
// first municipality of it whose open campaign has an accepted report and
// room for the cyclers; the writers take organisations of the region's open
// campaigns with no report or a draft (the cyclers the methodologist's).
func (w *workload) countryScopes(ctx context.Context, op client, need int) ([]freeOrg, error) {
	if now := time.Now(); now.Month() >= time.October {
		w.year = now.Year()
	} else {
		w.year = now.Year() - 1
	}
	var regions struct {
		Regions []struct {
			Code string `json:"code"`
		} `json:"regions"`
	}
	if err := op.do(ctx, "GET", "/v1/regions?pageSize=500", nil, &regions); err != nil {
		return nil, err
	}
	type page struct {
		Total int `json:"totalSize"`
	}
	most := 0
	for _, r := range regions.Regions {
		var p page
		if err := op.do(ctx, "GET", "/v1/organisations?pageSize=1&region="+r.Code, nil, &p); err != nil {
			return nil, err
		}
		if p.Total > most {
			most, w.region = p.Total, r.Code
		}
	}
	if most == 0 {
		return nil, fmt.Errorf("no region with organisations among %d (is the country loaded?)", len(regions.Regions))
	}
	var muns page
	if err := op.do(ctx, "GET", "/v1/municipalities?pageSize=1&region="+w.region, nil, &muns); err != nil {
		return nil, err
	}
	var mine, others []freeOrg
	munOrgs := 0
	seen := map[string]bool{}
	// The region's open campaigns, then (a small country) any region's.
	for _, region := range []string{w.region, ""} {
		var campaigns struct {
			Campaigns []struct {
				ID             string `json:"id"`
				MunicipalityID string `json:"municipalityId"`
			} `json:"campaigns"`
		}
		q := fmt.Sprintf("/v1/campaigns?pageSize=500&status=CAMPAIGN_STATUS_OPEN&year=%d&region=%s", w.year, region)
		if err := op.do(ctx, "GET", q, nil, &campaigns); err != nil {
			return nil, err
		}
		for _, c := range campaigns.Campaigns {
			if w.campaign != "" && len(mine)+len(others) >= need {
				break
			}
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			expected, err := expectedOf(ctx, op, c.ID)
			if err != nil {
				return nil, err
			}
			var fs []freeOrg
			accepted := false
			for _, e := range expected {
				accepted = accepted || e.State == "REPORT_STATE_ACCEPTED"
				if e.State == "REPORT_STATE_MISSING" {
					fs = append(fs, freeOrg{campaign: c.ID, org: e.ID, report: e.ReportID})
				}
			}
			if w.campaign == "" && region != "" && accepted && len(fs) >= w.o.cyclers {
				w.campaign, w.mun, munOrgs = c.ID, c.MunicipalityID, len(expected)
				mine = fs
			} else {
				others = append(others, fs...)
			}
		}
	}
	if w.campaign == "" || len(mine)+len(others) < need {
		return nil, fmt.Errorf("region %s: no open %d campaign with an accepted report and %d organisations to report, or fewer than %d such in the country",
			w.region, w.year, w.o.cyclers, need)
	}
	// The cyclers come last (free[o.curators:]): the methodologist's own.
	cyc := mine[:w.o.cyclers]
	free := append(append(append([]freeOrg(nil), mine[w.o.cyclers:]...), others...)[:need-w.o.cyclers], cyc...)
	w.scale = fmt.Sprintf("a country of %d organisations: region %s (%d municipalities, %d organisations), a municipality of %d organisations",
		w.o.country, w.region, muns.Total, most, munOrgs)
	return free, nil
}

// save sends values (a JSON object by field code) with the version held and
// keeps the new version. It asks for the BASIC view: the saver holds the
// values it sent, as the report page does.
func (s *saver) save(ctx context.Context, values []byte) error {
	raw, err := s.send(ctx, s.version, values)
	if err != nil {
		return err
	}
	v, ok := loadhttp.TopString(raw, "version")
	if !ok {
		return fmt.Errorf("a save answered no version: %.300s", raw)
	}
	return s.hold(reportBody{Version: v})
}

// send PATCHes the report with values based on version and returns the
// answer's body (valid until the next call); a non-2xx answer is an
// *apiError.
func (s *saver) send(ctx context.Context, version int64, values []byte) ([]byte, error) {
	b := append(s.body[:0], `{"version":"`...)
	b = strconv.AppendInt(b, version, 10)
	b = append(b, `","view":"REPORT_VIEW_BASIC","values":`...)
	b = append(append(b, values...), '}')
	s.body = b
	status, raw, err := s.conn.Do(ctx, s.patch, b)
	if err != nil {
		return nil, err
	}
	if status/100 != 2 {
		e := &apiError{Status: status, Body: string(raw)}
		_ = json.Unmarshal(raw, e)
		return nil, e
	}
	return raw, nil
}

func (s *saver) hold(r reportBody) error {
	v, err := strconv.ParseInt(r.Version, 10, 64)
	if err != nil {
		return fmt.Errorf("version %q: %w", r.Version, err)
	}
	s.version = v
	return nil
}

// nextCount is one changed count (the values' JSON): teachers grow and fall
// back within 60, above the accepted report's figure, so no rule is broken.
func (s *saver) nextCount() []byte {
	s.teachers++
	n := s.teachers
	if n%60 == 0 {
		s.teachers -= 59
	}
	b := strconv.AppendInt([]byte(`{"teachers_total":{"count":"`), n, 10)
	return append(b, `"}}`...)
}

// phase is one bounded run of the workload.
type phase struct {
	name    string
	elapsed time.Duration
	cpu     map[string]time.Duration // CPU time each process used in the phase
	machine time.Duration            // CPU time the whole machine was busy in the phase (/proc/stat)
	groups  writeGroups              // the indicators' group commit in the phase
	load    [2]string                // the 1-minute load average at its start and end
	mu      sync.Mutex
	ops     map[string]*opStats
	samples []string // first errors
}

type opStats struct {
	durations []time.Duration
	errors    int
	expected  int // answers the load asked for (stale-version 409s)
}

// outcome of one call.
type outcome int

const (
	ok outcome = iota
	expected
	failed
)

func (p *phase) record(op string, d time.Duration, out outcome, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.ops[op]
	if s == nil {
		s = &opStats{}
		p.ops[op] = s
	}
	s.durations = append(s.durations, d)
	switch out {
	case expected:
		s.expected++
	case failed:
		s.errors++
		if len(p.samples) < 10 {
			p.samples = append(p.samples, fmt.Sprintf("%s: %v", op, err))
		}
	}
}

// timed runs one call and records it.
func (p *phase) timed(op string, f func() (outcome, error)) outcome {
	start := time.Now()
	out, err := f()
	if out == ok && err != nil {
		out = failed
	}
	p.record(op, time.Since(start), out, err)
	return out
}

// pace waits for the next slot of a fixed rate (nothing at rate 0).
type pacer struct {
	every time.Duration
	next  time.Time
}

// newPacer paces one client at rate, its slots shifted by a random part
// of a period drawn from seed: people do not act in step, and clients
// whose slots all fell on the same instants would meet each other on
// every one (eight saves and three reads at once, then nothing).
func newPacer(rate float64, seed uint64) *pacer {
	if rate <= 0 {
		return &pacer{}
	}
	every := time.Duration(float64(time.Second) / rate)
	shift := time.Duration(rand.New(rand.NewPCG(seed, 2026)).Float64() * float64(every))
	return &pacer{every: every, next: time.Now().Add(shift - every)}
}

func (p *pacer) wait(ctx context.Context) bool {
	if p.every == 0 {
		return ctx.Err() == nil
	}
	p.next = p.next.Add(p.every)
	if d := time.Until(p.next); d > 0 {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
		}
	} else if d < -time.Second {
		p.next = time.Now() // fell behind: do not burst
	}
	return ctx.Err() == nil
}

// run is one phase: saves at rate (0: as fast as the curators go), the
// review cycles and the dashboard reads at their fixed rates.
func (w *workload) run(parent context.Context, name string, rate float64, savesOnly bool, during func(context.Context)) *phase {
	p := &phase{name: name, ops: map[string]*opStats{}}
	// ctx ends the phase: no call starts after it; the calls themselves run
	// on calls, so those in flight finish and count.
	calls := parent
	ctx, cancel := context.WithTimeout(parent, w.o.duration)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	p.load[0] = loadAverage()
	cpu0, machine0, groups0 := cpuTimes(w.o.pids), machineBusy(), scrapeWriteGroups(w.o.metrics["indicators"])
	if during != nil {
		wg.Go(func() { during(ctx) })
	}
	for i, s := range w.savers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(i), 15))
			pc := newPacer(rate/float64(len(w.savers)), uint64(i))
			for pc.wait(ctx) {
				if rng.Float64() < w.o.stale {
					p.timed("save, stale version (409 expected)", func() (outcome, error) {
						_, err := s.send(calls, s.version-1, s.nextCount())
						var ae *apiError
						if errors.As(err, &ae) && ae.Status == http.StatusConflict && ae.Code == "ABORTED" {
							return expected, nil
						}
						return failed, fmt.Errorf("a stale save answered %v, want 409 ABORTED", err)
					})
					continue
				}
				p.timed("save", func() (outcome, error) { return ok, s.save(calls, s.nextCount()) })
			}
		})
	}
	for i, s := range w.cyclers {
		if savesOnly {
			break
		}
		meth := w.methodology[0]
		wg.Go(func() { w.cycle(ctx, calls, p, s, meth, i) })
	}
	var readers []client
	if !savesOnly {
		readers = append(append(readers, w.methodology...), w.regional)
	}
	for i, c := range readers {
		wg.Go(func() { w.read(ctx, calls, p, c, i == len(readers)-1, w.o.readRate/float64(len(readers)), i) })
	}
	wg.Wait()
	p.elapsed = time.Since(start)
	p.load[1] = loadAverage()
	p.cpu = cpuTimes(w.o.pids)
	for n, t := range cpu0 {
		p.cpu[n] -= t
	}
	p.machine = machineBusy() - machine0
	p.groups = scrapeWriteGroups(w.o.metrics["indicators"]).minus(groups0)
	return p
}

// machineBusy is the CPU time the whole machine has been busy so far, every
// core together: /proc/stat's user, nice, system, irq, softirq and steal
// (clock ticks of 10 ms). Beside the processes' own (cpuTimes) it shows what
// none of them is charged with — the kernel's loopback softirq work run
// outside their context, other processes — and, with the cores, what is idle.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} { // user nice system (idle iowait) irq softirq steal
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond
}

// writeGroups is what the indicators' /metrics tell of their group commit
// (nastavnik_report_write_group_size): the groups sent, the held saves in
// them, and those of one save (sent alone); and, where they tell it
// (nastavnik_report_write_flush_seconds_total), the seconds the flushes were
// on their way.
type writeGroups struct {
	groups, saves, alone float64
	busy                 float64
	ok, busyOK           bool
}

func (g writeGroups) minus(before writeGroups) writeGroups {
	return writeGroups{g.groups - before.groups, g.saves - before.saves, g.alone - before.alone, g.busy - before.busy,
		g.ok && before.ok, g.busyOK && before.busyOK}
}

// scrapeWriteGroups reads the group commit's histogram from the metrics
// side port addr (host:port; empty: none).
func scrapeWriteGroups(addr string) writeGroups {
	if addr == "" {
		return writeGroups{}
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return writeGroups{}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil || resp.StatusCode != http.StatusOK {
		return writeGroups{}
	}
	var g writeGroups
	found := 0
	for line := range strings.Lines(string(b)) {
		name, value, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok {
			continue
		}
		var dest *float64
		switch name {
		case "nastavnik_report_write_group_size_count":
			dest = &g.groups
		case "nastavnik_report_write_group_size_sum":
			dest = &g.saves
		case `nastavnik_report_write_group_size_bucket{le="1"}`:
			dest = &g.alone
		case "nastavnik_report_write_flush_seconds_total":
			if v, err := strconv.ParseFloat(value, 64); err == nil {
				g.busy, g.busyOK = v, true
			}
			continue
		default:
			continue
		}
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			*dest = v
			found++
		}
	}
	g.ok = found == 3
	g.busyOK = g.busyOK && g.ok
	return g
}

// loadAverage is the machine's 1-minute load average ("?" if unknown).
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}

// cpuTimes is the CPU time (user and system) each process has used so far;
// "postgres" counts the postmaster and every backend it started, "peakload"
// this process.
func cpuTimes(pids map[string]int) map[string]time.Duration {
	out := map[string]time.Duration{}
	for name, pid := range pids {
		out[name] = procCPU(pid)
		if name == "postgres" {
			entries, _ := os.ReadDir("/proc")
			for _, e := range entries {
				child, err := strconv.Atoi(e.Name())
				if err == nil && procParent(child) == pid {
					out[name] += procCPU(child)
				}
			}
		}
	}
	out["peakload"] = procCPU(os.Getpid())
	return out
}

// procStat is the fields of /proc/PID/stat after the command's name.
func procStat(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}

func procParent(pid int) int {
	f := procStat(pid)
	if len(f) < 2 {
		return 0
	}
	n, _ := strconv.Atoi(f[1])
	return n
}

// procCPU reads utime and stime (clock ticks of 10 ms).
func procCPU(pid int) time.Duration {
	f := procStat(pid)
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}

// cycle takes a report round its life: submit, returned by the
// methodologist, corrected, submitted again, accepted, reopened; about one
// step a second. The report's place in the round is kept between phases.
func (w *workload) cycle(ctx, calls context.Context, p *phase, s *saver, meth client, i int) {
	type step struct {
		op, path string
		reviewer bool
		body     func() map[string]any
	}
	steps := []step{
		{"submit", ":submit", false, func() map[string]any { return map[string]any{"confirmWarnings": true} }},
		{"return", ":return", true, func() map[string]any {
			return map[string]any{"comment": "Проверьте численность педагогов на 1 декабря."}
		}},
		{"save", "", false, nil},
		{"submit", ":submit", false, func() map[string]any { return map[string]any{"confirmWarnings": true} }},
		{"accept", ":accept", true, func() map[string]any { return map[string]any{} }},
		{"reopen", ":reopen", true, func() map[string]any {
			return map[string]any{"reason": "Нагрузочная проверка " + strconv.Itoa(i)}
		}},
	}
	pc := newPacer(1, 100+uint64(i))
	for pc.wait(ctx) {
		st := steps[s.step%len(steps)]
		out := p.timed(st.op, func() (outcome, error) {
			if st.body == nil {
				return ok, s.save(calls, s.nextCount())
			}
			c := s.c
			if st.reviewer {
				c = meth
			}
			body := st.body()
			body["version"] = s.version
			var r reportBody
			if err := c.do(calls, "POST", "/v1/reports/"+s.report+st.path, body, &r); err != nil {
				return failed, err
			}
			return ok, s.hold(r)
		})
		if out != ok {
			return
		}
		s.step++
	}
}

// read pulls dashboards in turn: a methodologist the campaign's completeness
// and the municipality's schools' indicators; the regional centre what its
// page reads (its municipalities' aggregates, the country by region, the
// region's completeness counted by municipality) and two export-sized reads:
// the XLSX export and the region's completeness with every organisation
// listed (what an API client asks for; the page never does). seed shifts
// its slots (newPacer).
func (w *workload) read(ctx, calls context.Context, p *phase, c client, regional bool, rate float64, seed int) {
	pc := newPacer(rate, 200+uint64(seed))
	paths := w.readPaths(regional)
	for i := 0; pc.wait(ctx); i++ {
		q := paths[i%len(paths)]
		p.timed(q.op, func() (outcome, error) { return ok, q.by(c).get(calls, q.path) })
	}
}

// readOp is one kind of read: a path, and the client that reads it when
// it is not the reader's own (the pages, read with a session).
type readOp struct {
	op, path string
	pages    *client
}

// readPaths are the reads of a methodologist or of the regional centre:
// the API's and their start pages (the dashboard, the region's page).
func (w *workload) readPaths(regional bool) []readOp {
	paths := []readOp{
		{"completeness (methodologist)", "/v1/completeness?campaignId=" + w.campaign, nil},
		{"aggregates of schools (methodologist)", fmt.Sprintf("/v1/aggregates?level=LEVEL_ORGANISATION&parent=%s&years=%d&years=%d&basis=BASIS_SUBMITTED", w.mun, w.year-1, w.year), nil},
		{"page: the dashboard (methodologist)", "/", &w.methodologistPages},
	}
	if regional {
		r, y := w.region, w.year
		paths = []readOp{
			{"aggregates by municipality (regional)", fmt.Sprintf("/v1/aggregates?level=LEVEL_MUNICIPALITY&parent=%s&years=%d&years=%d", r, y-1, y), nil},
			{"aggregates by region (regional)", fmt.Sprintf("/v1/aggregates?level=LEVEL_REGION&years=%d&years=%d", y-1, y), nil},
			{"completeness of the region by municipality (regional)", fmt.Sprintf("/v1/completeness?year=%d&region=%s&countsOnly=true", y, r), nil},
			{"page: the region (regional)", "/", &w.regionalPages},
			{"export JSON: completeness of the region, every organisation (regional)", fmt.Sprintf("/v1/completeness?year=%d&region=%s", y, r), nil},
			{"export XLSX (regional)", fmt.Sprintf("/v1/aggregates:download?query.level=LEVEL_MUNICIPALITY&query.parent=%s&query.years=%d&format=EXPORT_FORMAT_XLSX", r, y), nil},
		}
	}
	return paths
}

// by is the client that reads q: its own for a page, else c.
func (q readOp) by(c client) client {
	if q.pages != nil {
		return *q.pages
	}
	return c
}

// eachRead calls fn with every kind of read of the methodologist and the
// regional centre and the client that reads it, in turn.
func (w *workload) eachRead(fn func(c client, q readOp) error) error {
	for _, regional := range []bool{false, true} {
		c := w.regional
		if !regional {
			c = w.methodology[0]
		}
		for _, q := range w.readPaths(regional) {
			if err := fn(q.by(c), q); err != nil {
				return fmt.Errorf("%s: %w", q.op, err)
			}
		}
	}
	return nil
}

// warmRounds is how many times warm reads every dashboard and export.
const warmRounds = 3

// warm reads every dashboard and export warmRounds times, each round all of
// them at once. A deployed server's caches are warm and its services' pools
// of database connections open: a stack just started has neither, and a
// connection's first statements pay for its backend's catalog caches and
// their own preparing — over 100 ms for the region's page at the first
// phase's start, when its six calls to the indicators (and the
// methodologists' beside it) opened connections of their own. Reading
// everything at once opens as many connections as the phases will use.
func (w *workload) warm(ctx context.Context) error {
	for range warmRounds {
		var g errgroup.Group
		_ = w.eachRead(func(c client, q readOp) error { // only starts the reads: never fails
			g.Go(func() error {
				if err := c.get(ctx, q.path); err != nil {
					return fmt.Errorf("%s: %w", q.op, err)
				}
				return nil
			})
			return nil
		})
		if err := g.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// readCost is what one kind of read costs alone: its times and the CPU a
// read took in each process.
type readCost struct {
	op       string
	n        int
	p50, p95 time.Duration
	cpu      map[string]time.Duration
}

// readCosts reads each dashboard and export alone (nothing else of the load
// running), one request at a time, o.reads times after one to warm it: its
// CPU a read in every process — the figure other work on the machine
// disturbs least — and its times when nothing of the load competes.
func (w *workload) readCosts(ctx context.Context) ([]readCost, error) {
	var out []readCost
	err := w.eachRead(func(c client, q readOp) error {
		if !strings.Contains(q.op, w.o.readsOf) {
			return nil
		}
		if err := c.get(ctx, q.path); err != nil {
			return err
		}
		cpu0 := readCPU(w.o.pids)
		ds := make([]time.Duration, 0, w.o.reads)
		for range w.o.reads {
			start := time.Now()
			if err := c.get(ctx, q.path); err != nil {
				return err
			}
			ds = append(ds, time.Since(start))
		}
		cpu := readCPU(w.o.pids)
		for n := range cpu {
			cpu[n] = (cpu[n] - cpu0[n]) / time.Duration(len(ds))
		}
		slices.Sort(ds)
		out = append(out, readCost{op: q.op, n: len(ds), p50: percentile(ds, .5), p95: percentile(ds, .95), cpu: cpu})
		return nil
	})
	return out, err
}

// readCPU is cpuTimes with, for PostgreSQL, its client backends alone
// (connected over TCP): the autovacuum that follows the phases' writes is
// not a read's.
func readCPU(pids map[string]int) map[string]time.Duration {
	out := cpuTimes(pids)
	pg, ok := pids["postgres"]
	if !ok {
		return out
	}
	out["postgres"] = 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil || procParent(child) != pg {
			continue
		}
		if cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", child)); bytes.Contains(cmd, []byte("127.0.0.1(")) {
			out["postgres"] += procCPU(child)
		}
	}
	return out
}

// reportReads prints the reads alone: times and CPU a read by process.
func reportReads(out io.Writer, costs []readCost) error {
	if len(costs) == 0 {
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "each read alone, one at a time (%d times; postgres: its client backends)\tp50 ms\tp95 ms\tCPU ms a read\tof which\t\n", costs[0].n)
	for _, c := range costs {
		var total time.Duration
		var parts []string
		for _, n := range slices.Sorted(maps.Keys(c.cpu)) {
			total += c.cpu[n]
			parts = append(parts, fmt.Sprintf("%s %.1f", n, float64(c.cpu[n].Microseconds())/1000))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f\t%s\t\n", c.op, ms(c.p50), ms(c.p95), float64(total.Microseconds())/1000, strings.Join(parts, ", "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintln(out)
	return err
}

// profile takes a CPU profile of every side port over most of the phase,
// into the file prefix+name.pprof.
func profile(ctx context.Context, o options, prefix string) {
	if o.profile == "" || len(o.metrics) == 0 {
		return
	}
	if err := os.MkdirAll(o.profile, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	secs := max(int(o.duration.Seconds())-4, 1)
	select {
	case <-ctx.Done():
		return
	case <-time.After(2 * time.Second):
	}
	var wg sync.WaitGroup
	for name, addr := range o.metrics {
		wg.Go(func() {
			u := url.URL{Scheme: "http", Host: addr, Path: "/debug/pprof/profile", RawQuery: "seconds=" + strconv.Itoa(secs)}
			resp, err := http.Get(u.String())
			if err != nil {
				fmt.Fprintln(os.Stderr, "profile", name, err)
				return
			}
			defer resp.Body.Close()
			b, err := io.ReadAll(resp.Body)
			if err == nil && resp.StatusCode == 200 {
				err = os.WriteFile(filepath.Join(o.profile, prefix+name+".pprof"), b, 0o644)
			}
			if err != nil || resp.StatusCode != 200 {
				fmt.Fprintln(os.Stderr, "profile", name, resp.Status, err)
			}
		})
	}
	wg.Wait()
}

// sampleRSS samples each process's resident set from /proc until ctx ends
// or the returned function is called, which gives the largest, in bytes.
func sampleRSS(ctx context.Context, pids map[string]int) func() map[string]int64 {
	peak := map[string]int64{}
	var mu sync.Mutex
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			for name, pid := range pids {
				if rss, err := readRSS(pid); err == nil {
					mu.Lock()
					peak[name] = max(peak[name], rss)
					mu.Unlock()
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() map[string]int64 {
		close(done)
		<-stopped
		mu.Lock()
		defer mu.Unlock()
		return peak
	}
}

func readRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

func percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(int(q*float64(len(sorted))), len(sorted)-1)]
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

// report prints the table and the bar.
func report(out io.Writer, o options, benches []benchRun, phases []*phase, rss map[string]int64) error {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "phase\toperation\trequests\trate/s\tp50 ms\tp95 ms\tp99 ms\terrors\texpected 409\t")
	var errs int
	rates := map[string]float64{}
	dashP95, exportP95 := map[string]time.Duration{}, map[string]time.Duration{}
	for _, p := range phases {
		for _, n := range slices.Sorted(maps.Keys(p.ops)) {
			s := p.ops[n]
			slices.Sort(s.durations)
			r := float64(len(s.durations)) / p.elapsed.Seconds()
			fmt.Fprintf(tw, "%s\t%s\t%d\t%.1f\t%s\t%s\t%s\t%d\t%d\t\n", p.name, n, len(s.durations), r,
				ms(percentile(s.durations, .5)), ms(percentile(s.durations, .95)), ms(percentile(s.durations, .99)), s.errors, s.expected)
			errs += s.errors
			if n == "save" {
				rates[p.name] = r
			}
			switch {
			case strings.HasPrefix(n, "aggregates") || strings.HasPrefix(n, "completeness") || strings.HasPrefix(n, "page"):
				dashP95[p.name] = max(dashP95[p.name], percentile(s.durations, .95))
			case strings.HasPrefix(n, "export"):
				exportP95[p.name] = max(exportP95[p.name], percentile(s.durations, .95))
			}
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, p := range phases {
		for _, s := range p.samples {
			fmt.Fprintf(out, "error (%s): %s\n", p.name, s)
		}
	}
	var loads []string
	for _, p := range phases {
		loads = append(loads, fmt.Sprintf("%s %s → %s", p.name, p.load[0], p.load[1]))
	}
	fmt.Fprintf(out, "load average (1 min) at each phase's start and end: %s\n", strings.Join(loads, "; "))
	fmt.Fprintln(out)
	if len(benches) > 0 {
		var tps float64
		var cpuTx time.Duration
		var parts []string
		for _, b := range benches {
			tps += b.tps / float64(len(benches))
			cpuTx += b.cpuTx / time.Duration(len(benches))
			parts = append(parts, fmt.Sprintf("%.0f", b.tps))
		}
		fmt.Fprintf(out, "pgbench %s on the same PostgreSQL, before and after the load: %s TPS (mean %.0f); CPU %.2f ms a transaction (pgbench and its backends)\n",
			o.pgbenchArgs, strings.Join(parts, " and "), tps, float64(cpuTx.Microseconds())/1000)
		fmt.Fprintf(out, "saves through the gateway, alone at the maximum: %.0f/s = %.1f %% of pgbench's mean TPS (bar ≥ 30 %%); with everything else: %.0f/s = %.1f %%\n",
			rates["saves"], 100*rates["saves"]/tps, rates["max"], 100*rates["max"]/tps)
		for _, p := range phases {
			if p.name != "saves" || rates["saves"] == 0 {
				continue
			}
			saves := rates["saves"] * p.elapsed.Seconds()
			var total time.Duration
			var parts []string
			for _, n := range slices.Sorted(maps.Keys(p.cpu)) {
				total += p.cpu[n]
				parts = append(parts, fmt.Sprintf("%s %.2f", n, float64(p.cpu[n].Microseconds())/1000/saves))
			}
			perSave := float64(total.Microseconds()) / 1000 / saves
			fmt.Fprintf(out, "CPU ms a save, alone at the maximum: %.2f (%s): a save costs %.1f pgbench transactions, i.e. on the same CPU saves run at %.1f %% of pgbench's rate\n",
				perSave, strings.Join(parts, ", "), perSave/(float64(cpuTx.Microseconds())/1000), 100*float64(cpuTx.Microseconds())/1000/perSave)
			secs := p.elapsed.Seconds()
			fmt.Fprintf(out, "the machine in that phase: %.2f of %d cores busy, the processes above %.2f\n",
				p.machine.Seconds()/secs, runtime.NumCPU(), total.Seconds()/secs)
			if g := p.groups; g.ok && g.saves > 0 {
				fmt.Fprintf(out, "held saves written in that phase (the indicators' group commit): %.0f/s, %.1f %% of them alone, the rest in %.0f groups of %.2f on average\n",
					g.saves/secs, 100*g.alone/g.saves, g.groups-g.alone, (g.saves-g.alone)/max(g.groups-g.alone, 1))
				if g.busyOK && g.groups > 0 {
					fmt.Fprintf(out, "the flush on its way to the database %.1f %% of that phase; a group's round trip %.2f ms on average\n",
						100*g.busy/secs, 1000*g.busy/g.groups)
				}
			}
		}
	}
	if o.rate > 0 {
		fmt.Fprintf(out, "dashboards' p95 (the worst of them) at %g saves/s: %s ms; ", o.rate, ms(dashP95[fmt.Sprintf("%g/s", o.rate)]))
	}
	fmt.Fprintf(out, "with everything at the maximum: %s ms (bar ≤ 100 ms)\n", ms(dashP95["max"]))
	if o.rate > 0 {
		fmt.Fprintf(out, "exports' p95 (XLSX, the region's every organisation as JSON; not dashboards) at %g saves/s: %s ms; ", o.rate, ms(exportP95[fmt.Sprintf("%g/s", o.rate)]))
	}
	fmt.Fprintf(out, "with everything at the maximum: %s ms\n", ms(exportP95["max"]))
	var parts []string
	for _, n := range slices.Sorted(maps.Keys(rss)) {
		parts = append(parts, fmt.Sprintf("%s %.0f MB", n, float64(rss[n])/(1<<20)))
	}
	fmt.Fprintf(out, "largest RSS (bar ≤ 150 MB each; postgres: the postmaster): %s\n", strings.Join(parts, ", "))
	fmt.Fprintf(out, "errors: %d\n", errs)
	if errs > 0 {
		return fmt.Errorf("%d errors", errs)
	}
	return nil
}
