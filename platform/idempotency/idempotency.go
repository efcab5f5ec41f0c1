// Package idempotency makes a write safe to repeat. A client names a write
// with a key (the HTTP header Idempotency-Key, which the gateway passes on as
// the gRPC metadata idempotency-key); the service that owns the data records
// the key, the caller, the method and a hash of the request together with the
// answer, in the same transaction as the change. A repeat of the same request
// under the same key gets the stored answer and changes nothing; the same key
// with another request is refused, naming the key. A second request with a
// key still in flight waits for the first and then gets its answer. Keys live
// for Expiry; expired ones are removed as new ones come.
//
// The same package holds the client side: Retry repeats a call that met an
// unavailable service only when repeating it is safe — a read, or a write
// carrying a key.
//
// Every service that takes keys has the table (idempotency_keys, schema.sql)
// in its own schema, as each service owns its data: its migrations add it
// with WithMigration.
package idempotency

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/grpcerr"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/validation"
)

const (
	// MetadataKey is the gRPC metadata that carries the key.
	MetadataKey = "idempotency-key"
	// Header is the HTTP header a client sends the key in.
	Header = "Idempotency-Key"
	// ReplayedKey is the gRPC header (and, through the gateway, the HTTP
	// header Idempotent-Replayed) set on an answer that was stored earlier.
	ReplayedKey = "idempotent-replayed"
	// MaxKeyLength bounds a key (a UUID is 36 characters).
	MaxKeyLength = 128
	// Expiry is how long a key is remembered.
	Expiry = 24 * time.Hour
	// cleanBatch is how many expired keys one new key removes at most.
	cleanBatch = 100
)

// Server records and replays the answers of keyed calls of the methods it
// was given, in the service's database.
type Server struct {
	pool    *pgxpool.Pool
	methods map[string]protoreflect.MessageType // full method → response type
	now     func() time.Time
}

// New returns the recorder of the given gRPC methods (full names, such as
// indicatorsv1.ReportService_SubmitReport_FullMethodName); a key sent to any
// other method is refused.
func New(pool *pgxpool.Pool, fullMethods []string) (*Server, error) {
	s := &Server{pool: pool, methods: map[string]protoreflect.MessageType{}, now: time.Now}
	for _, m := range fullMethods {
		t, err := responseType(m)
		if err != nil {
			return nil, fmt.Errorf("idempotency: %s: %w", m, err)
		}
		s.methods[m] = t
	}
	return s, nil
}

// responseType finds the Go type of a method's response from the registered
// descriptors.
func responseType(fullMethod string) (protoreflect.MessageType, error) {
	svc, method, ok := strings.Cut(strings.TrimPrefix(fullMethod, "/"), "/")
	if !ok {
		return nil, errors.New("not a full method name")
	}
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(svc))
	if err != nil {
		return nil, err
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		return nil, errors.New("not a service")
	}
	md := sd.Methods().ByName(protoreflect.Name(method))
	if md == nil {
		return nil, errors.New("no such method")
	}
	return protoregistry.GlobalTypes.FindMessageByName(md.Output().FullName())
}

// Key is the idempotency key of an incoming call; empty when none was sent.
func Key(ctx context.Context) string {
	if v := metadata.ValueFromIncomingContext(ctx, MetadataKey); len(v) > 0 {
		return v[0]
	}
	return ""
}

// checkKey refuses a key that is too long or not printable ASCII.
func checkKey(key string) error {
	if len(key) > MaxKeyLength {
		return validation.Field(Header, validation.New("too_long").With("max", MaxKeyLength))
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x21 || key[i] > 0x7e {
			return validation.Field(Header, validation.New("idempotency_key_format"))
		}
	}
	return nil
}

