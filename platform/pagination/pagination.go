// Package pagination encodes opaque, filter-bound cursor tokens for keyset
// pagination: a token from one query is refused by a query with other filters,
// and a token is signed, so a client can hand one back but never forge or
// alter the cursor in it (a cursor the services read back is always one they
// wrote: no id that is not a UUID, no NUL character, reaches their SQL).
package pagination

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/nastavnik/nastavnik/platform/validation"
)

// macSize is the length of a token's signature.
const macSize = 16

// macKey signs tokens: a random key of this process until SetKey.
var macKey atomic.Pointer[[]byte]

func init() {
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	macKey.Store(&k)
}

// SetKey derives the key tokens are signed with from secret. Every replica of
// every service must use the same secret (service.Start passes IDENTITY_KEY),
// so that a token one replica wrote is read by another.
func SetKey(secret []byte) {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("nastavnik pagination token"))
	k := m.Sum(nil)
	macKey.Store(&k)
}

func sign(payload []byte) []byte {
	m := hmac.New(sha256.New, *macKey.Load())
	m.Write(payload)
	return m.Sum(nil)[:macSize]
}

// DefaultSize and MaxSize bound page sizes.
const (
	DefaultSize = 50
	MaxSize     = 500
)

// ErrBadToken is returned for a token that is malformed or belongs to a query
// with other filters.
var ErrBadToken = errors.New("page token is invalid or belongs to other filters")

// Size returns the effective page size for a requested one.
func Size(requested int32) int {
	switch {
	case requested <= 0:
		return DefaultSize
	case requested > MaxSize:
		return MaxSize
	}
	return int(requested)
}

type envelope struct {
	Filter string          `json:"f"`
	Cursor json.RawMessage `json:"c"`
}

// Encode returns the token for the page after cursor under the given filters.
func Encode(filters any, cursor any) (string, error) {
	c, err := json.Marshal(cursor)
	if err != nil {
		return "", fmt.Errorf("pagination.Encode: %w", err)
	}
	b, err := json.Marshal(envelope{Filter: fingerprint(filters), Cursor: c})
	if err != nil {
		return "", fmt.Errorf("pagination.Encode: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(append(b, sign(b)...)), nil
}

// Decode reads token into cursor. An empty token leaves cursor untouched and
// returns false: the first page.
func Decode(token string, filters any, cursor any) (bool, error) {
	if token == "" {
		return false, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) <= macSize {
		return false, ErrBadToken
	}
	b, mac := raw[:len(raw)-macSize], raw[len(raw)-macSize:]
	if !hmac.Equal(mac, sign(b)) {
		return false, ErrBadToken
	}
	var env envelope
	if err := json.Unmarshal(b, &env); err != nil || env.Filter != fingerprint(filters) {
		return false, ErrBadToken
	}
	if err := json.Unmarshal(env.Cursor, cursor); err != nil {
		return false, ErrBadToken
	}
	return true, nil
}

// Read reads a List request's page token under filters into cursor, which
// an empty token (the first page) leaves untouched. A token that is
// malformed or belongs to other filters is the request's page_token field
// violation (validation.BadPageToken): the answer of every List RPC.
func Read(token string, filters any, cursor any) error {
	if _, err := Decode(token, filters, cursor); err != nil {
		return validation.Field("page_token", validation.BadPageToken())
	}
	return nil
}

// After reads a List request's page token under filters as Read does: the
// cursor the page starts after, nil for the first page.
func After[C any](token string, filters any) (*C, error) {
	if token == "" {
		return nil, nil
	}
	var c C
	if err := Read(token, filters, &c); err != nil {
		return nil, err
	}
	return &c, nil
}

func fingerprint(filters any) string {
	b, _ := json.Marshal(filters)
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:8])
}

// Trim cuts items, fetched with a limit of size+1, to one page and returns the
// token of the next page: empty when items held no more than size.
func Trim[T any](items []T, size int, filters any, cursor func(last T) any) ([]T, string, error) {
	if len(items) <= size {
		return items, "", nil
	}
	items = items[:size]
	tok, err := Encode(filters, cursor(items[size-1]))
	return items, tok, err
}
