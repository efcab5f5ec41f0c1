package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	registryv1 "github.com/nastavnik/nastavnik/proto/gen/nastavnik/registry/v1"
	"github.com/nastavnik/nastavnik/services/registry/app"
	"github.com/nastavnik/nastavnik/services/registry/internal/server"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

// Wrong current passwords given to change a password are throttled as
// failed sign-ins are, per account (the same count: a stolen session guesses
// no faster than the sign-in form) and per client address (one client cannot
// guess through many accounts): ResourceExhausted, until the wait is over.
func TestPasswordChangeIsThrottled(t *testing.T) {
	// The time stands still: every wait the throttle sets lies ahead, however
	// long the hashing takes (seconds under the race detector).
	frozen := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	spec := app.Spec
	spec.Register = func(env service.Env) error {
		server.New(store.New(env.Pool)).WithClock(func() time.Time { return frozen }).Register(env.Server)
		return nil
	}
	r := servicetest.Start(t, spec)
	ctx := context.Background()
	const pw = "Верный-пароль-2026"
	// person n signs its calls from addr.
	person := func(n int, addr string) registryv1.AccountServiceClient {
		login := fmt.Sprintf("person-%d", n)
		return registryv1.NewAccountServiceClient(r.Dial(t, identity.Principal{AccountID: accountID(t, r, login, pw), Login: login,
			Bindings: []identity.Binding{{Role: identity.Operator}}, RemoteAddr: addr}))
	}
	change := func(c registryv1.AccountServiceClient, current string) codes.Code {
		_, err := c.ChangePassword(ctx, &registryv1.ChangePasswordRequest{CurrentPassword: current, NewPassword: "Новый-пароль-2027"})
		if status.Code(err) == codes.ResourceExhausted && status.Convert(err).Message() == "" {
			t.Errorf("ResourceExhausted without a message")
		}
		return status.Code(err)
	}

	// Per account: three wrong passwords are free, the fourth waits — and so
	// do the right password and the sign-in form.
	one := person(1, "10.0.0.1")
	for i := range 3 {
		if got := change(one, "неверный"); got != codes.InvalidArgument {
			t.Fatalf("wrong password %d: %v, want InvalidArgument (password_mismatch)", i+1, got)
		}
	}
	if got := change(one, "неверный"); got != codes.ResourceExhausted {
		t.Errorf("fourth wrong password: %v, want ResourceExhausted", got)
	}
	if got := change(one, pw); got != codes.ResourceExhausted {
		t.Errorf("right password while throttled: %v, want ResourceExhausted", got)
	}
	gateway := r.Dial(t, identity.Principal{Login: "gateway", Bindings: []identity.Binding{{Role: identity.System}}})
	_, err := registryv1.NewAuthServiceClient(gateway).IssueToken(ctx, &registryv1.IssueTokenRequest{Login: "person-1", Password: pw})
	if status.Code(err) != codes.ResourceExhausted {
		t.Errorf("sign-in after wrong current passwords: %v, want ResourceExhausted", err)
	}

	// Per address: ten free across accounts, then the address waits while
	// the same account from elsewhere does not.
	failures := 3 // person 1's, from 10.0.0.1
	for n := 2; failures < 10; n++ {
		c := person(n, "10.0.0.1")
		for i := 0; i < 2 && failures < 10; i++ {
			if got := change(c, "неверный"); got != codes.InvalidArgument {
				t.Fatalf("person %d, wrong password %d: %v, want InvalidArgument", n, i+1, got)
			}
			failures++
		}
	}
	fresh := 9
	if got := change(person(fresh, "10.0.0.1"), "неверный"); got != codes.ResourceExhausted {
		t.Errorf("an 11th wrong password from one address: %v, want ResourceExhausted", got)
	}
	if got := change(person(fresh, "10.0.0.2"), pw); got != codes.OK {
		t.Errorf("the same account from another address, right password: %v, want OK", got)
	}
}

var accountIDs = map[string]string{}

// accountID creates an operator account login with password pw once and
// returns its id.
func accountID(t *testing.T, r *servicetest.Running, login, pw string) string {
	t.Helper()
	if id, ok := accountIDs[r.Database.URL+login]; ok {
		return id
	}
	resp, err := registryv1.NewAccountServiceClient(r.Conn).CreateAccount(context.Background(), &registryv1.CreateAccountRequest{
		Account:  &registryv1.Account{Login: login, Name: login, Roles: []*registryv1.RoleBinding{{Role: registryv1.Role_ROLE_OPERATOR}}},
		Password: pw,
	})
	if err != nil {
		t.Fatalf("create account %s: %v", login, err)
	}
	accountIDs[r.Database.URL+login] = resp.GetAccount().GetId()
	return resp.GetAccount().GetId()
}
