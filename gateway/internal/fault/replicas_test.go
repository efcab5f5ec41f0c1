package fault_test

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// replica is one process of a service, with its addresses.
type replica struct {
	*proc
	grpc, metrics string
}

// served is how many calls the replica has answered since it started,
// health checks aside, from its /metrics.
func (r *replica) served(t *testing.T) int {
	t.Helper()
	return metric(t, r.metrics, "grpc_server_handled_total{", func(labels string) bool {
		return !strings.Contains(labels, "grpc.health")
	})
}

// metric is the sum of the samples of the Prometheus metrics served at addr
// whose line starts with prefix (a name and "{") and whose line keep
// accepts.
func metric(t *testing.T, addr, prefix string, keep func(line string) bool) int {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatalf("%s/metrics: %v", addr, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, prefix) && keep(line) {
			var v int
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
				n += v
			}
		}
	}
	return n
}

// replicated is a deployment with two replicas of every service, each its
// own process, behind one gateway given both replicas' addresses.
type replicated struct {
	gateway *proc
	base    string
	// metrics is the gateway's /metrics address.
	metrics string
	// services are the replicas by service, in the order registry, roadmap,
	// indicators.
	services [3][2]*replica
}

var serviceNames = [3]string{"registry", "roadmap", "indicators"}

func startReplicated(t *testing.T) *replicated {
	t.Helper()
	root := repoRoot(t)
	bins := buildBinaries(t, root)
	logs := t.TempDir()
	db := newDatabase(t, root, bins)
	key := identityKey()
	addr := func() string { return fmt.Sprintf("127.0.0.1:%d", freePort(t)) }
	var d replicated
	var lists [3]string
	for s := range serviceNames {
		for i := range 2 {
			d.services[s][i] = &replica{grpc: addr(), metrics: addr()}
		}
		lists[s] = d.services[s][0].grpc + "," + d.services[s][1].grpc
	}
	for s, name := range serviceNames {
		for i, r := range d.services[s] {
			// SHUTDOWN_TIMEOUT is long: a graceful stop that has to cut
			// calls off shows in the log, and the test fails on it.
			r.proc = newProc(t, bins, logs, name, fmt.Sprintf("%s-%d", name, i+1), "DATABASE_URL="+db.roleURL(name),
				"GRPC_ADDR="+r.grpc, "METRICS_ADDR="+r.metrics, "REGISTRY_ADDR="+lists[0], "IDENTITY_KEY="+key,
				"LOG_LEVEL=warn", "SHUTDOWN_TIMEOUT=15s")
		}
	}
	httpAddr := addr()
	d.base, d.metrics = "http://"+httpAddr, addr()
	d.gateway = newProc(t, bins, logs, "gateway", "gateway", "HTTP_ADDR="+httpAddr, "METRICS_ADDR="+d.metrics,
		"REGISTRY_ADDR="+lists[0], "ROADMAP_ADDR="+lists[1], "INDICATORS_ADDR="+lists[2], "IDENTITY_KEY="+key,
		"LOG_LEVEL=warn", "SHUTDOWN_TIMEOUT=2s", "REQUEST_TIMEOUT=20s")
	for _, r := range d.replicas() {
		r.start()
	}
	d.gateway.start()
	for _, r := range d.replicas() {
		waitReady(t, "http://"+r.metrics+"/readyz", 90*time.Second, r.proc)
	}
	waitReady(t, d.base+"/readyz", 30*time.Second, d.gateway)
	return &d
}

// replicas are every service's replica number i (1 or 2), or all of them.
func (d *replicated) replicas(i ...int) []*replica {
	var out []*replica
	for s := range d.services {
		for j, r := range d.services[s] {
			if len(i) == 0 || j+1 == i[0] {
				out = append(out, r)
			}
		}
	}
	return out
}

