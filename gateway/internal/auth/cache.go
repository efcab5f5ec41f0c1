package auth

import (
	"context"
	"crypto/sha256"
	"strings"
	"sync"
	"time"

	"google.golang.org/grpc"
)

// MaxCacheTTL is the longest a resolved credential may be remembered: a token
// revoked, an account blocked or a session ended through another gateway
// replica (or directly at the registry) stops working within this time.
const MaxCacheTTL = 5 * time.Second

// Cache remembers for a few seconds who a credential (a session cookie or a
// bearer token) belongs to, so that a busy caller's requests do not each ask
// the registry. Entries are keyed by the SHA-256 of the credential, live at
// most the TTL, and the whole cache is forgotten as soon as this gateway
// carries a successful call that can end or change a credential (sign-out,
// token revocation, blocking, role or password changes): see Interceptor.
// The zero TTL turns the cache off.
type Cache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu sync.Mutex
	// gen changes on every Forget; a lookup started before it is not stored.
	gen     uint64
	entries map[[sha256.Size]byte]cacheEntry
}

type cacheEntry struct {
	caller  Caller // without the session secret
	expires time.Time
}

// NewCache returns a cache of at most size credentials, each kept for ttl
// (capped at MaxCacheTTL; 0 turns the cache off).
func NewCache(ttl time.Duration, size int) *Cache {
	return &Cache{ttl: min(ttl, MaxCacheTTL), max: max(size, 1), now: time.Now,
		entries: map[[sha256.Size]byte]cacheEntry{}}
}

func cacheKey(kind byte, secret string) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte{kind})
	h.Write([]byte(secret))
	var k [sha256.Size]byte
	h.Sum(k[:0])
	return k
}

// get returns the remembered caller of a credential and, on a miss, the
// generation to hand to put.
func (c *Cache) get(key [sha256.Size]byte) (Caller, uint64, bool) {
	if c == nil || c.ttl <= 0 {
		return Caller{}, 0, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && c.now().Before(e.expires) {
		return e.caller, c.gen, true
	}
	if ok {
		delete(c.entries, key)
	}
	return Caller{}, c.gen, false
}

// put remembers a caller unless the cache was forgotten since gen was read.
func (c *Cache) put(key [sha256.Size]byte, gen uint64, caller Caller) {
	if c == nil || c.ttl <= 0 {
		return
	}
	caller.Session = ""
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	now := c.now()
	if len(c.entries) >= c.max {
		for k, e := range c.entries {
			if !now.Before(e.expires) {
				delete(c.entries, k)
			}
		}
		// Still full of live entries: drop arbitrary ones (map order).
		for k := range c.entries {
			if len(c.entries) < c.max {
				break
			}
			delete(c.entries, k)
		}
	}
	c.entries[key] = cacheEntry{caller: caller, expires: now.Add(c.ttl)}
}

// Forget drops every remembered credential.
func (c *Cache) Forget() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// Len is the number of remembered credentials.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

// forgetting are the registry's methods whose success can end a credential or
// change what it allows.
var forgetting = map[string]bool{
	"AuthService/SignOut":           true,
	"AccountService/UpdateAccount":  true,
	"AccountService/BlockAccount":   true,
	"AccountService/UnblockAccount": true,
	"AccountService/ResetPassword":  true,
	"AccountService/ChangePassword": true,
	"AccountService/RevokeApiToken": true,
}

// Interceptor is the registry connection's client interceptor that forgets
// the cache after every successful call in forgetting, so that what is done
// through this gateway takes effect on its very next request.
func (c *Cache) Interceptor() grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err == nil {
			// "/nastavnik.registry.v1.AccountService/BlockAccount" → "AccountService/BlockAccount"
			svc, name, _ := strings.Cut(strings.TrimPrefix(method, "/"), "/")
			if forgetting[svc[strings.LastIndexByte(svc, '.')+1:]+"/"+name] {
				c.Forget()
			}
		}
		return err
	}
}
