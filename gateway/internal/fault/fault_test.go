package fault_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
)

// platform is the processes of a whole deployment over one cluster.
type platform struct {
	root                        string
	db                          *cluster
	registry, roadmap, gateway  *proc
	indicators                  *proc
	base                        string
	indicatorsReady, gatewayURL string
}

const operatorPassword = "Fault-test-ops-2026"

func startPlatform(t *testing.T) *platform {
	t.Helper()
	root := repoRoot(t)
	bins := buildBinaries(t, root)
	logs := t.TempDir()
	db := newDatabase(t, root, bins)
	key := identityKey()
	addr := func() string { return fmt.Sprintf("127.0.0.1:%d", freePort(t)) }
	regAddr, rmAddr, indAddr, indMetrics, httpAddr := addr(), addr(), addr(), addr(), addr()
	service := func(name, grpcAddr, metricsAddr string) *proc {
		return newProc(t, bins, logs, name, name, "DATABASE_URL="+db.roleURL(name), "GRPC_ADDR="+grpcAddr,
			"METRICS_ADDR="+metricsAddr, "REGISTRY_ADDR="+regAddr, "IDENTITY_KEY="+key, "LOG_LEVEL=warn",
			"SHUTDOWN_TIMEOUT=2s", "DATABASE_CONNECT_TIMEOUT=60s")
	}
	p := &platform{root: root, db: db, base: "http://" + httpAddr, indicatorsReady: "http://" + indMetrics + "/readyz"}
	p.registry = service("registry", regAddr, addr())
	p.roadmap = service("roadmap", rmAddr, addr())
	p.indicators = service("indicators", indAddr, indMetrics)
	p.gateway = newProc(t, bins, logs, "gateway", "gateway", "HTTP_ADDR="+httpAddr, "METRICS_ADDR="+addr(),
		"REGISTRY_ADDR="+regAddr, "ROADMAP_ADDR="+rmAddr, "INDICATORS_ADDR="+indAddr, "IDENTITY_KEY="+key,
		"LOG_LEVEL=warn", "SHUTDOWN_TIMEOUT=2s", "REQUEST_TIMEOUT=20s")
	// The services start before the database: they wait for it with
	// backoff and become ready once it is up.
	db.stop("fast")
	for _, x := range p.procs() {
		x.start()
	}
	// The database starts once every service has found it missing and said
	// it waits (a process may take seconds to start on a loaded machine).
	waiting := func(x *proc) bool {
		b, _ := os.ReadFile(x.log)
		return strings.Contains(string(b), "database is not answering; retrying")
	}
	for _, x := range []*proc{p.registry, p.roadmap, p.indicators} {
		deadline := time.Now().Add(90 * time.Second)
		for !waiting(x) && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if !waiting(x) {
			t.Errorf("%s did not say it waits for the database\n%s", x.name, x.tail())
		}
	}
	db.start()
	waitReady(t, p.base+"/readyz", 90*time.Second, p.procs()...)
	return p
}

// newDatabase starts a cluster of the test's own with the platform's
// database and roles (dbinit) and the operator account.
func newDatabase(t *testing.T, root, bins string) *cluster {
	t.Helper()
	db := newCluster(t, root)
	dbinit := exec.Command(bins+"/dbinit", "-admin", db.adminURL("postgres"), "-db", "nastavnik")
	if out, err := dbinit.CombinedOutput(); err != nil {
		t.Fatalf("dbinit: %v\n%s", err, out)
	}
	admin := exec.Command(bins+"/registry-admin", "create-operator", "-login", "operator")
	admin.Env = append(os.Environ(), "DATABASE_URL="+db.roleURL("registry"), "OPERATOR_PASSWORD="+operatorPassword)
	if out, err := admin.CombinedOutput(); err != nil {
		t.Fatalf("registry-admin: %v\n%s", err, out)
	}
	return db
}

func (p *platform) procs() []*proc { return []*proc{p.registry, p.roadmap, p.indicators, p.gateway} }

// api is a client of the gateway signed in as one account.
type api struct {
	base, token string
	http        *http.Client
}

// call sends a JSON request (with an Idempotency-Key when key is set) and
// decodes a 200 answer into out.
func (a api) call(method, path, key string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode == http.StatusOK && out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return 0, fmt.Errorf("%s %s: decode %q: %w", method, path, raw, err)
		}
	}
	return resp.StatusCode, nil
}

// must sends a set-up request and fails the test on anything but 200.
func (a api) must(t *testing.T, method, path string, body, out any) {
	t.Helper()
	if code, err := a.call(method, path, "", body, out); err != nil || code != http.StatusOK {
		t.Fatalf("%s %s: %d %v", method, path, code, err)
	}
}

