package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	"github.com/nastavnik/nastavnik/platform/idempotency"
)

// A form that writes carries an idempotency key made when the form was
// rendered (the hidden field formKeyField, beside the CSRF token). Posting
// the same rendered form again — a double click, the browser resending it —
// sends the services the same keys, so nothing is created or changed twice
// and the second answer is the first one's page.
//
// One form may lead to several writes (a bulk accept, an edit that also
// moves), so each write gets a key of its own made from the form's key, the
// method and the request: the same form sending the same request repeats
// the key and is answered from the record; a request that differs (made from
// the state the first post left) is a new write that the service judges as
// any other.

// formKeyField is the form field of the key.
const formKeyField = "idempotency_key"

type formKeyCtx struct{}

// newFormKey is a fresh key for a form being rendered.
func newFormKey() string { return uuid.NewString() }

// withFormKey notes a posted form's key in ctx; a missing or malformed one
// (not a UUID) is ignored, and the post is an ordinary write.
func withFormKey(ctx context.Context, key string) context.Context {
	if uuid.Validate(key) != nil {
		return ctx
	}
	return context.WithValue(ctx, formKeyCtx{}, key)
}

// formKey is the key of the form being handled, empty when none.
func formKey(ctx context.Context) string {
	k, _ := ctx.Value(formKeyCtx{}).(string)
	return k
}

// callKey is the key of one write of a form: the form's key and a digest of
// the method and its request (61 printable characters).
func callKey(form, method string, req any) string {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	if m, ok := req.(proto.Message); ok {
		b, _ := proto.MarshalOptions{Deterministic: true}.Marshal(m)
		h.Write(b)
	}
	return form + "." + hex.EncodeToString(h.Sum(nil))[:24]
}

// keyedConn sends the key of the form being handled with every call of a
// method that takes one (idempotency.Keyed), and no key with any other.
type keyedConn struct{ grpc.ClientConnInterface }

func (c keyedConn) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	if k := formKey(ctx); k != "" && idempotency.Keyed(method) {
		ctx = metadata.AppendToOutgoingContext(ctx, idempotency.MetadataKey, callKey(k, method, args))
	}
	return c.ClientConnInterface.Invoke(ctx, method, args, reply, opts...)
}