// Unary is the server interceptor. It runs after authentication and request
// validation: a keyed call of a recorded method runs in one transaction that
// the handler's store joins (database.WithTx) and that commits the change
// with its answer; errors are not recorded, so a failed call may be repeated.
func (s *Server) Unary(errs grpcerr.Table) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		key := Key(ctx)
		if key == "" {
			return handler(ctx, req)
		}
		respType, ok := s.methods[info.FullMethod]
		if !ok {
			return nil, errs.Status(ctx, validation.Field(Header, validation.New("idempotency_key_unsupported")))
		}
		if err := checkKey(key); err != nil {
			return nil, errs.Status(ctx, err)
		}
		msg, ok := req.(proto.Message)
		if !ok {
			return handler(ctx, req)
		}
		p, err := identity.Caller(ctx)
		if err != nil {
			return nil, err
		}
		resp, err := s.call(ctx, principal(p), key, info.FullMethod, msg, respType, handler)
		if err != nil {
			return nil, errs.Status(ctx, err)
		}
		return resp, nil
	}
}

// principal names the caller a key belongs to: keys of different callers
// never meet.
func principal(p identity.Principal) string {
	if p.AccountID != "" {
		return p.AccountID
	}
	return "login:" + p.Login
}

func (s *Server) call(ctx context.Context, who, key, method string, req proto.Message,
	respType protoreflect.MessageType, handler grpc.UnaryHandler) (any, error) {
	raw, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("idempotency: hash request: %w", err)
	}
	sum := sha256.Sum256(raw)
	hash := sum[:]

	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return nil, fmt.Errorf("idempotency: begin: %w", database.Driver(err))
	}
	defer tx.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op after commit
	now := s.now()
	// A key in flight in another transaction makes this insert wait for it:
	// committed, its answer is read below; rolled back, this call proceeds.
	var fresh bool
	err = tx.QueryRow(ctx, `INSERT INTO idempotency_keys AS k (principal, key, method, request_hash, create_time, expire_time)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (principal, key) DO UPDATE SET method = EXCLUDED.method, request_hash = EXCLUDED.request_hash,
			response = '', create_time = EXCLUDED.create_time, expire_time = EXCLUDED.expire_time
		WHERE k.expire_time < EXCLUDED.create_time
		RETURNING true`, who, key, method, hash, now, now.Add(Expiry)).Scan(&fresh)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return s.replay(ctx, tx, who, key, method, hash, respType)
	case err != nil:
		return nil, fmt.Errorf("idempotency: record key: %w", database.Driver(err))
	}
	resp, err := handler(database.WithTx(ctx, tx), req)
	if err != nil {
		return nil, err
	}
	out, err := proto.MarshalOptions{Deterministic: true}.Marshal(resp.(proto.Message))
	if err != nil {
		return nil, fmt.Errorf("idempotency: store answer: %w", database.Driver(err))
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET response = $3 WHERE principal = $1 AND key = $2`,
		who, key, out); err != nil {
		return nil, fmt.Errorf("idempotency: store answer: %w", database.Driver(err))
	}
	if _, err := tx.Exec(ctx, `DELETE FROM idempotency_keys WHERE (principal, key) IN (
		SELECT principal, key FROM idempotency_keys WHERE expire_time < $1 LIMIT $2 FOR UPDATE SKIP LOCKED)`,
		now, cleanBatch); err != nil {
		return nil, fmt.Errorf("idempotency: clean expired keys: %w", database.Driver(err))
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("idempotency: commit: %w", database.Driver(err))
	}
	return resp, nil
}

// replay answers a key seen before: the stored answer when the request is the
// same, an error naming the key when it is not.
func (s *Server) replay(ctx context.Context, tx pgx.Tx, who, key, method string, hash []byte,
	respType protoreflect.MessageType) (any, error) {
	var storedMethod string
	var storedHash, stored []byte
	if err := tx.QueryRow(ctx, `SELECT method, request_hash, response FROM idempotency_keys WHERE principal = $1 AND key = $2`,
		who, key).Scan(&storedMethod, &storedHash, &stored); err != nil {
		return nil, fmt.Errorf("idempotency: read key: %w", database.Driver(err))
	}
	if storedMethod != method || string(storedHash) != string(hash) {
		return nil, validation.Field(Header, validation.New("idempotency_key_reused").With("value", key))
	}
	resp := respType.New().Interface()
	if err := proto.Unmarshal(stored, resp); err != nil {
		return nil, fmt.Errorf("idempotency: read answer: %w", err)
	}
	_ = grpc.SetHeader(ctx, metadata.Pairs(ReplayedKey, "true"))
	return resp, nil
}