type report struct {
	ID             string `json:"id"`
	OrganisationID string `json:"organisationId"`
	Version        string `json:"version"`
	Status         string `json:"status"`
}

// write is one acknowledged write in the client's ledger.
type write struct {
	op      string // create, save, submit, return
	report  string
	version string // the version the write's answer gave the report
	status  string
}

// ledger is what the clients did and were told.
type ledger struct {
	mu        sync.Mutex
	writes    []write
	attempted atomic.Int64
	errors    map[string]int // answers other than 200 while retrying, by status
	// phase, when set, names what the test is doing; errors are counted
	// by phase too, in byPhase.
	phase   atomic.Pointer[string]
	byPhase map[string]map[string]int
}

func (l *ledger) ack(w write) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes = append(l.writes, w)
}

func (l *ledger) failed(what string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errors[what]++
	if ph := l.phase.Load(); ph != nil {
		if l.byPhase == nil {
			l.byPhase = map[string]map[string]int{}
		}
		if l.byPhase[*ph] == nil {
			l.byPhase[*ph] = map[string]int{}
		}
		l.byPhase[*ph][what]++
	}
}

// setPhase names what the test does from now on.
func (l *ledger) setPhase(name string) { l.phase.Store(&name) }

// retriable are the answers a client may get while a service or the
// database is down, and retries with the same key.
func retriable(code int) bool {
	return code == http.StatusServiceUnavailable || code == http.StatusGatewayTimeout || code == http.StatusBadGateway
}

// do sends one logical write of a report and records its answer.
func (l *ledger) do(a api, op, method, path string, body any) (report, bool) {
	var r report
	if !l.send(a, op, method, path, body, &r) {
		return r, false
	}
	l.ack(write{op: op, report: r.ID, version: r.Version, status: r.Status})
	return r, true
}

// send sends one logical write until it is acknowledged, decoding the answer
// into out: the same key on every try, so that the platform applies it once.
// It gives up on an answer that is not retriable, or after a minute.
func (l *ledger) send(a api, op, method, path string, body, out any) bool {
	l.attempted.Add(1)
	key := uuid.NewString()
	start := time.Now()
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		code, err := a.call(method, path, key, body, out)
		switch {
		case err == nil && code == http.StatusOK:
			return true
		case err != nil:
			l.failed("transport error")
		case retriable(code):
			l.failed(fmt.Sprint(code))
		default:
			l.failed(fmt.Sprintf("%d (%s)", code, op))
			return false
		}
		if time.Since(start) > time.Minute {
			l.failed("gave up")
			return false
		}
		time.Sleep(wait)
	}
}

