package identity

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// TTL is how long a signed identity is valid: one request's worth.
const TTL = 2 * time.Minute

// Open reports methods any caller may use without an identity: health checks
// and reflection.
func Open(fullMethod string) bool {
	return strings.HasPrefix(fullMethod, "/grpc.health.v1.Health/") ||
		strings.HasPrefix(fullMethod, "/grpc.reflection.")
}

// IsRead reports methods that change nothing, by their name (Get…, List…,
// Parse…, Check…, Export…).
func IsRead(fullMethod string) bool {
	name := fullMethod[strings.LastIndex(fullMethod, "/")+1:]
	for _, prefix := range []string{"Get", "List", "Parse", "Check", "Export"} {
		if strings.HasPrefix(name, prefix) {
			return true
		}
	}
	return false
}

// Authenticator returns the gRPC authentication hook of a service: every call
// but Open ones needs a valid identity; methods in systemOnly need the gateway's
// own identity and no other; read-only principals may only call read methods.
func (s *Signer) Authenticator(systemOnly func(fullMethod string) bool) func(ctx context.Context, fullMethod string) (context.Context, error) {
	return func(ctx context.Context, fullMethod string) (context.Context, error) {
		if Open(fullMethod) {
			return ctx, nil
		}
		vals := metadata.ValueFromIncomingContext(ctx, MetadataKey)
		if len(vals) != 1 {
			return nil, status.Error(codes.Unauthenticated, "no identity: sign in")
		}
		p, err := s.Verify(vals[0], time.Now())
		if err != nil {
			return nil, status.Error(codes.Unauthenticated, "identity is not valid: sign in again")
		}
		system := p.Is(System)
		if systemOnly != nil && systemOnly(fullMethod) != system {
			return nil, status.Error(codes.PermissionDenied, "this method is not for this caller")
		}
		if p.ReadOnly && !IsRead(fullMethod) {
			return nil, status.Error(codes.PermissionDenied, "a read-only token cannot change data")
		}
		return WithPrincipal(ctx, p), nil
	}
}

// Outgoing returns ctx with p signed into the outgoing metadata.
func (s *Signer) Outgoing(ctx context.Context, p Principal) (context.Context, error) {
	tok, err := s.Sign(p, time.Now(), TTL)
	if err != nil {
		return nil, err
	}
	return metadata.AppendToOutgoingContext(ctx, MetadataKey, tok), nil
}

// DialOption signs p into every call of a connection, for tools that act as
// one principal (the demo loader, tests).
func (s *Signer) DialOption(p Principal) grpc.DialOption {
	return grpc.WithPerRPCCredentials(perRPC{s: s, p: p})
}

type perRPC struct {
	s *Signer
	p Principal
}

func (c perRPC) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	tok, err := c.s.Sign(c.p, time.Now(), TTL)
	if err != nil {
		return nil, err
	}
	return map[string]string{MetadataKey: tok}, nil
}

func (perRPC) RequireTransportSecurity() bool { return false }

// Caller returns the authenticated principal of a call; the interceptor chain
// guarantees one on every method but health checks, so its absence is
// UNAUTHENTICATED.
func Caller(ctx context.Context) (Principal, error) {
	p, ok := FromContext(ctx)
	if !ok {
		return Principal{}, status.Error(codes.Unauthenticated, "no identity: sign in")
	}
	return p, nil
}
