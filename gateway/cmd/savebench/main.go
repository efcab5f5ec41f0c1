// Command savebench measures the CPU one save costs the gateway, for two
// gateway processes in front of the same services (scripts/bench-gateway-save.sh
// starts them: a build of another revision and this tree's): curators save one
// changed count at a time with the version they hold, asking for the BASIC
// view, as the December peak's savers do (cmd/peakload), through one gateway
// for a few seconds and then the other, round after round, so that whatever
// else the machine does falls on both alike. It prints each gateway's CPU a
// save (from /proc, user and system) in every round, the medians and their
// ratio.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nastavnik/nastavnik/gateway/internal/loadhttp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "savebench:", err)
		os.Exit(1)
	}
}

type gateway struct {
	name string
	base string
	pid  int
	side string    // its metrics port (pprof), or ""
	cpu  []float64 // ms a save, per round
	rate []float64 // saves a second, per round
}

func run(ctx context.Context) error {
	var (
		gws, password string
		curators      int
		rounds        int
		phase         time.Duration
	)
	var profile string
	flag.StringVar(&gws, "gateways", "", "the gateways to compare: name=base-url=pid[=metrics-host:port],… (the first also sets the load up)")
	flag.StringVar(&profile, "profile", "", "directory for a CPU profile of each gateway (NAME.pprof) in the last round, from its metrics port")
	flag.IntVar(&curators, "curators", 8, "curators saving in a loop, each their own report")
	flag.IntVar(&rounds, "rounds", 6, "rounds; each gives every gateway one phase")
	flag.DurationVar(&phase, "phase", 5*time.Second, "length of one gateway's phase in a round")
	flag.Parse()
	password = os.Getenv("OPERATOR_PASSWORD")
	if password == "" {
		password = "Platform-ops-2026"
	}
	var list []*gateway
	for _, g := range strings.Split(gws, ",") {
		parts := strings.Split(g, "=")
		if len(parts) != 3 && len(parts) != 4 {
			return fmt.Errorf("-gateways: %q is not name=base-url=pid[=metrics-host:port]", g)
		}
		pid, err := strconv.Atoi(parts[2])
		if err != nil {
			return fmt.Errorf("-gateways: %q: %w", g, err)
		}
		gw := &gateway{name: parts[0], base: parts[1], pid: pid}
		if len(parts) == 4 {
			gw.side = parts[3]
		}
		list = append(list, gw)
	}
	if len(list) == 0 || curators < 1 || rounds < 1 || phase <= 0 {
		return errors.New("-gateways, -curators, -rounds and -phase must be given and positive")
	}
	savers, err := setUp(ctx, list[0].base, password, curators)
	if err != nil {
		return err
	}
	// One phase unmeasured through each, to warm connections and caches.
	for _, g := range list {
		if _, _, err := load(ctx, g, savers, time.Second); err != nil {
			return err
		}
	}
	for r := range rounds {
		order := list
		if r%2 == 1 {
			order = slices.Clone(list)
			slices.Reverse(order)
		}
		for _, g := range order {
			var prof chan error
			if profile != "" && g.side != "" && r == rounds-1 {
				prof = make(chan error, 1)
				go func() { prof <- takeProfile(ctx, g, profile, phase) }()
			}
			cpu, saves, err := load(ctx, g, savers, phase)
			if err != nil {
				return err
			}
			if prof != nil {
				if err := <-prof; err != nil {
					return err
				}
			}
			g.cpu = append(g.cpu, cpu/float64(saves))
			g.rate = append(g.rate, float64(saves)/phase.Seconds())
		}
	}
	fmt.Printf("gateway CPU ms a save (user+system), %d curators, %d rounds of %s each:\n", curators, rounds, phase)
	for _, g := range list {
		fmt.Printf("  %-8s median %.3f ms  (rounds: %s)  saves/s median %.0f\n", g.name, median(g.cpu), join(g.cpu), median(g.rate))
	}
	if len(list) == 2 {
		fmt.Printf("  %s / %s: %.2f\n", list[1].name, list[0].name, median(list[1].cpu)/median(list[0].cpu))
	}
	return nil
}

