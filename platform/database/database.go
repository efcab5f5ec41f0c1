// Package database opens a service's PostgreSQL pool confined to its own schema,
// applies its embedded migrations and runs transactions with retry. It also
// holds what every store shares: MigrationsFS for the embedded migrations, the
// Querier of read helpers and Sentinels, the translation of driver errors into
// a domain's sentinels.
package database

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgerrcode"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/nastavnik/nastavnik/platform/config"
)

// Open connects to PostgreSQL with search_path set to the service's schema, and
// checks the connection.
func Open(ctx context.Context, cfg config.Database) (*pgxpool.Pool, error) {
	return open(ctx, cfg, cfg.URL, "DATABASE_URL", cfg.Schema, false)
}

// OpenRead connects the read-only pool to DATABASE_READ_URL (a replica), or
// returns nil when it is not set. Its sessions are read-only whatever the
// server (default_transaction_read_only), so a write sent there fails instead
// of landing on a primary by mistake, and they are named "<schema>-ro" in
// pg_stat_activity.
func OpenRead(ctx context.Context, cfg config.Database) (*pgxpool.Pool, error) {
	if cfg.ReadURL == "" {
		return nil, nil
	}
	return open(ctx, cfg, cfg.ReadURL, "DATABASE_READ_URL", cfg.Schema+"-ro", true)
}

func open(ctx context.Context, cfg config.Database, url, name, appName string, readOnly bool) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		// The URL may hold a password: do not echo it.
		return nil, fmt.Errorf("database.Open: %s cannot be parsed", name)
	}
	pc.MaxConns = cfg.MaxConns
	pc.ConnConfig.RuntimeParams["search_path"] = cfg.Schema
	pc.ConnConfig.RuntimeParams["application_name"] = appName
	for param, d := range map[string]time.Duration{"idle_in_transaction_session_timeout": cfg.IdleInTransactionTimeout,
		"statement_timeout": cfg.StatementTimeout} {
		if d > 0 {
			pc.ConnConfig.RuntimeParams[param] = strconv.FormatInt(d.Milliseconds(), 10)
		}
	}
	if readOnly {
		pc.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
	}
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("database.Open: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database.Open: ping %s: %w", name, err)
	}
	return pool, nil
}

// Connect opens the pool like Open, waiting for PostgreSQL while it does not
// answer yet (a database that starts after the service, or restarts): it
// retries with exponential backoff from 100 ms, capped at 5 s, logging each
// failure, until cfg.ConnectTimeout has passed (zero: one try).
func Connect(ctx context.Context, cfg config.Database, logger *slog.Logger) (*pgxpool.Pool, error) {
	deadline := time.Now().Add(cfg.ConnectTimeout)
	delay := 100 * time.Millisecond
	const maxDelay = 5 * time.Second
	for attempt := 1; ; attempt++ {
		pool, err := Open(ctx, cfg)
		if err == nil {
			if attempt > 1 {
				logger.InfoContext(ctx, "database is up", "attempt", attempt)
			}
			return pool, nil
		}
		if !IsUnavailable(err) || time.Now().Add(delay).After(deadline) {
			return nil, err
		}
		logger.WarnContext(ctx, "database is not answering; retrying", "attempt", attempt,
			"retry_in", delay.String(), "error", err.Error())
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("database.Connect: %w", ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, maxDelay)
	}
}

// ErrUnavailable is in the chain of an error of a database that could not be
// reached or went away (see Driver).
var ErrUnavailable = errors.New("database unavailable")

type unavailableError struct{ err error }

func (e unavailableError) Error() string   { return e.err.Error() }
func (e unavailableError) Unwrap() []error { return []error{e.err, ErrUnavailable} }

