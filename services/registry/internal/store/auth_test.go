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

// Wrong current passwords checked at once, for one account and for another,
// from one address, each take their throttle rows in the same order: none
// deadlocks, and every failure is counted.
func TestConcurrentPasswordChecksFromOneAddress(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	var ids []string
	for _, login := range []string{"kurator-a", "kurator-b"} {
		a, err := s.CreateAccount(ctx, domain.Actor{}, domain.Account{Login: login, Name: "Куратор",
			Roles: []domain.RoleBinding{{Role: identity.Operator}}}, "$argon2id$placeholder")
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, a.ID)
	}
	now := time.Date(2026, 12, 14, 9, 0, 0, 0, time.UTC)
	wide := domain.Throttle{Free: 1000, LockAfter: 1000, LockFor: time.Minute}
	const perAccount = 40
	errs := make(chan error, 2*perAccount)
	for i := range 2 * perAccount {
		go func() {
			actor := domain.Actor{AccountID: ids[i%2], RemoteAddr: "192.0.2.7"}
			errs <- s.CheckPassword(ctx, actor, ids[i%2], now, wide, wide, func(string) bool { return false })
		}()
	}
	for range 2 * perAccount {
		if err := <-errs; !errors.Is(err, domain.ErrBadCredentials) {
			t.Errorf("a wrong password: %v, want bad credentials", err)
		}
	}
	// The address's count holds every failure: the next check from it is
	// throttled by a limit of exactly that many.
	exact := domain.Throttle{Free: 2 * perAccount, LockAfter: 2 * perAccount, LockFor: time.Minute}
	err := s.CheckPassword(ctx, domain.Actor{AccountID: ids[0], RemoteAddr: "192.0.2.7"}, ids[0], now, wide, exact,
		func(string) bool { return true })
	if !errors.Is(err, domain.ErrTooManyPasswordAttempts) {
		t.Errorf("after %d failures from the address: %v, want too many attempts", 2*perAccount, err)
	}
}