func join(xs []float64) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = strconv.FormatFloat(x, 'f', 3, 64)
	}
	return strings.Join(s, " ")
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// load saves through g with every saver for d and returns the CPU
// milliseconds g's process spent and the saves made.
func load(ctx context.Context, g *gateway, savers []*saver, d time.Duration) (float64, int64, error) {
	before, err := cpuMillis(g.pid)
	if err != nil {
		return 0, 0, err
	}
	var (
		saves atomic.Int64
		wg    sync.WaitGroup
		errs  = make([]error, len(savers))
	)
	end := time.Now().Add(d)
	for i, s := range savers {
		wg.Go(func() {
			for time.Now().Before(end) && ctx.Err() == nil {
				if err := s.save(ctx, g.base); err != nil {
					errs[i] = err
					return
				}
				saves.Add(1)
			}
		})
	}
	wg.Wait()
	after, err := cpuMillis(g.pid)
	if err != nil {
		return 0, 0, err
	}
	if err := errors.Join(errs...); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", g.name, err)
	}
	return after - before, saves.Load(), ctx.Err()
}

// takeProfile writes a CPU profile of g over d (less a little, to fall
// within its phase) into dir/NAME.pprof.
func takeProfile(ctx context.Context, g *gateway, dir string, d time.Duration) error {
	secs := max(1, int(d.Seconds())-1)
	req, err := http.NewRequestWithContext(ctx, "GET", fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", g.side, secs), nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile of %s: %s", g.name, resp.Status)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, g.name+".pprof"), b, 0o644)
}

// cpuMillis is the user and system CPU a process has used.
func cpuMillis(pid int) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command's closing parenthesis; utime and stime
	// are the 14th and 15th of the line.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	utime, err1 := strconv.ParseFloat(f[11], 64)
	stime, err2 := strconv.ParseFloat(f[12], 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return (utime + stime) * 1000 / 100, nil // clock ticks of 1/100 s (USER_HZ)
}

var httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// call sends a JSON body and decodes a 2xx answer into out.
func call(ctx context.Context, base, token, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(raw, out)
}

func signIn(ctx context.Context, base, login, password string) (string, error) {
	var tok struct {
		Token string `json:"token"`
	}
	err := call(ctx, base, "", "POST", "/v1/auth/token", map[string]string{"login": login, "password": password}, &tok)
	return tok.Token, err
}

type report struct {
	ID      string                     `json:"id"`
	Version string                     `json:"version"`
	Values  map[string]json.RawMessage `json:"values"`
}

// saver is a curator with its report of the demo's open campaign, filled
// with an accepted report's values. It saves through a lean HTTP/1.1
// client (loadhttp), a connection and a prepared request for each gateway,
// as cmd/peakload's savers do.
type saver struct {
	token    string
	path     string
	version  int64
	teachers int64
	body     []byte
	conns    map[string]*saverConn // by the gateway's base URL
}

type saverConn struct {
	conn  *loadhttp.Conn
	patch loadhttp.Request
}