// Driver marks an error that a database call returned: when it says the
// database went away — IsUnavailable, or an answer cut off in the middle,
// which pgx returns as a bare io.ErrUnexpectedEOF — it is ErrUnavailable
// too. Only errors of database calls go through it: elsewhere a bare
// unexpected EOF means something else.
func Driver(err error) error {
	if err != nil && !errors.Is(err, ErrUnavailable) && (IsUnavailable(err) || errors.Is(err, io.ErrUnexpectedEOF)) {
		return unavailableError{err}
	}
	return err
}

// IsUnavailable reports an error that says the database could not be reached
// or went away (refused or lost connection, shutdown, starting up, too many
// connections): the operation may be retried once it is back. An operation
// that lost its connection during COMMIT may have committed: only calls that
// are idempotent may be retried blindly.
func IsUnavailable(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	// pgconn's connection-level errors (refused, lost while sending or
	// receiving, a closed connection) say whether they are safe to retry;
	// each of them means the connection is gone.
	var ce *pgconn.ConnectError
	var conn interface{ SafeToRetry() bool }
	if errors.As(err, &ce) || errors.As(err, &conn) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return strings.HasPrefix(pe.Code, "08") || slices.Contains([]string{pgerrcode.AdminShutdown,
			pgerrcode.CrashShutdown, pgerrcode.CannotConnectNow, pgerrcode.TooManyConnections}, pe.Code)
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, net.ErrClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED)
}

// Migrate applies every pending migration in fsys (goose SQL files at its root).
// A PostgreSQL advisory lock lets several replicas start at once. It runs on
// connections of its own, configured as pool's but without a statement
// timeout: building an index of a large table may take minutes.
func Migrate(ctx context.Context, pool *pgxpool.Pool, fsys fs.FS, logger *slog.Logger) error {
	cc := pool.Config().ConnConfig.Copy()
	cc.RuntimeParams["statement_timeout"] = "0"
	db := stdlib.OpenDB(*cc)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("database.Migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("database.Migrate: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("database.Migrate: %w", err)
	}
	for _, r := range results {
		logger.InfoContext(ctx, "migration applied", "version", r.Source.Version, "duration", r.Duration.String())
	}
	return nil
}

// InTx runs fn in a transaction at the given isolation level and commits it. At
// serializable or repeatable read a serialization failure or deadlock is retried
// a few times; fn must therefore be safe to run again. When ctx carries a
// transaction (WithTx), fn runs in a savepoint of it instead, and what it
// does commits with that transaction.
func InTx(ctx context.Context, pool *pgxpool.Pool, iso pgx.TxIsoLevel, fn func(pgx.Tx) error) error {
	if outer := txFrom(ctx); outer != nil {
		return pgx.BeginFunc(ctx, outer, fn)
	}
	retryable := iso == pgx.Serializable || iso == pgx.RepeatableRead
	return runAgain(ctx, func(err error) bool { return retryable && IsRetryable(err) }, func() error {
		return pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: iso}, fn)
	})
}

// runAgain runs run until it succeeds, fails in a way retryable does not
// accept, or has run five times, waiting a little longer before each new
// run.
func runAgain(ctx context.Context, retryable func(error) bool, run func() error) error {
	const attempts = 5
	var err error
	for i := range attempts {
		err = run()
		if err == nil || !retryable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(i+1) * 5 * time.Millisecond):
		}
	}
	return err
}

// IsRetryable reports a serialization failure or a deadlock.
func IsRetryable(err error) bool {
	return hasCode(err, pgerrcode.SerializationFailure) || hasCode(err, pgerrcode.DeadlockDetected)
}

// IsUniqueViolation reports a violated unique constraint; constraint, when not
// empty, must match its name.
func IsUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || pe.Code != pgerrcode.UniqueViolation {
		return false
	}
	return constraint == "" || pe.ConstraintName == constraint
}

// IsForeignKeyViolation reports a violated foreign key.
func IsForeignKeyViolation(err error) bool {
	return hasCode(err, pgerrcode.ForeignKeyViolation)
}

func hasCode(err error, code string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == code
}