// TestFaults runs clients saving and submitting reports through the gateway
// while the indicators service is killed with SIGKILL and restarted, and
// PostgreSQL is stopped as by a crash and started again; then it checks
// every acknowledged write against the data read back through the API:
// nothing acknowledged is lost, nothing is applied twice, and the answers
// while things were down were retriable (503), never 500.
func TestFaults(t *testing.T) {
	start := time.Now()
	p := startPlatform(t)
	t.Logf("built and started in %s", time.Since(start).Round(time.Second))
	op := signIn(t, p.base)

	const workers, perWorker = 4, 6
	d := seed(t, op, workers*perWorker)
	orgs, values := d.orgs, d.values
	campaign := d.campaign

	// The clients: each owns its schools' reports and takes each through
	// create → (save → submit → return)… until told to stop.
	l := &ledger{errors: map[string]int{}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range workers {
		mine := orgs[w*perWorker : (w+1)*perWorker]
		wg.Go(func() { l.work(op, campaign.ID, mine, values, stop) })
	}

	time.Sleep(3 * time.Second)
	t.Log("SIGKILL indicators")
	p.indicators.kill()
	time.Sleep(time.Second)
	p.indicators.start()
	waitReady(t, p.indicatorsReady, 60*time.Second, p.indicators)
	time.Sleep(3 * time.Second)
	t.Log("PostgreSQL stopped as by a crash, then started")
	p.db.stop("immediate")
	time.Sleep(time.Second)
	p.db.start()
	time.Sleep(4 * time.Second)
	close(stop)
	wg.Wait()

	t.Logf("load with faults done at %s", time.Since(start).Round(time.Second))
	v := verify(t, op, campaign.ID, l)
	line := fmt.Sprintf("fault test: attempted %d / acknowledged %d / found %d / duplicated %d / lost %d; answers retried: %s",
		l.attempted.Load(), len(l.writes), v.found, v.duplicated, v.lost, tally(l.errors))
	fmt.Println(line)
	t.Log(line)
	if v.lost != 0 || v.duplicated != 0 || int(l.attempted.Load()) != len(l.writes) {
		t.Errorf("lost %d, duplicated %d, acknowledged %d of %d, want nothing lost or duplicated and every write acknowledged",
			v.lost, v.duplicated, len(l.writes), l.attempted.Load())
	}
	for k := range l.errors {
		if !retriable(atoi(k)) {
			t.Errorf("%d answers %q, want only retriable ones (503) while things are down", l.errors[k], k)
		}
	}
	if len(l.writes) < workers*4 {
		t.Errorf("only %d writes acknowledged: the load did not run", len(l.writes))
	}
	if !t.Failed() {
		line := backupRestore(t, p.root, p.db)
		fmt.Println(line)
		t.Log(line)
	}
	if t.Failed() {
		for _, x := range p.procs() {
			t.Log(x.tail())
		}
	}
}

// seeded is what seed made.
type seeded struct {
	municipality string
	orgs         []string // the schools' ids
	values       map[string]any
	campaign     struct{ ID string }
}

// seed makes a region, a municipality with n schools, the published form
// (values are answers that pass its rules) and a campaign of it.
func seed(t *testing.T, op api, n int) seeded {
	t.Helper()
	var d seeded
	op.must(t, "POST", "/v1/regions", map[string]string{"code": "24", "name": "Красноярский край", "timeZone": "Asia/Krasnoyarsk"}, nil)
	var mun struct{ ID string }
	op.must(t, "POST", "/v1/municipalities", map[string]string{"regionCode": "24", "name": "городской округ город Красноярск",
		"kind": "MUNICIPALITY_KIND_URBAN_DISTRICT"}, &mun)
	d.municipality = mun.ID
	for i := 1; i <= n; i++ {
		var o struct{ ID string }
		op.must(t, "POST", "/v1/organisations", school(mun.ID, i), &o)
		d.orgs = append(d.orgs, o.ID)
	}
	d.values = publishForm(t, op)
	op.must(t, "POST", "/v1/campaigns", map[string]any{"campaign": map[string]any{"name": "Мониторинг 2026", "year": 2026,
		"formCode": "cmn_monitoring", "formVersion": 1, "municipalityId": mun.ID, "deadline": "2026-12-15"}}, &d.campaign)
	return d
}

// school is the body that creates school number i of municipality mun.
func school(mun string, i int) map[string]string {
	return map[string]string{"municipalityId": mun, "fullName": fmt.Sprintf("МАОУ «Средняя школа № %d»", i),
		"shortName": fmt.Sprintf("МАОУ СШ № %03d", i), "inn": validINN(i), "kind": "ORGANISATION_KIND_SCHOOL"}
}

// signIn is the operator's client of the gateway at base.
func signIn(t *testing.T, base string) api {
	t.Helper()
	client := &http.Client{Timeout: 30 * time.Second}
	anon := api{base: base, http: client}
	var tok struct{ Token string }
	anon.must(t, "POST", "/v1/auth/token", map[string]string{"login": "operator", "password": operatorPassword}, &tok)
	return api{base: base, token: tok.Token, http: client}
}

// tally prints counts as "what×n, …" in the order of what; "none" when
// there are none.
func tally(counts map[string]int) string {
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		out = append(out, fmt.Sprintf("%s×%d", k, counts[k]))
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, ", ")
}

func atoi(s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		return -1
	}
	return n
}

// work takes each of orgs' reports through its cycle, one write at a time,
// round robin, until stop is closed.
func (l *ledger) work(a api, campaign string, orgs []string, values map[string]any, stop <-chan struct{}) {
	type state struct {
		id, version, status string
		step                int
	}
	states := make([]state, len(orgs))
	for round := 0; ; round++ {
		for i, org := range orgs {
			select {
			case <-stop:
				return
			default:
			}
			s := &states[i]
			var r report
			var ok bool
			switch {
			case s.id == "":
				r, ok = l.do(a, "create", "POST", "/v1/campaigns/"+campaign+"/reports", map[string]any{"organisationId": org})
			case s.step%3 == 0:
				vals := map[string]any{}
				for k, v := range values {
					vals[k] = v
				}
				vals["teachers_total"] = map[string]any{"count": fmt.Sprint(100 + round)}
				r, ok = l.do(a, "save", "PATCH", "/v1/reports/"+s.id, map[string]any{"version": s.version, "values": vals})
			case s.step%3 == 1:
				r, ok = l.do(a, "submit", "POST", "/v1/reports/"+s.id+":submit", map[string]any{"version": s.version})
			default:
				r, ok = l.do(a, "return", "POST", "/v1/reports/"+s.id+":return", map[string]any{"version": s.version,
					"comment": fmt.Sprintf("Проверьте показатели, круг %d", round)})
			}
			if !ok {
				return // counted; the test fails on it
			}
			if s.id != "" {
				s.step++
			}
			s.id, s.version, s.status = r.ID, r.Version, r.Status
		}
	}
}

