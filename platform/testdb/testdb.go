// Package testdb gives every test its own PostgreSQL database, cloned from a
// template that was migrated once per migration set, and drops it when the test
// ends. The cluster comes from NASTAVNIK_TEST_DATABASE_URL, a superuser URL that
// `make test` provides; without it the tests fail rather than skip.
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/nastavnik/nastavnik/platform/config"
	"github.com/nastavnik/nastavnik/platform/database"
)

// EnvVar names the superuser URL of the test cluster.
const EnvVar = "NASTAVNIK_TEST_DATABASE_URL"

// rolePassword is the password of the service roles in the test cluster.
const rolePassword = "nastavnik-test"

// New returns a pool connected as the service's role to a fresh, migrated
// database of its own.
func New(t testing.TB, schema string, migrations fs.FS) *pgxpool.Pool {
	t.Helper()
	cfg := Config(t, schema, migrations)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool, err := database.Open(ctx, cfg)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// Config creates a fresh, migrated database for the service and returns the
// configuration a service process would use to reach it.
func Config(t testing.TB, schema string, migrations fs.FS) config.Database {
	t.Helper()
	adminURL := os.Getenv(EnvVar)
	if adminURL == "" {
		t.Fatalf("testdb: %s is not set; run the tests with `make test`", EnvVar)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Fatalf("testdb: connect: %v", err)
	}
	defer admin.Close(ctx)

	tmpl, err := ensureTemplate(ctx, admin, adminURL, schema, migrations)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	name := "test_" + schema + "_" + randomHex(6)
	if _, err := admin.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		t.Fatalf("testdb: clone %s: %v", tmpl, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, adminURL)
		if err != nil {
			t.Errorf("testdb: cleanup connect: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: drop %s: %v", name, err)
		}
	})
	u, err := roleURL(adminURL, schema, name)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	return config.Database{URL: u, Schema: schema, MaxConns: 8, Migrate: false}
}

// ensureTemplate builds the migrated template database for this migration set
// once; concurrent test packages wait on an advisory lock.
func ensureTemplate(ctx context.Context, admin *pgx.Conn, adminURL, schema string, migrations fs.FS) (string, error) {
	sum, err := hashFS(migrations)
	if err != nil {
		return "", err
	}
	tmpl := "tmpl_" + schema + "_" + sum[:16]
	if _, err := admin.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", tmpl); err != nil {
		return "", fmt.Errorf("lock: %w", err)
	}
	defer admin.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", tmpl) //nolint:errcheck // released with the session anyway

	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", tmpl).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return tmpl, nil
	}
	building := tmpl + "_b"
	if _, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{building}.Sanitize()+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{building}.Sanitize()); err != nil {
		return "", fmt.Errorf("create template: %w", err)
	}
	if err := database.Prepare(ctx, adminURL, building, map[string]string{schema: rolePassword}); err != nil {
		return "", err
	}
	u, err := roleURL(adminURL, schema, building)
	if err != nil {
		return "", err
	}
	cfg := config.Database{URL: u, Schema: schema, MaxConns: 2}
	pool, err := database.Open(ctx, cfg)
	if err != nil {
		return "", err
	}
	if migrations != nil {
		err = database.Migrate(ctx, pool, migrations, slog.New(slog.DiscardHandler))
	}
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s RENAME TO %s",
		pgx.Identifier{building}.Sanitize(), pgx.Identifier{tmpl}.Sanitize())); err != nil {
		return "", fmt.Errorf("rename template: %w", err)
	}
	return tmpl, nil
}

// roleURL is adminURL with the service role as user and db as database.
func roleURL(adminURL, role, db string) (string, error) {
	u, err := url.Parse(adminURL)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("%s must be a postgres:// URL", EnvVar)
	}
	u.User = url.UserPassword(role, rolePassword)
	u.Path = "/" + db
	return u.String(), nil
}

func hashFS(fsys fs.FS) (string, error) {
	if fsys == nil {
		return hex.EncodeToString(make([]byte, 32)), nil
	}
	var names []string
	err := fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, path)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("hash migrations: %w", err)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
