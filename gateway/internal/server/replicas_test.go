package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	indicatorsapp "github.com/nastavnik/nastavnik/services/indicators/app"
	registryapp "github.com/nastavnik/nastavnik/services/registry/app"
	roadmapapp "github.com/nastavnik/nastavnik/services/roadmap/app"
)

// handled is how many calls a service replica has answered, health checks
// aside, from its /metrics.
func handled(t *testing.T, r *servicetest.Running) int {
	t.Helper()
	resp, err := http.Get("http://" + r.MetricsAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	n := 0
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "grpc_server_handled_total{") && !strings.Contains(line, "grpc.health") {
			var v int
			if _, err := fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v); err == nil {
				n += v
			}
		}
	}
	return n
}

// TestReplicasBehindTheGateway runs two replicas of the roadmap and the
// indicators and three of the registry behind one gateway, which is given
// every replica's address. Curators' writes (organisations created with a
// request id, retried with the same id on a retriable answer) and reads of
// every service go on while one replica of each service stops: the second
// registry and indicators gracefully (as on SIGTERM), the third registry and
// the second roadmap abruptly (every connection cut, as kill -9 looks to
// clients). Requests reach every replica; no write that was acknowledged is
// lost; clients see nothing worse than a retriable 503.
func TestReplicasBehindTheGateway(t *testing.T) {
	reg := servicetest.Start(t, registryapp.Spec)
	reg2 := servicetest.StartWith(t, registryapp.Spec, servicetest.Options{ReplicaOf: reg})
	reg3 := servicetest.StartWith(t, registryapp.Spec, servicetest.Options{ReplicaOf: reg})
	rm := servicetest.StartWith(t, roadmapapp.Spec, servicetest.Options{RegistryAddr: reg.Addr})
	rm2 := servicetest.StartWith(t, roadmapapp.Spec, servicetest.Options{RegistryAddr: reg.Addr, ReplicaOf: rm})
	ind := servicetest.StartWith(t, indicatorsapp.Spec, servicetest.Options{RegistryAddr: reg.Addr})
	ind2 := servicetest.StartWith(t, indicatorsapp.Spec, servicetest.Options{RegistryAddr: reg.Addr, ReplicaOf: ind})
	p := platform{reg: reg, rm: rm, ind: ind, targets: [3]string{
		reg.Addr + "," + reg2.Addr + "," + reg3.Addr, rm.Addr + "," + rm2.Addr, ind.Addr + "," + ind2.Addr}}
	p.base, p.metrics, p.logs = p.startGateway(t)
	createAccount(t, reg, "operator", operatorPassword, registryv1.Role_ROLE_OPERATOR, "")
	op := p.operator(t)
	mun := seed(t, op, 0)

	send := func(method, path string, body any) (int, []byte, error) {
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequest(method, p.base+path, rd)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+op.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(resp.Body)
		return resp.StatusCode, raw, err
	}

	var (
		mu        sync.Mutex
		acked     = map[string]string{} // id → short name
		retriable atomic.Int64
		failures  []string
		next      atomic.Int64
		stop      = make(chan struct{})
		wg        sync.WaitGroup
	)
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(failures) < 20 {
			failures = append(failures, fmt.Sprintf(format, args...))
		}
	}
	stopped := func() bool {
		select {
		case <-stop:
			return true
		default:
			return false
		}
	}
	// Writers: each organisation is created with its own request id, sent
	// again with the same id after a retriable answer.
	for range 3 {
		wg.Go(func() {
			for i := 0; i < 400 && !stopped(); i++ {
				n := int(next.Add(1))
				o := organisation{MunicipalityID: mun, FullName: fmt.Sprintf("МАОУ «Средняя школа № %d»", n),
					ShortName: fmt.Sprintf("МАОУ СШ № %04d", n), INN: validINN(n), Kind: "ORGANISATION_KIND_SCHOOL"}
				path := "/v1/organisations?requestId=" + uuid.NewString()
				for attempt := 0; ; attempt++ {
					code, raw, err := send("POST", path, o)
					if err != nil {
						fail("create %d: %v", n, err)
						return
					}
					if code == http.StatusServiceUnavailable && attempt < 5 {
						retriable.Add(1)
						time.Sleep(50 * time.Millisecond)
						continue
					}
					var got organisation
					if code != http.StatusOK || json.Unmarshal(raw, &got) != nil || got.ID == "" {
						fail("create %d: %d %s", n, code, raw)
						return
					}
					mu.Lock()
					acked[got.ID] = o.ShortName
					mu.Unlock()
					break
				}
			}
		})
	}
	// Readers of every service.
	for _, path := range []string{"/v1/organisations?municipality=" + mun + "&pageSize=5", "/v1/indicators", "/v1/roadmaps?municipalityId=" + mun} {
		wg.Go(func() {
			for i := 0; i < 2000 && !stopped(); i++ {
				code, raw, err := send("GET", path, nil)
				switch {
				case err != nil:
					fail("GET %s: %v", path, err)
					return
				case code == http.StatusServiceUnavailable:
					retriable.Add(1)
				case code != http.StatusOK:
					fail("GET %s: %d %s", path, code, raw)
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		})
	}
	// waitAcked waits until n more writes are acknowledged.
	waitAcked := func(n int) {
		t.Helper()
		mu.Lock()
		want := len(acked) + n
		mu.Unlock()
		deadline := time.Now().Add(60 * time.Second)
		for {
			mu.Lock()
			got, bad := len(acked), len(failures)
			mu.Unlock()
			if got >= want || bad > 0 {
				return
			}
			if time.Now().After(deadline) {
				close(stop)
				wg.Wait()
				t.Fatalf("only %d of %d writes acknowledged in a minute", got, want)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}

	waitAcked(30)
	for name, r := range map[string]*servicetest.Running{"registry 1": reg, "registry 2": reg2, "registry 3": reg3,
		"roadmap 1": rm, "roadmap 2": rm2, "indicators 1": ind, "indicators 2": ind2} {
		if n := handled(t, r); n == 0 {
			t.Errorf("%s answered no call: the gateway does not balance over the replicas", name)
		}
	}
	reg2.Stop() // SIGTERM: calls in flight finish
	ind2.Stop()
	waitAcked(30)
	reg3.Abort() // kill -9: connections cut, calls in flight cancelled
	rm2.Abort()
	waitAcked(30)
	close(stop)
	wg.Wait()

	for _, f := range failures {
		t.Error(f)
	}
	// Every acknowledged write is there, once.
	for id, name := range acked {
		var got organisation
		if code := op.do("GET", "/v1/organisations/"+id, nil, &got); code != http.StatusOK || got.ShortName != name {
			t.Errorf("acknowledged organisation %s (%s): %d %+v", id, name, code, got)
		}
	}
	var list listResponse
	if code := op.do("GET", "/v1/organisations?municipality="+mun+"&pageSize=1", nil, &list); code != http.StatusOK || list.TotalSize != len(acked) {
		t.Errorf("the municipality lists %d organisations (%d), want the %d acknowledged, each once", list.TotalSize, code, len(acked))
	}
	t.Logf("%d writes acknowledged, %d retriable answers", len(acked), retriable.Load())
}
