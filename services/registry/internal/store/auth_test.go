package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/testdb"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

func newStore(t *testing.T) *store.Store {
	t.Helper()
	return store.New(testdb.New(t, "registry", store.Migrations()))
}

func TestSessionExpiresWhenIdleAndAtItsAbsoluteEnd(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	a, err := s.CreateAccount(ctx, domain.Actor{}, domain.Account{Login: "op", Name: "Оператор",
		Roles: []domain.RoleBinding{{Role: identity.Operator}}}, "$argon2id$placeholder")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	hash := []byte("session-hash-1")
	if err := s.CreateSession(ctx, a.ID, hash, "csrf", start, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	// Used every 25 minutes, the session lives until its absolute end.
	now := start
	for now.Add(25 * time.Minute).Before(start.Add(domain.AbsoluteTimeout)) {
		now = now.Add(25 * time.Minute)
		if _, err := s.Session(ctx, hash, now); err != nil {
			t.Fatalf("session used at %s: %v", now.Sub(start), err)
		}
	}
	if _, err := s.Session(ctx, hash, start.Add(domain.AbsoluteTimeout)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("at its absolute end: %v, want not found", err)
	}

	idle := []byte("session-hash-2")
	if err := s.CreateSession(ctx, a.ID, idle, "csrf", start, "127.0.0.1", "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Session(ctx, idle, start.Add(domain.IdleTimeout+time.Second)); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("idle for longer than %s: %v, want not found", domain.IdleTimeout, err)
	}
}

func TestThrottle(t *testing.T) {
	t.Parallel()
	last := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		failures int
		want     time.Duration // 0: no wait
	}{{0, 0}, {2, 0}, {3, time.Second}, {4, 2 * time.Second}, {9, 64 * time.Second}, {10, 15 * time.Minute}, {50, 15 * time.Minute}}
	for _, tc := range tests {
		got := domain.DefaultThrottle.Wait(tc.failures, last)
		if tc.want == 0 && !got.IsZero() || tc.want != 0 && got.Sub(last) != tc.want {
			t.Errorf("Wait(%d) = %v after the last failure, want %v", tc.failures, got.Sub(last), tc.want)
		}
	}
}