// unavailable is how many calls of the gateway to the services met
// UNAVAILABLE (each try counts: the metrics sit inside the retry).
func (d *replicated) unavailable(t *testing.T) int {
	t.Helper()
	return metric(t, d.metrics, "grpc_client_handled_total{", func(line string) bool {
		return strings.Contains(line, `grpc_code="Unavailable"`)
	})
}

func (d *replicated) procs() []*proc {
	out := []*proc{d.gateway}
	for _, r := range d.replicas() {
		out = append(out, r.proc)
	}
	return out
}

// roadmapWrites is what the roadmap writer was told.
type roadmapWrites struct {
	stages  int    // stages whose creation was acknowledged
	version string // the version the last acknowledged write answered with
}

// TestReplicas runs two replicas of each service as processes of their own
// behind one gateway, which is given both addresses of each, while clients
// write through it with idempotency keys — reports created, saved,
// submitted and returned; organisations created in the registry; stages
// added to a roadmap — and read every service. Both replicas of every
// service must have answered calls; then replica 1 of each gets SIGTERM
// (it must finish what it has in flight and exit 0 within its timeout, and
// the gateway must meet no UNAVAILABLE meanwhile), is started again and
// must take calls again; then replica 2 of each gets SIGKILL, and replica 1
// must go on alone (the calls cut off in flight are sent again to it by the
// gateway, being reads or keyed writes). At the end every acknowledged
// write must be there once (nothing lost, nothing applied twice), and the
// only answers other than 200 the clients saw must be retriable (503),
// never a 500.
func TestReplicas(t *testing.T) {
	start := time.Now()
	d := startReplicated(t)
	t.Logf("built and started in %s", time.Since(start).Round(time.Second))
	op := signIn(t, d.base)
	const workers, perWorker = 3, 4
	data := seed(t, op, workers*perWorker)
	var created struct{ Roadmap struct{ ID, Version string } }
	op.must(t, "POST", "/v1/roadmaps", map[string]any{"owner": map[string]string{"municipalityId": data.municipality},
		"title": "Дорожная карта наставничества", "periodStart": "2026-09-01", "periodEnd": "2027-06-30"}, &created)
	rm := created.Roadmap

	l := &ledger{errors: map[string]int{}}
	stop := make(chan struct{})
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		orgs     = map[string]string{} // acknowledged organisations: id → short name
		roadmap  = roadmapWrites{version: rm.Version}
		reads    = map[string]int{} // answers to reads other than 200
		progress atomic.Int64       // acknowledged writes of every kind
	)
	for w := range workers {
		mine := data.orgs[w*perWorker : (w+1)*perWorker]
		wg.Go(func() { l.work(op, data.campaign.ID, mine, data.values, stop) })
	}
	// The registry: organisations created, each with its key.
	wg.Go(func() {
		for n := 1001; !stopped(); n++ {
			var o struct{ ID, ShortName string }
			if !l.send(op, "create organisation", "POST", "/v1/organisations", school(data.municipality, n), &o) {
				return
			}
			mu.Lock()
			orgs[o.ID] = o.ShortName
			mu.Unlock()
			progress.Add(1)
		}
	})
	// The roadmap: stages added one after another, each with the version
	// the last answer gave and its own key.
	wg.Go(func() {
		for n := 1; !stopped(); n++ {
			var r struct {
				Roadmap struct{ Version string }
			}
			if !l.send(op, "create stage", "POST", "/v1/roadmaps/"+rm.ID+"/stages", map[string]any{
				"version": roadmap.version, "title": fmt.Sprintf("Этап %d", n)}, &r) {
				return
			}
			mu.Lock()
			roadmap.stages++
			roadmap.version = r.Roadmap.Version
			mu.Unlock()
			progress.Add(1)
		}
	})
	// Readers of every service.
	for _, path := range []string{"/v1/organisations?municipality=" + data.municipality + "&pageSize=5",
		"/v1/roadmaps/" + rm.ID, "/v1/campaigns/" + data.campaign.ID + "/reports?pageSize=5"} {
		wg.Go(func() {
			for !stopped() {
				code, err := op.call("GET", path, "", nil, nil)
				if err != nil || code != http.StatusOK {
					what := fmt.Sprint(code)
					if err != nil {
						what = "transport error"
					}
					mu.Lock()
					reads[what]++
					mu.Unlock()
				}
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	// acknowledged is how many writes were acknowledged.
	acknowledged := func() int {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.writes) + int(progress.Load())
	}
	// await waits until n more writes are acknowledged and, when replicas
	// are given, each of them has answered calls (again).
	await := func(what string, n int, replicas ...*replica) {
		t.Helper()
		want := acknowledged() + n
		deadline := time.Now().Add(time.Minute)
		for {
			var idle []string // replicas that answered no call yet
			for _, r := range replicas {
				if r.served(t) == 0 {
					idle = append(idle, r.name)
				}
			}
			if acknowledged() >= want && len(idle) == 0 {
				return
			}
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				for _, x := range d.procs() {
					t.Log(x.tail())
				}
				t.Fatalf("%s: %d of %d writes acknowledged in a minute, replicas that answered no call: %v (errors so far: %s)",
					what, acknowledged(), want, idle, tally(l.errors))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	counts := func(rs []*replica) string {
		var out []string
		for _, r := range rs {
			out = append(out, fmt.Sprintf("%s %d", r.name, r.served(t)))
		}
		return strings.Join(out, ", ")
	}

	// retried is what the gateway met, by phase: calls to a service answered
	// UNAVAILABLE, which it sent again when that was safe.
	var retried []string
	unavailable := d.unavailable(t)
	phase := func(name string) {
		t.Helper()
		if ph := l.phase.Load(); ph != nil {
			n := d.unavailable(t)
			retried = append(retried, fmt.Sprintf("%s %d", *ph, n-unavailable))
			// A graceful stop is invisible even to the gateway: the
			// replica leaves the rotation (health NOT_SERVING, GOAWAY)
			// and finishes what it has in flight.
			if *ph == "SIGTERM" && n != unavailable {
				t.Errorf("while replica 1 stopped gracefully the gateway's calls met UNAVAILABLE %d times, want 0", n-unavailable)
			}
			unavailable = n
		}
		l.setPhase(name)
	}

	phase("both")
	await("both replicas up", 40, d.replicas()...)
	before := counts(d.replicas())

	phase("SIGTERM")
	sent := time.Now()
	for _, r := range d.replicas(1) {
		if err := r.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
	}
	var exits []string
	for _, r := range d.replicas(1) {
		r.await(20 * time.Second)
		exits = append(exits, fmt.Sprintf("%s %s", r.name, time.Since(sent).Round(time.Millisecond)))
		if b, _ := os.ReadFile(r.log); strings.Contains(string(b), "graceful stop timed out") {
			t.Errorf("%s: the graceful stop timed out and cut calls off\n%s", r.name, r.tail())
		}
	}
	await("replica 1 stopped", 20)

	phase("restart")
	for _, r := range d.replicas(1) {
		r.start()
	}
	for _, r := range d.replicas(1) {
		waitReady(t, "http://"+r.metrics+"/readyz", 60*time.Second, r.proc)
	}
	await("replica 1 restarted", 20, d.replicas(1)...)
	restarted := counts(d.replicas(1))

	phase("SIGKILL")
	atKill := map[*replica]int{}
	for _, r := range d.replicas(1) {
		atKill[r] = r.served(t)
	}
	for _, r := range d.replicas(2) {
		r.kill()
	}
	await("replica 2 killed", 40)
	var alone []string
	for _, r := range d.replicas(1) {
		grew := r.served(t) - atKill[r]
		alone = append(alone, fmt.Sprintf("%s +%d", r.name, grew))
		if grew <= 0 {
			t.Errorf("%s answered no call after replica 2 was killed", r.name)
		}
	}
	close(stop)
	wg.Wait()
	phase("")
	t.Logf("load done at %s", time.Since(start).Round(time.Second))

	// Every acknowledged write is there, once.
	v := verify(t, op, data.campaign.ID, l)
	listed := map[string]int{}
	total := 0
	for token := ""; ; {
		var page struct {
			Organisations []struct{ ID string }
			NextPageToken string `json:"nextPageToken"`
		}
		op.must(t, "GET", "/v1/organisations?municipality="+data.municipality+"&pageSize=500&pageToken="+token, nil, &page)
		for _, o := range page.Organisations {
			listed[o.ID]++
			total++
		}
		if token = page.NextPageToken; token == "" {
			break
		}
	}
	for id, name := range orgs {
		switch listed[id] {
		case 0:
			t.Errorf("acknowledged organisation %s (%s) is not there", id, name)
			v.lost++
		default:
			v.found++
			v.duplicated += listed[id] - 1
		}
	}
	if extra := total - len(data.orgs) - len(orgs); extra != 0 {
		t.Errorf("the municipality lists %d organisations, want the %d seeded and the %d acknowledged",
			total, len(data.orgs), len(orgs))
		v.duplicated += max(extra, 0)
	}
	var answer struct {
		Roadmap struct {
			Stages  []struct{ Title string }
			Version string
		}
	}
	op.must(t, "GET", "/v1/roadmaps/"+rm.ID, nil, &answer)
	got := answer.Roadmap
	switch {
	case len(got.Stages) < roadmap.stages:
		v.lost += roadmap.stages - len(got.Stages)
	case len(got.Stages) > roadmap.stages:
		v.duplicated += len(got.Stages) - roadmap.stages
	}
	v.found += min(len(got.Stages), roadmap.stages)
	if got.Version != roadmap.version {
		t.Errorf("the roadmap is at version %s, want %s as last acknowledged", got.Version, roadmap.version)
	}

	acked := len(l.writes) + len(orgs) + roadmap.stages
	phases := make([]string, 0, len(l.byPhase))
	for _, ph := range []string{"both", "SIGTERM", "restart", "SIGKILL"} {
		phases = append(phases, ph+": "+tally(l.byPhase[ph]))
	}
	for _, line := range []string{
		"replicas test: calls answered before the stop: " + before + "; SIGTERM to exit: " + strings.Join(exits, ", "),
		"replicas test: after the restart: " + restarted + "; after the SIGKILL of replica 2, replica 1 alone: " + strings.Join(alone, ", "),
		fmt.Sprintf("replicas test: attempted %d / acknowledged %d / found %d / duplicated %d / lost %d (%d report writes, %d organisations, %d roadmap stages)",
			l.attempted.Load(), acked, v.found, v.duplicated, v.lost, len(l.writes), len(orgs), roadmap.stages),
		"replicas test: gateway's calls that met UNAVAILABLE (sent again when safe): " + strings.Join(retried, ", "),
		"replicas test: answers other than 200 to writes (retried by the client) — " + strings.Join(phases, "; ") +
			"; to reads: " + tally(reads),
	} {
		fmt.Println(line)
		t.Log(line)
	}
	if v.lost != 0 || v.duplicated != 0 || int(l.attempted.Load()) != acked {
		t.Errorf("lost %d, duplicated %d, acknowledged %d of %d, want nothing lost or duplicated and every write acknowledged",
			v.lost, v.duplicated, acked, l.attempted.Load())
	}
	for what, n := range l.errors {
		if !retriable(atoi(what)) {
			t.Errorf("%d write answers %q, want only retriable ones (503)", n, what)
		}
	}
	for what, n := range reads {
		if !retriable(atoi(what)) {
			t.Errorf("%d read answers %q, want only retriable ones (503)", n, what)
		}
	}
	if t.Failed() {
		for _, x := range d.procs() {
			t.Log(x.tail())
		}
	}
}
