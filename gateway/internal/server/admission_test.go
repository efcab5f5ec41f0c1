package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/api"
	"github.com/nastavnik/nastavnik/gateway/internal/config"
	"github.com/nastavnik/nastavnik/platform/servicetest"
)

// The writes' admission (WRITE_CONCURRENCY, WRITE_QUEUE_WAIT), with one
// write allowed at a time: a write is held in flight by sending its body
// slowly (the gateway waits for it in the write's turn), and what the next
// ones do is read from the gateway's /metrics and answers.

type writeRegion struct{ code, name, zone string }

var admissionRegions = []writeRegion{
	{"24", "Красноярский край", "Asia/Krasnoyarsk"}, {"38", "Иркутская область", "Asia/Irkutsk"},
	{"54", "Новосибирская область", "Asia/Novosibirsk"}, {"70", "Томская область", "Asia/Tomsk"},
}

func (r writeRegion) body(t *testing.T) []byte {
	t.Helper()
	b, err := json.Marshal(map[string]string{"code": r.code, "name": r.name, "timeZone": r.zone})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type writeAnswer struct {
	status     int
	retryAfter string
	body       string
	err        error
}

// sendAsync sends a request with c's token and returns its answer on a channel.
func sendAsync(ctx context.Context, c client, method, path string, body io.Reader) <-chan writeAnswer {
	out := make(chan writeAnswer, 1)
	go func() {
		req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
		if err != nil {
			out <- writeAnswer{err: err}
			return
		}
		req.Header.Set("Content-Type", "application/json")
		if c.token != "" {
			req.Header.Set("Authorization", "Bearer "+c.token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			out <- writeAnswer{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- writeAnswer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(b), err: err}
	}()
	return out
}

// heldWrite is a write creating a region whose body is sent in two parts:
// the gateway has admitted it and waits for the rest until finish.
type heldWrite struct {
	t    *testing.T
	pw   *io.PipeWriter
	rest []byte
	done <-chan writeAnswer
}

func holdWrite(t *testing.T, c client, r writeRegion) *heldWrite {
	t.Helper()
	body := r.body(t)
	pr, pw := io.Pipe()
	h := &heldWrite{t: t, pw: pw, rest: body[len(body)/2:], done: sendAsync(context.Background(), c, "POST", "/v1/regions", pr)}
	go func() { _, _ = pw.Write(body[:len(body)/2]) }() // chunked: no length, so not read before the turn
	return h
}

// finish sends the rest of the body and returns the write's answer.
func (h *heldWrite) finish() writeAnswer {
	h.t.Helper()
	go func() {
		_, _ = h.pw.Write(h.rest)
		_ = h.pw.Close()
	}()
	return <-h.done
}

// waitForGauge waits until the gateway's metric reads want (or fails the test).
func waitForGauge(t *testing.T, metricsAddr, metric string, want float64) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		got, _ = servicetest.Sample(servicetest.Scrape(t, metricsAddr), metric, "")
		if got == want {
			return
		}
	}
	t.Fatalf("%s = %g, want %g", metric, got, want)
}

func oneWriteAtATime(wait time.Duration) func(*config.Config) {
	return func(c *config.Config) {
		c.WriteConcurrency, c.WriteQueueWait, c.RequestTimeout = 1, wait, wait+time.Minute
	}
}

func listedRegionCodes(t *testing.T, c client) []string {
	t.Helper()
	var list struct {
		Regions []struct{ Code string } `json:"regions"`
	}
	if code := c.do("GET", "/v1/regions", nil, &list); code != http.StatusOK {
		t.Fatalf("GET /v1/regions = %d", code)
	}
	var codes []string
	for _, r := range list.Regions {
		codes = append(codes, r.Code)
	}
	return codes
}

func TestWritesWaitTheirTurnAndReadsDoNot(t *testing.T) {
	p := startPlatform(t, oneWriteAtATime(time.Minute))
	c := p.operator(t)

	first := holdWrite(t, c, admissionRegions[0])
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_in_flight", 1)
	second := sendAsync(context.Background(), c, "POST", "/v1/regions", bytes.NewReader(admissionRegions[1].body(t)))
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_waiting", 1)

	// Reads pass the waiting write: the API's and a page.
	if codes := listedRegionCodes(t, c); len(codes) != 0 {
		t.Errorf("regions while both writes wait: %v, want none yet", codes)
	}
	if resp, err := http.Get(p.base + "/login"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("GET /login while a write waits = %v, %v", resp, err)
	} else {
		resp.Body.Close()
	}
	select {
	case a := <-second:
		t.Fatalf("the second write was answered while the first was in flight: %+v", a)
	default:
	}
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_waiting", 1)

	// The first ends, the second takes its turn: both applied, none refused.
	if a := first.finish(); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the first write: %+v", a)
	}
	if a := <-second; a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the second write: %+v", a)
	}
	if codes := listedRegionCodes(t, c); strings.Join(codes, ",") != "24,38" {
		t.Errorf("regions = %v, want 24 and 38", codes)
	}
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_in_flight", 0)
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_waiting", 0)
	if n, _ := servicetest.Sample(servicetest.Scrape(t, p.metrics), "nastavnik_gateway_writes_rejected_total", ""); n != 0 {
		t.Errorf("rejected = %g, want 0", n)
	}
}

