package auth

import (
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/identity"
)

func TestCacheKeepsEntriesForTheTTLWithinItsSize(t *testing.T) {
	now := time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC)
	c := NewCache(time.Minute, 3) // capped at MaxCacheTTL
	c.now = func() time.Time { return now }
	caller := Caller{Principal: identity.Principal{Login: "curator"}, Session: "secret", CSRF: "csrf"}

	k := cacheKey('s', "secret")
	_, gen, ok := c.get(k)
	if ok {
		t.Fatal("an empty cache answered")
	}
	c.put(k, gen, caller)
	got, _, ok := c.get(k)
	if !ok || got.Principal.Login != "curator" || got.CSRF != "csrf" || got.Session != "" {
		t.Errorf("got %+v %v, want the curator without the session secret", got, ok)
	}
	if _, _, ok := c.get(cacheKey('b', "secret")); ok {
		t.Error("a bearer token with the session's text answered as the session")
	}

	now = now.Add(MaxCacheTTL - time.Millisecond)
	if _, _, ok := c.get(k); !ok {
		t.Error("forgotten before the TTL")
	}
	now = now.Add(time.Millisecond)
	if _, _, ok := c.get(k); ok {
		t.Errorf("remembered after %s, want at most %s", MaxCacheTTL, MaxCacheTTL)
	}

	for i := range 10 {
		_, gen, _ := c.get(cacheKey('b', string(rune('a'+i))))
		c.put(cacheKey('b', string(rune('a'+i))), gen, caller)
	}
	if got := c.Len(); got != 3 {
		t.Errorf("got %d entries, want at most the size 3", got)
	}

	// A lookup that started before Forget is not stored.
	k = cacheKey('b', "revoked")
	_, gen, _ = c.get(k)
	c.Forget()
	c.put(k, gen, caller)
	if _, _, ok := c.get(k); ok || c.Len() != 0 {
		t.Errorf("an answer read before Forget was stored (%d entries)", c.Len())
	}

	off := NewCache(0, 10)
	_, gen, _ = off.get(k)
	off.put(k, gen, caller)
	if _, _, ok := off.get(k); ok {
		t.Error("a cache with TTL 0 remembered")
	}
}
