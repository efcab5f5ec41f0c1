package grpcclient

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
)

func TestDialAcceptsAListOfReplicas(t *testing.T) {
	conn, err := Dial("127.0.0.1:1,127.0.0.1:2")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if got := conn.Target(); got == "127.0.0.1:1,127.0.0.1:2" {
		t.Errorf("target %q: the list went to the default resolver", got)
	}
}

// backend is a gRPC server on loopback with the health service, counting the
// health checks (Check, not the client's Watch) it answers.
type backend struct {
	addr   string
	health *health.Server
	calls  atomic.Int64
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{addr: lis.Addr().String(), health: health.NewServer()}
	srv := grpc.NewServer(grpc.UnaryInterceptor(func(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
		b.calls.Add(1)
		return h(ctx, req)
	}))
	healthpb.RegisterHealthServer(srv, b.health)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return b
}

// TestDialLeavesOutAReplicaThatIsNotServing: calls go round-robin over both
// replicas of a list; once one's health says NOT_SERVING (a replica shutting
// down), every call goes to the other, and it is back in the rotation when
// it serves again.
func TestDialLeavesOutAReplicaThatIsNotServing(t *testing.T) {
	a, b := newBackend(t), newBackend(t)
	conn, err := Dial(a.addr + "," + b.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := healthpb.NewHealthClient(conn)
	// spread sends n calls and returns how many each backend answered.
	spread := func(n int) (int64, int64) {
		t.Helper()
		a0, b0 := a.calls.Load(), b.calls.Load()
		for range n {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_, err := client.Check(ctx, &healthpb.HealthCheckRequest{Service: "probe"})
			cancel()
			if status.Code(err) != codes.NotFound { // the service "probe" is unknown to both
				t.Fatalf("Check: %v, want NotFound", err)
			}
		}
		return a.calls.Load() - a0, b.calls.Load() - b0
	}
	// eventually retries a batch of calls until cond holds for it: the
	// health status reaches the client asynchronously.
	eventually := func(what string, cond func(gotA, gotB int64) bool) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			gotA, gotB := spread(20)
			if cond(gotA, gotB) {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: got %d calls on a, %d on b", what, gotA, gotB)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	eventually("both serving", func(gotA, gotB int64) bool { return gotA > 0 && gotB > 0 })
	a.health.SetServingStatus("", healthpb.HealthCheckResponse_NOT_SERVING)
	eventually("a not serving", func(gotA, gotB int64) bool { return gotA == 0 && gotB == 20 })
	if gotA, gotB := spread(50); gotA != 0 || gotB != 50 {
		t.Errorf("a not serving: got %d calls on a, %d on b, want 0 and 50", gotA, gotB)
	}
	a.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	eventually("a serving again", func(gotA, gotB int64) bool { return gotA > 0 && gotB > 0 })
}
