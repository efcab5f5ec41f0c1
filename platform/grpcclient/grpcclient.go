// Package grpcclient dials the platform's services: a target is host:port, a
// resolver target (dns:///name:port balances over every address the name
// resolves to) or a comma-separated list of host:port, one per replica. Calls
// go round-robin over the replicas that are connected and whose gRPC health
// says SERVING (a replica shutting down turns NOT_SERVING first and leaves
// the rotation before it closes its connections); a call that meets a replica
// going away (UNAVAILABLE) is sent again, to another, when idempotency.Retry
// says it may be (a read, or a write carrying an idempotency key).
package grpcclient

import (
	"fmt"
	"strings"
	"sync/atomic"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	_ "google.golang.org/grpc/health" // client-side health checking (healthCheckConfig)
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

var schemes atomic.Int64

// serviceConfig balances round-robin over the replicas whose health (the
// server's overall status, service "") is SERVING; a replica without the
// health service counts as serving.
const serviceConfig = `{"loadBalancingConfig":[{"round_robin":{}}],"healthCheckConfig":{"serviceName":""}}`

// Dial returns a lazy connection to target (see the package comment) with
// opts added.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(serviceConfig),
		grpc.WithChainUnaryInterceptor(idempotency.Retry(idempotency.DefaultRetry)),
	}, opts...)
	if addrs := strings.Split(target, ","); len(addrs) > 1 {
		// A static list: a resolver of its own that names every replica.
		r := manual.NewBuilderWithScheme(fmt.Sprintf("replicas%d", schemes.Add(1)))
		state := resolver.State{}
		for _, a := range addrs {
			state.Addresses = append(state.Addresses, resolver.Address{Addr: strings.TrimSpace(a)})
		}
		r.InitialState(state)
		opts = append(opts, grpc.WithResolvers(r))
		target = r.Scheme() + ":///replicas"
	}
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		return nil, fmt.Errorf("grpcclient: dial %s: %w", target, err)
	}
	return conn, nil
}
