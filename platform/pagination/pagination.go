// Package pagination encodes opaque, filter-bound cursor tokens for keyset
// pagination: a token from one query is refused by a query with other filters.
package pagination

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

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
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// Decode reads token into cursor. An empty token leaves cursor untouched and
// returns false: the first page.
func Decode(token string, filters any, cursor any) (bool, error) {
	if token == "" {
		return false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
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