// setUp makes n curators (savebench-curator-NN) of organisations of the
// demo's open campaign without a report, each with a filled report.
func setUp(ctx context.Context, base, password string, n int) ([]*saver, error) {
	op, err := signIn(ctx, base, "operator", password)
	if err != nil {
		return nil, fmt.Errorf("sign in the operator: %w", err)
	}
	meth, err := signIn(ctx, base, "methodologist", "Kimc-Krsk-2026")
	if err != nil {
		return nil, fmt.Errorf("sign in the demo methodologist (is the demo data loaded?): %w", err)
	}
	var campaigns struct {
		Campaigns []struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		} `json:"campaigns"`
	}
	if err := call(ctx, base, meth, "GET", "/v1/campaigns?year=2026", nil, &campaigns); err != nil {
		return nil, err
	}
	campaign := ""
	for _, c := range campaigns.Campaigns {
		if c.Status == "CAMPAIGN_STATUS_OPEN" {
			campaign = c.ID
		}
	}
	var expected struct {
		Organisations []struct {
			ID       string `json:"organisationId"`
			State    string `json:"state"`
			ReportID string `json:"reportId"`
		} `json:"organisations"`
	}
	if err := call(ctx, base, meth, "GET", "/v1/campaigns/"+campaign+"/organisations?pageSize=500", nil, &expected); err != nil {
		return nil, fmt.Errorf("the open campaign %q: %w", campaign, err)
	}
	var free []string
	var values map[string]json.RawMessage
	for _, e := range expected.Organisations {
		switch {
		case e.State == "REPORT_STATE_MISSING" && e.ReportID == "":
			free = append(free, e.ID)
		case e.State == "REPORT_STATE_ACCEPTED" && values == nil:
			var r report
			if err := call(ctx, base, meth, "GET", "/v1/reports/"+e.ReportID, nil, &r); err != nil {
				return nil, err
			}
			values = r.Values
		}
	}
	if len(free) < n || values == nil {
		return nil, fmt.Errorf("the open campaign has %d organisations without a report (need %d) and accepted values %v", len(free), n, values != nil)
	}
	var teachers struct {
		Count string `json:"count"`
	}
	if err := json.Unmarshal(values["teachers_total"], &teachers); err != nil {
		return nil, fmt.Errorf("teachers_total of the accepted report: %w", err)
	}
	count, err := strconv.ParseInt(teachers.Count, 10, 64)
	if err != nil {
		return nil, err
	}
	var savers []*saver
	for i, org := range free[:n] {
		login, pw := fmt.Sprintf("savebench-curator-%02d", i+1), "Savebench-2026-pass"
		err := call(ctx, base, op, "POST", "/v1/accounts", map[string]any{"password": pw, "account": map[string]any{
			"login": login, "name": "Куратор замера " + strconv.Itoa(i+1), "roles": []map[string]string{{"role": "ROLE_CURATOR", "scope": org}}}}, nil)
		if err != nil {
			return nil, err
		}
		tok, err := signIn(ctx, base, login, pw)
		if err != nil {
			return nil, err
		}
		var r report
		if err := call(ctx, base, tok, "POST", "/v1/campaigns/"+campaign+"/reports", map[string]any{"organisationId": org}, &r); err != nil {
			return nil, err
		}
		if err := call(ctx, base, tok, "PATCH", "/v1/reports/"+r.ID, map[string]any{"version": r.Version, "values": values}, &r); err != nil {
			return nil, err
		}
		s := &saver{token: tok, path: "/v1/reports/" + r.ID, teachers: count, conns: map[string]*saverConn{}}
		if s.version, err = strconv.ParseInt(r.Version, 10, 64); err != nil {
			return nil, err
		}
		savers = append(savers, s)
	}
	return savers, nil
}

// save changes the count of teachers by one with the version held, asking
// for the BASIC view, and keeps the new version.
func (s *saver) save(ctx context.Context, base string) error {
	s.teachers += 1 - 2*(s.teachers%2) // alternate between two counts
	b := append(s.body[:0], `{"version":"`...)
	b = strconv.AppendInt(b, s.version, 10)
	b = append(b, `","view":"REPORT_VIEW_BASIC","values":{"teachers_total":{"count":"`...)
	b = strconv.AppendInt(b, s.teachers, 10)
	b = append(b, `"}}}`...)
	s.body = b
	c := s.conns[base]
	if c == nil {
		conn, err := loadhttp.New(base)
		if err != nil {
			return err
		}
		c = &saverConn{conn: conn, patch: conn.NewRequest("PATCH", s.path, "User-Agent: nastavnik-savebench",
			"Authorization: Bearer "+s.token, "Content-Type: application/json", "Accept-Encoding: gzip")}
		s.conns[base] = c
	}
	status, answer, err := c.conn.Do(ctx, c.patch, b)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("save: %d %s", status, answer)
	}
	v, ok := loadhttp.TopString(answer, "version")
	if !ok {
		return fmt.Errorf("a save answered no version: %.300s", answer)
	}
	s.version, err = strconv.ParseInt(v, 10, 64)
	return err
}
