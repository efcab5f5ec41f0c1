package fault_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// repoRoot is the clone's root: the directory of go.work above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.work above the test's directory")
		}
		dir = parent
	}
}

var built struct {
	once sync.Once
	dir  string
	err  error
}

// TestMain removes the binaries the tests shared.
func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// buildBinaries builds the platform's commands into a temporary directory,
// once per test binary: every test of the package runs the same ones.
func buildBinaries(t *testing.T, root string) string {
	t.Helper()
	built.once.Do(func() {
		start := time.Now()
		built.dir, built.err = os.MkdirTemp("", "nastavnik-bin-")
		if built.err != nil {
			return
		}
		args := []string{"build", "-o", built.dir + "/"}
		if raceBuild {
			args = append(args, "-race")
		}
		args = append(args, "./services/registry/cmd/registry", "./services/roadmap/cmd/roadmap",
			"./services/indicators/cmd/indicators", "./gateway/cmd/gateway", "./platform/cmd/dbinit",
			"./services/registry/cmd/registry-admin")
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		if b, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("go build: %w\n%s", err, b)
			return
		}
		t.Logf("binaries built in %s", time.Since(start).Round(time.Second))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.dir
}

// freePort is a loopback port nobody listens on now, below the kernel's
// range of ephemeral ports: the processes stopped and started again on it
// find it free, since no outgoing connection is ever given it as its own
// port meanwhile (one in that range was, once, and the restart failed).
func freePort(t *testing.T) int {
	t.Helper()
	low := 32768 // Linux's default first ephemeral port
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	const first = 10000
	if low <= first+1000 {
		t.Fatalf("the ephemeral ports start at %d: no room below them", low)
	}
	for range 1000 {
		port := first + mrand.IntN(low-first)
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			continue
		}
		l.Close()
		return port
	}
	t.Fatal("no free port below the ephemeral range")
	return 0
}

// cluster is a PostgreSQL cluster of the test's own, run by scripts/pg.sh,
// which the test may stop and start.
type cluster struct {
	t    *testing.T
	pgsh string
	dir  string
	port int
}

// newCluster initialises and starts a cluster under a fresh directory that
// the postgres user can enter; it is stopped and removed when the test ends.
func newCluster(t *testing.T, root string) *cluster {
	t.Helper()
	base, err := os.MkdirTemp("", "nastavnik-fault-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &cluster{t: t, pgsh: filepath.Join(root, "scripts", "pg.sh"), dir: filepath.Join(base, "pg"), port: freePort(t)}
	t.Cleanup(func() {
		c.run("stop", "immediate")
		os.RemoveAll(base)
	})
	c.start()
	return c
}

func (c *cluster) run(cmd, mode string) error {
	args := []string{cmd, c.dir}
	if cmd == "start" {
		args = append(args, fmt.Sprint(c.port))
	}
	x := exec.Command(c.pgsh, args...)
	x.Env = append(os.Environ(), "PG_FSYNC=off", "PG_STOP_MODE="+mode)
	out, err := x.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg.sh %s: %w\n%s", cmd, err, out)
	}
	return nil
}

func (c *cluster) start() {
	c.t.Helper()
	if err := c.run("start", ""); err != nil {
		c.t.Fatal(err)
	}
}

// stop stops the cluster: "immediate" as a crash would, "fast" cleanly.
func (c *cluster) stop(mode string) {
	c.t.Helper()
	if err := c.run("stop", mode); err != nil {
		c.t.Fatal(err)
	}
}

// adminURL is the superuser URL of database db.
func (c *cluster) adminURL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s", c.port, db)
}

// roleURL is the URL a service connects with (dbinit's default passwords).
func (c *cluster) roleURL(role string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/nastavnik", role, role, c.port)
}

// proc is a platform process the test starts, stops, kills and restarts.
type proc struct {
	t    *testing.T
	name string
	bin  string
	env  []string
	log  string
	cmd  *exec.Cmd
	done chan struct{}
}

// newProc is the command cmd of bins run as name (the command's name, or a
// replica's such as "registry-2"), logging to logs/name.log.
func newProc(t *testing.T, bins, logs, cmd, name string, env ...string) *proc {
	p := &proc{t: t, name: name, bin: filepath.Join(bins, cmd), env: env, log: filepath.Join(logs, name+".log")}
	t.Cleanup(p.stop)
	return p
}

// start runs the process, its output appended to its log.
func (p *proc) start() {
	p.t.Helper()
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		p.t.Fatal(err)
	}
	p.cmd = exec.Command(p.bin)
	p.cmd.Env = append(os.Environ(), p.env...)
	p.cmd.Stdout, p.cmd.Stderr = f, f
	if err := p.cmd.Start(); err != nil {
		f.Close()
		p.t.Fatal(err)
	}
	done := make(chan struct{})
	p.done = done
	go func(cmd *exec.Cmd) {
		_ = cmd.Wait()
		f.Close()
		close(done)
	}(p.cmd)
}

// kill ends the process with SIGKILL: no shutdown, in-flight calls cut.
func (p *proc) kill() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		p.t.Fatalf("kill %s: %v", p.name, err)
	}
	<-p.done
}

// await waits up to limit for the process to end (after a SIGTERM, say);
// it fails the test when the process takes longer or exits with an error.
func (p *proc) await(limit time.Duration) {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(limit):
		p.t.Fatalf("%s still runs after %s\n%s", p.name, limit, p.tail())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Errorf("%s exited with %d, want 0\n%s", p.name, code, p.tail())
	}
}

// stop ends the process with SIGTERM (SIGKILL after 10 s) when it runs.
func (p *proc) stop() {
	if p.cmd == nil {
		return
	}
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// tail is what the process logged at level ERROR and its last lines, for
// failure messages.
func (p *proc) tail() string {
	b, _ := os.ReadFile(p.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var out []string
	for _, l := range lines {
		if strings.Contains(l, `"level":"ERROR"`) && len(out) < 20 {
			out = append(out, l)
		}
	}
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	out = append(out, "…")
	out = append(out, lines...)
	return p.name + ":\n  " + strings.Join(out, "\n  ")
}

// waitReady polls url until it answers 200, or fails the test after limit.
func waitReady(t *testing.T, url string, limit time.Duration, procs ...*proc) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	var logs bytes.Buffer
	for _, p := range procs {
		fmt.Fprintln(&logs, p.tail())
	}
	t.Fatalf("%s not ready after %s\n%s", url, limit, logs.String())
}

// identityKey is a fresh key the gateway signs identities with.
func identityKey() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}
