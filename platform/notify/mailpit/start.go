package mailpit

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Module is the Mailpit the tests and `make run` build.
const Module = "github.com/axllent/mailpit@v1.33.1"

// Server is a running Mailpit.
type Server struct {
	*Client
	SMTPHost string
	SMTPPort int
}

var buildOnce sync.Once
var binary string
var buildErr error

// Binary builds Mailpit once into the user's cache directory (kept between
// runs; the module comes from the module cache) and returns its path.
func Binary() (string, error) {
	buildOnce.Do(func() {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir()
		}
		dir = filepath.Join(dir, "nastavnik", "mailpit-v1.33.1")
		binary = filepath.Join(dir, "mailpit")
		if _, err := os.Stat(binary); err == nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "install", Module)
		cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOWORK=off", "GOFLAGS=-mod=mod")
		cmd.Dir = os.TempDir()
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("mailpit: go install %s: %w\n%s", Module, err, out)
		}
	})
	return binary, buildErr
}

// Start runs a Mailpit for the test on free loopback ports, keeping every
// message (no limit), and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	smtpPort, httpPort := freePort(t), freePort(t)
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--db-file", filepath.Join(t.TempDir(), "mailpit.db"), "--max", "0", "--quiet", "--disable-version-check",
		"--smtp-disable-rdns")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("mailpit: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	s := &Server{Client: &Client{BaseURL: "http://127.0.0.1:" + strconv.Itoa(httpPort)}, SMTPHost: "127.0.0.1", SMTPPort: smtpPort}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.BaseURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit did not start: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
