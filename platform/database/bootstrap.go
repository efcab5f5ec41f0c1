package database

import (
	"context"
	"errors"
	"fmt"
	"regexp"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

var plainName = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)

// Bootstrap prepares, as a superuser connected to the target database, a
// service's role and schema: a login role named like the schema that owns the
// schema and nothing else, with its search_path set to it. Other service roles
// get no privilege on the schema, so no service can read another's tables. It is
// idempotent and safe to run concurrently.
func Bootstrap(ctx context.Context, admin *pgx.Conn, schema, password string) error {
	if !plainName.MatchString(schema) {
		return fmt.Errorf("database.Bootstrap: %q is not a plain schema name", schema)
	}
	role := pgx.Identifier{schema}.Sanitize()
	create := fmt.Sprintf("CREATE ROLE %s LOGIN PASSWORD %s", role, quoteLiteral(password))
	if _, err := admin.Exec(ctx, create); err != nil && !hasCode(err, pgerrcode.DuplicateObject) && !hasCode(err, pgerrcode.UniqueViolation) {
		return fmt.Errorf("database.Bootstrap: create role: %w", err)
	}
	stmts := []string{
		fmt.Sprintf("ALTER ROLE %s LOGIN PASSWORD %s NOSUPERUSER NOCREATEDB NOCREATEROLE", role, quoteLiteral(password)),
		fmt.Sprintf("CREATE SCHEMA IF NOT EXISTS %s AUTHORIZATION %s", role, role),
		fmt.Sprintf("REVOKE ALL ON SCHEMA %s FROM PUBLIC", role),
		"REVOKE CREATE ON SCHEMA public FROM PUBLIC",
		fmt.Sprintf("ALTER ROLE %s SET search_path = %s", role, role),
	}
	for _, s := range stmts {
		if _, err := admin.Exec(ctx, s); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == pgerrcode.UniqueViolation {
				continue // a concurrent bootstrap created it first
			}
			return fmt.Errorf("database.Bootstrap: %w", err)
		}
	}
	return nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// Prepare creates database db when missing (connected by adminURL to a
// maintenance database) and bootstraps every schema in passwords with its role.
func Prepare(ctx context.Context, adminURL, db string, passwords map[string]string) error {
	if !plainName.MatchString(db) {
		return fmt.Errorf("database.Prepare: %q is not a plain database name", db)
	}
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("database.Prepare: connect: %w", err)
	}
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", db).Scan(&exists); err != nil {
		conn.Close(ctx)
		return fmt.Errorf("database.Prepare: %w", err)
	}
	if !exists {
		if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{db}.Sanitize()); err != nil && !hasCode(err, pgerrcode.DuplicateDatabase) {
			conn.Close(ctx)
			return fmt.Errorf("database.Prepare: create database: %w", err)
		}
	}
	conn.Close(ctx)

	cfg, err := pgx.ParseConfig(adminURL)
	if err != nil {
		return fmt.Errorf("database.Prepare: %w", err)
	}
	cfg.Database = db
	target, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("database.Prepare: connect %s: %w", db, err)
	}
	defer target.Close(ctx)
	for schema, password := range passwords {
		if err := Bootstrap(ctx, target, schema, password); err != nil {
			return err
		}
	}
	return nil
}
