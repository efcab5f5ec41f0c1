// Package grpcclient dials the platform's services: a target is host:port, a
// resolver target (dns:///name:port balances over every address the name
// resolves to) or a comma-separated list of host:port, one per replica. Calls
// go round-robin over the replicas that answer, and reads (Get…, List…,
// Authenticate, health checks) that meet a replica going away (UNAVAILABLE) are retried on
// another; a write that meets it returns UNAVAILABLE, which callers may retry.
package grpcclient

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/status"
)

// readAttempts is how often a read is tried when replicas go away.
const readAttempts = 3

var schemes atomic.Int64

// Dial returns a lazy connection to target (see the package comment) with
// opts added.
func Dial(target string, opts ...grpc.DialOption) (*grpc.ClientConn, error) {
	opts = append([]grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultServiceConfig(`{"loadBalancingConfig":[{"round_robin":{}}]}`),
		grpc.WithChainUnaryInterceptor(retryReads),
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

// idempotent reports methods that only read (Authenticate only notes when a
// session was last used).
func idempotent(method string) bool {
	name := method[strings.LastIndexByte(method, '/')+1:]
	return strings.HasPrefix(name, "Get") || strings.HasPrefix(name, "List") || name == "Authenticate" ||
		method == "/grpc.health.v1.Health/Check"
}

// retryReads tries a read again on UNAVAILABLE (a replica stopping or gone):
// round robin sends the next attempt to another replica.
func retryReads(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	err := invoker(ctx, method, req, reply, cc, opts...)
	for attempt := 1; attempt < readAttempts && status.Code(err) == codes.Unavailable && idempotent(method); attempt++ {
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 20 * time.Millisecond):
		}
		err = invoker(ctx, method, req, reply, cc, opts...)
	}
	return err
}