type verdict struct{ found, duplicated, lost int }

// verify reads back every report of the campaign and its history through
// the API and matches them against the ledger: each acknowledged write must
// be there once (a create as its report, the only one of its school; a save
// or a transition as the history rows of the version it answered with), and
// no history may hold a version nobody was told of.
func verify(t *testing.T, a api, campaign string, l *ledger) verdict {
	t.Helper()
	var v verdict
	var list struct {
		Reports       []report `json:"reports"`
		NextPageToken string   `json:"nextPageToken"`
	}
	a.must(t, "GET", "/v1/campaigns/"+campaign+"/reports?pageSize=500", nil, &list)
	perOrg := map[string]int{}
	exists := map[string]report{}
	for _, r := range list.Reports {
		perOrg[r.OrganisationID]++
		exists[r.ID] = r
	}
	for _, n := range perOrg {
		v.duplicated += n - 1
	}
	acked := map[string]map[string]write{} // report → version → write
	last := map[string]write{}
	for _, w := range l.writes {
		if acked[w.report] == nil {
			acked[w.report] = map[string]write{}
		}
		if _, twice := acked[w.report][w.version]; twice {
			v.duplicated++ // two acknowledged writes answered with one version
		}
		acked[w.report][w.version] = w
		last[w.report] = w
	}
	for id, writes := range acked {
		var h struct {
			Events []struct {
				Kind     string `json:"kind"`
				NewValue string `json:"newValue"`
				Version  string `json:"version"`
			} `json:"events"`
		}
		a.must(t, "GET", "/v1/reports/"+id+"/history?pageSize=500", nil, &h)
		rows := map[string]int{}   // version → history rows
		status := map[string]int{} // version → status rows
		for _, e := range h.Events {
			rows[e.Version]++
			if e.Kind == "status" {
				status[e.Version]++
			}
		}
		for version, w := range writes {
			switch {
			case w.op == "create":
				if _, ok := exists[id]; ok {
					v.found++
				} else {
					v.lost++
				}
			case rows[version] == 0:
				v.lost++
			default:
				v.found++
				if w.op != "save" && status[version] != 1 {
					v.duplicated += status[version] - 1
				}
			}
		}
		for version := range rows {
			if _, ok := writes[version]; !ok {
				t.Logf("report %s: history rows of version %s, which no acknowledged write answered with", id, version)
				v.duplicated++
			}
		}
		if r := exists[id]; r.Version != last[id].version || r.Status != last[id].status {
			t.Errorf("report %s is %s v%s, want %s v%s as last acknowledged", id, r.Status, r.Version, last[id].status, last[id].version)
		}
	}
	return v
}

// publishForm drafts and publishes version 1 of the shipped form and
// returns values that pass its rules.
func publishForm(t *testing.T, op api) map[string]any {
	t.Helper()
	var draft struct{ Revision string }
	op.must(t, "POST", "/v1/forms/cmn_monitoring:draft", map[string]any{}, &draft)
	var form struct {
		Sections []struct {
			Fields []struct {
				Code string `json:"code"`
				Type string `json:"type"`
			} `json:"fields"`
		} `json:"sections"`
	}
	op.must(t, "POST", "/v1/forms/cmn_monitoring/versions/1:publish", map[string]any{"revision": draft.Revision}, &form)
	values := map[string]any{}
	for _, s := range form.Sections {
		for _, f := range s.Fields {
			switch f.Type {
			case "FIELD_TYPE_COUNT":
				values[f.Code] = map[string]any{"count": "10"}
			case "FIELD_TYPE_YES_NO":
				values[f.Code] = map[string]any{"yesNo": map[string]any{"yes": true, "reference": map[string]any{"number": "1-од"}}}
			}
		}
	}
	values["teachers_total"] = map[string]any{"count": "100"}
	values["students_total"] = map[string]any{"count": "1000"}
	return values
}

// validINN is a valid 10-digit INN of a Krasnoyarsk organisation numbered n.
func validINN(n int) string {
	p := fmt.Sprintf("2465%05d", n)
	w := []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	sum := 0
	for i := range 9 {
		sum += int(p[i]-'0') * w[i]
	}
	return p + fmt.Sprint(sum%11%10)
}