func TestWritePastTheWaitBoundIs503WithRetryAfter(t *testing.T) {
	p := startPlatform(t, oneWriteAtATime(200*time.Millisecond))
	c := p.operator(t)

	first := holdWrite(t, c, admissionRegions[0])
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_in_flight", 1)

	a := <-sendAsync(context.Background(), c, "POST", "/v1/regions", bytes.NewReader(admissionRegions[1].body(t)))
	var e api.Error
	if a.err != nil || a.status != http.StatusServiceUnavailable || a.retryAfter != "1" {
		t.Fatalf("a write past the bound: %+v, want 503 with Retry-After 1", a)
	}
	if err := json.Unmarshal([]byte(a.body), &e); err != nil || e.Code != "UNAVAILABLE" {
		t.Errorf("a write past the bound: body %q, want code UNAVAILABLE", a.body)
	}

	// A page's form gets the Russian page of an unavailable service.
	form := url.Values{"login": {"operator"}, "password": {operatorPassword}}.Encode()
	resp, err := http.Post(p.base+"/login", "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" ||
		!strings.Contains(string(page), "Сервис временно недоступен") || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("a form past the bound: %d, Retry-After %q, CSP %q, page %.300q; want 503, 1, a CSP and the Russian message",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Security-Policy"), page)
	}
	if n, _ := servicetest.Sample(servicetest.Scrape(t, p.metrics), "nastavnik_gateway_writes_rejected_total", ""); n != 2 {
		t.Errorf("rejected = %g, want 2", n)
	}

	// Nothing of the refused write was applied; retried in its turn, it is.
	if a := first.finish(); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the first write: %+v", a)
	}
	if code := c.do("POST", "/v1/regions", map[string]string{"code": admissionRegions[1].code, "name": admissionRegions[1].name,
		"timeZone": admissionRegions[1].zone}, nil); code != http.StatusOK {
		t.Fatalf("the refused write retried: %d", code)
	}
	if codes := listedRegionCodes(t, c); strings.Join(codes, ",") != "24,38" {
		t.Errorf("regions = %v, want 24 and 38", codes)
	}
}

func TestWriteWhoseClientLeavesGivesUpItsPlace(t *testing.T) {
	p := startPlatform(t, oneWriteAtATime(time.Minute))
	c := p.operator(t)

	first := holdWrite(t, c, admissionRegions[0])
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_in_flight", 1)

	// A waiting write whose client gives up leaves the queue and is not applied.
	ctx, cancel := context.WithCancel(context.Background())
	gone := sendAsync(ctx, c, "POST", "/v1/regions", bytes.NewReader(admissionRegions[1].body(t)))
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_waiting", 1)
	cancel()
	if a := <-gone; !errors.Is(a.err, context.Canceled) {
		t.Fatalf("the cancelled write: %+v, want the client's cancellation", a)
	}
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_waiting", 0)

	// An admitted write whose client leaves gives its turn back.
	first.pw.CloseWithError(errors.New("the client gave up"))
	if a := <-first.done; a.err == nil {
		t.Fatalf("the abandoned write: %+v, want the client's error", a)
	}
	waitForGauge(t, p.metrics, "nastavnik_gateway_writes_in_flight", 0)

	// The one place is free: the next write is served (within the minute's bound).
	if code := c.do("POST", "/v1/regions", map[string]string{"code": admissionRegions[2].code, "name": admissionRegions[2].name,
		"timeZone": admissionRegions[2].zone}, nil); code != http.StatusOK {
		t.Fatalf("the next write: %d", code)
	}
	if codes := listedRegionCodes(t, c); strings.Join(codes, ",") != "54" {
		t.Errorf("regions = %v, want only 54", codes)
	}
	if n, _ := servicetest.Sample(servicetest.Scrape(t, p.metrics), "nastavnik_gateway_writes_rejected_total", ""); n != 0 {
		t.Errorf("rejected = %g, want 0 (a client that left is not refused)", n)
	}
}

func TestWritesUnlimitedByDefault(t *testing.T) {
	p := startPlatform(t, func(c *config.Config) { c.WriteConcurrency = 0 })
	c := p.operator(t)

	first := holdWrite(t, c, admissionRegions[0])
	// With no limit (the default) a second write is served while the first is held.
	if code := c.do("POST", "/v1/regions", map[string]string{"code": admissionRegions[1].code, "name": admissionRegions[1].name,
		"timeZone": admissionRegions[1].zone}, nil); code != http.StatusOK {
		t.Fatalf("the second write: %d", code)
	}
	if a := first.finish(); a.err != nil || a.status != http.StatusOK {
		t.Fatalf("the first write: %+v", a)
	}
	if codes := listedRegionCodes(t, c); strings.Join(codes, ",") != "24,38" {
		t.Errorf("regions = %v, want 24 and 38", codes)
	}
}
