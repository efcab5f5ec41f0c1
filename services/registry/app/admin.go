package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/identity"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
	"github.com/nastavnik/nastavnik/services/registry/internal/password"
	"github.com/nastavnik/nastavnik/services/registry/internal/store"
)

// ErrOperatorExists is returned when the login of the first operator is taken.
var ErrOperatorExists = errors.New("an account with this login already exists")

// CreateOperator creates an operator account directly in the registry's
// database: the first start of a deployment, when nobody can sign in yet. It
// migrates the database first, so it may run before the service ever started.
func CreateOperator(ctx context.Context, cfg config.Database, login, name, pw string) error {
	pool, err := database.Open(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := database.Migrate(ctx, pool, store.Migrations(), slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	a := domain.Account{Login: domain.NormalizeLogin(login), Name: name,
		Roles: []domain.RoleBinding{{Role: identity.Operator, Path: identity.Binding{Role: identity.Operator}}}}
	if err := a.Validate(); err != nil {
		return err
	}
	if err := password.CheckStrength(pw, a.Login); err != nil {
		return fmt.Errorf("password %w", err)
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return err
	}
	_, err = store.New(pool).CreateAccount(ctx, domain.Actor{Login: "registry-admin"}, a, hash)
	if errors.Is(err, domain.ErrLoginTaken) {
		return ErrOperatorExists
	}
	return err
}
