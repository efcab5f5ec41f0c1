package service_test

import (
	"context"
	"errors"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nastavnik/nastavnik/platform/service"
	"github.com/nastavnik/nastavnik/platform/servicetest"
	"github.com/nastavnik/nastavnik/platform/testdb"
)

// value is a sample of a scraped page; -1 when absent.
func value(page, metric, labels string) float64 {
	v, ok := servicetest.Sample(page, metric, labels)
	if !ok {
		return -1
	}
	return v
}

// TestPoolMetricsAndReadPool starts a real service with a read pool and
// checks both pools' statistics on its /metrics, and that the read pool
// refuses writes as a replica would.
func TestPoolMetricsAndReadPool(t *testing.T) {
	var env service.Env
	spec := service.Spec{
		Name:       "pooltest",
		Defaults:   map[string]string{"DATABASE_SCHEMA": "pooltest"},
		Migrations: fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE t (n int);\n")}},
		Register:   func(e service.Env) error { env = e; return nil },
	}
	svc := servicetest.StartWith(t, spec, servicetest.Options{ReadReplica: true})
	if env.ReadPool == nil || env.ReadPool == env.Pool {
		t.Fatalf("ReadPool = %p, Pool = %p: want a pool of its own with DATABASE_READ_URL", env.ReadPool, env.Pool)
	}
	if env.Metrics == nil {
		t.Fatal("Env.Metrics is nil")
	}
	ctx := context.Background()

	before := servicetest.Scrape(t, svc.MetricsAddr)
	for _, pool := range []string{"primary", "read"} {
		if got, want := value(before, "nastavnik_db_pool_max_conns", `{pool="`+pool+`"}`), float64(svc.Database.MaxConns); got != want {
			t.Errorf("max_conns{pool=%q} = %v, want %v", pool, got, want)
		}
	}

	// A held connection is counted as acquired; acquisitions add up.
	conn, err := env.ReadPool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := env.Pool.Exec(ctx, "INSERT INTO t VALUES (1)"); err != nil {
			t.Fatal(err)
		}
	}
	during := servicetest.Scrape(t, svc.MetricsAddr)
	conn.Release()
	if got := value(during, "nastavnik_db_pool_acquired_conns", `{pool="read"}`); got != 1 {
		t.Errorf(`acquired_conns{pool="read"} = %v while one is held, want 1`, got)
	}
	b, d := value(before, "nastavnik_db_pool_acquires_total", `{pool="primary"}`), value(during, "nastavnik_db_pool_acquires_total", `{pool="primary"}`)
	if b < 0 || d-b < 3 {
		t.Errorf(`acquires_total{pool="primary"} went %v → %v over three statements, want +3 or more`, b, d)
	}
	for _, m := range []string{"total_conns", "idle_conns", "constructing_conns", "empty_acquires_total",
		"canceled_acquires_total", "new_conns_total", "acquire_seconds_total", "empty_acquire_wait_seconds_total"} {
		if value(during, "nastavnik_db_pool_"+m, `{pool="primary"}`) < 0 {
			t.Errorf("nastavnik_db_pool_%s{pool=\"primary\"} is missing from /metrics", m)
		}
	}

	// The read pool's sessions are read-only and named for pg_stat_activity.
	_, err = env.ReadPool.Exec(ctx, "INSERT INTO t VALUES (2)")
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != pgerrcode.ReadOnlySQLTransaction {
		t.Errorf("insert through the read pool: err = %v, want SQLSTATE %s", err, pgerrcode.ReadOnlySQLTransaction)
	}
	var app string
	if err := env.ReadPool.QueryRow(ctx, "SELECT current_setting('application_name')").Scan(&app); err != nil || app != "pooltest-ro" {
		t.Errorf("read pool application_name = %q, %v, want pooltest-ro", app, err)
	}
}

// TestMigrateOnly runs a service process's Main as the migration Job does:
// it applies the migrations to a database that has none and returns without
// serving.
func TestMigrateOnly(t *testing.T) {
	db := testdb.Config(t, "migonly", nil)
	spec := service.Spec{
		Name:       "migonly",
		Defaults:   map[string]string{"DATABASE_SCHEMA": "migonly"},
		Migrations: fstest.MapFS{"00001_t.sql": {Data: []byte("-- +goose Up\nCREATE TABLE migrated (n int);\n")}},
		Register:   func(service.Env) error { t.Error("Register ran in migrate-only mode"); return nil },
	}
	t.Setenv("DATABASE_URL", db.URL)
	t.Setenv("DATABASE_MIGRATE_ONLY", "true")
	t.Setenv("IDENTITY_KEY", "") // not needed to migrate
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := service.Main(ctx, spec); err != nil {
		t.Fatalf("Main: %v", err)
	}
	conn, err := pgx.Connect(ctx, db.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var table *string
	if err := conn.QueryRow(ctx, "SELECT to_regclass('migonly.migrated')::text").Scan(&table); err != nil || table == nil {
		t.Errorf("table after Main = %v, %v; want migonly.migrated", table, err)
	}
}
