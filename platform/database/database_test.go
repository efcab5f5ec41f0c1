package database_test

import (
	"context"
	"os"
	"testing"
	"testing/fstest"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

// TestServiceRolesCannotReadEachOthersSchemas bootstraps two service schemas in
// one database, as a deployment does, and checks that each role reaches only
// its own.
func TestServiceRolesCannotReadEachOthersSchemas(t *testing.T) {
	ctx := context.Background()
	migrations := fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE secrets (v text);\nINSERT INTO secrets VALUES ('mine');\n")}}
	alpha := testdb.New(t, "iso_alpha", migrations)

	admin, err := pgx.Connect(ctx, os.Getenv(testdb.EnvVar))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	var db string
	if err := alpha.QueryRow(ctx, "SELECT current_database()").Scan(&db); err != nil {
		t.Fatal(err)
	}
	cfg := admin.Config().Copy()
	cfg.Database = db
	target, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer target.Close(ctx)
	if err := database.Bootstrap(ctx, target, "iso_beta", "nastavnik-test"); err != nil {
		t.Fatal(err)
	}

	var v string
	if err := alpha.QueryRow(ctx, "SELECT v FROM secrets").Scan(&v); err != nil || v != "mine" {
		t.Fatalf("own table: %q, %v", v, err)
	}
	// Connected as iso_beta, the other service's table is out of reach.
	betaCfg := cfg.Copy()
	betaCfg.User, betaCfg.Password = "iso_beta", "nastavnik-test"
	beta, err := pgx.ConnectConfig(ctx, betaCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer beta.Close(ctx)
	for _, q := range []string{"SELECT v FROM iso_alpha.secrets", "CREATE TABLE iso_alpha.x (v int)", "CREATE TABLE public.x (v int)"} {
		_, err := beta.Exec(ctx, q)
		var pe *pgconn.PgError
		if !pgErrAs(err, &pe) || pe.Code != pgerrcode.InsufficientPrivilege {
			t.Errorf("%s as another service: %v, want insufficient_privilege", q, err)
		}
	}
	if _, err := beta.Exec(ctx, "CREATE TABLE own (v int)"); err != nil {
		t.Errorf("a role must create tables in its own schema: %v", err)
	}
}

func pgErrAs(err error, target **pgconn.PgError) bool {
	pe, ok := err.(*pgconn.PgError)
	if ok {
		*target = pe
	}
	return ok
}

func TestBootstrapRefusesOddNames(t *testing.T) {
	for _, name := range []string{"", "Registry", "a;b", `x"y`, "1abc"} {
		if err := database.Bootstrap(context.Background(), nil, name, "p"); err == nil {
			t.Errorf("Bootstrap(%q) = nil, want an error", name)
		}
	}
}
