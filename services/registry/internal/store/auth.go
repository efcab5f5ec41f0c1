package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/nastavnik/nastavnik/platform/database"
	"github.com/nastavnik/nastavnik/services/registry/internal/domain"
)

// SignInCheck verifies a password against a stored hash.
type SignInCheck func(hash string) bool

// SignIn checks a login's password under the throttle and records the attempt.
// Unknown and blocked logins take the same path and the same answer as a wrong
// password; noAccount spends the time a real verification would.
func (s *Store) SignIn(ctx context.Context, actor domain.Actor, login string, now time.Time, t domain.Throttle,
	check SignInCheck, noAccount func()) (domain.Account, error) {
	const op = "store.SignIn"
	var (
		account domain.Account
		outcome error
	)
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		failures, throttled, err := throttle(ctx, tx, login, now, t)
		if err != nil {
			return nil, err
		}
		if throttled {
			outcome = domain.ErrTooManyAttempts
			return []AuditEntry{{Action: "auth.sign_in_throttled", ObjectType: "login", ObjectID: login}}, nil
		}
		var hash string
		a, err := getAccount(ctx, tx, `a.login = $1`, login)
		switch {
		case errors.Is(err, domain.ErrNotFound):
			noAccount()
		case err != nil:
			return nil, err
		default:
			if err := tx.QueryRow(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, a.ID).Scan(&hash); err != nil {
				return nil, err
			}
		}
		if hash != "" && check(hash) && !a.Blocked {
			if err := clearFailures(ctx, tx, login); err != nil {
				return nil, err
			}
			account = a
			return []AuditEntry{accountEntry("auth.sign_in", a, nil)}, nil
		}
		if err := recordFailure(ctx, tx, login, now); err != nil {
			return nil, err
		}
		outcome = domain.ErrBadCredentials
		e := AuditEntry{Action: "auth.sign_in_failed", ObjectType: "login", ObjectID: login,
			Details: map[string]any{"failures": failures + 1, "known": a.ID != "", "blocked": a.Blocked}}
		if a.ID != "" {
			e = accountEntry("auth.sign_in_failed", a, e.Details)
		}
		return []AuditEntry{e}, nil
	})
	if err != nil {
		return domain.Account{}, fmt.Errorf("%s: %w", op, err)
	}
	if outcome != nil {
		return domain.Account{}, outcome
	}
	return account, nil
}

// CheckPassword verifies an account's current password (before the account
// changes it) under the throttle of sign-in: wrong passwords count against the
// account's login — the same count a sign-in adds to and waits on, so a
// session cannot guess faster than the sign-in form — and against the client's
// address (when the actor has one) under perSource, so that one client cannot
// guess through many accounts.
func (s *Store) CheckPassword(ctx context.Context, actor domain.Actor, accountID string, now time.Time,
	perAccount, perSource domain.Throttle, check SignInCheck) error {
	const op = "store.CheckPassword"
	var outcome error
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		a, err := getAccount(ctx, tx, `a.id = $1`, accountID)
		if err != nil {
			return nil, err
		}
		// The rows are locked in one order, the login's then the address's,
		// in every check: two checks from one address (of one account or of
		// two) that took them in map order deadlocked.
		keys := []throttleKey{{a.Login, perAccount}}
		if actor.RemoteAddr != "" {
			keys = append(keys, throttleKey{SourceKey(actor.RemoteAddr), perSource})
		}
		failures := 0
		for _, k := range keys {
			key := k.key
			n, throttled, err := throttle(ctx, tx, key, now, k.t)
			if err != nil {
				return nil, err
			}
			if throttled {
				outcome = domain.ErrTooManyPasswordAttempts
				return []AuditEntry{accountEntry("account.password_check_throttled", a, map[string]any{"key": key})}, nil
			}
			if key == a.Login {
				failures = n
			}
		}
		var hash string
		if err := tx.QueryRow(ctx, `SELECT password_hash FROM accounts WHERE id = $1`, a.ID).Scan(&hash); err != nil {
			return nil, err
		}
		if check(hash) {
			return nil, clearFailures(ctx, tx, a.Login)
		}
		for _, k := range keys {
			if err := recordFailure(ctx, tx, k.key, now); err != nil {
				return nil, err
			}
		}
		outcome = domain.ErrBadCredentials
		return []AuditEntry{accountEntry("account.password_check_failed", a, map[string]any{"failures": failures + 1})}, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return outcome
}

// throttleKey is one key of the throttle and the limit it is held to.
type throttleKey struct {
	key string
	t   domain.Throttle
}

// The throttle's failures are kept per key: a login, or SourceKey of a
// client's address (no login has a space).

// SourceKey is the throttle key of a client's address.
func SourceKey(addr string) string { return "from " + addr }

// throttle locks key's failures for the transaction and reports them and
// whether t makes the next attempt wait.
func throttle(ctx context.Context, tx pgx.Tx, key string, now time.Time, t domain.Throttle) (int, bool, error) {
	var failures int
	var last time.Time
	err := tx.QueryRow(ctx, `SELECT failures, last_failure FROM sign_in_failures WHERE login = $1 FOR UPDATE`, key).Scan(&failures, &last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return 0, false, err
	}
	return failures, now.Before(t.Wait(failures, last)), nil
}

// recordFailure counts one more failure of key at now.
func recordFailure(ctx context.Context, tx pgx.Tx, key string, now time.Time) error {
	_, err := tx.Exec(ctx, `INSERT INTO sign_in_failures (login, failures, last_failure) VALUES ($1, 1, $2)
		ON CONFLICT (login) DO UPDATE SET failures = sign_in_failures.failures + 1, last_failure = $2`, key, now)
	return err
}

// clearFailures forgets key's failures after a success.
func clearFailures(ctx context.Context, tx pgx.Tx, key string) error {
	_, err := tx.Exec(ctx, `DELETE FROM sign_in_failures WHERE login = $1`, key)
	return err
}

// CreateSession stores a session under the hash of its secret.
func (s *Store) CreateSession(ctx context.Context, accountID string, secretHash []byte, csrf string, now time.Time, remote, userAgent string) error {
	_, err := s.db(ctx).Exec(ctx, `INSERT INTO sessions (secret_hash, account_id, csrf_token, create_time, last_seen_time, expire_time, remote_addr, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7)`, secretHash, accountID, csrf, now, now.Add(domain.AbsoluteTimeout), remote, userAgent)
	if err != nil {
		return fmt.Errorf("store.CreateSession: %w", database.Driver(err))
	}
	return nil
}

// Session finds a live session by the hash of its secret and marks it used.
// Sessions idle for longer than IdleTimeout, past their absolute expiry, or
// of blocked accounts are not found.
func (s *Store) Session(ctx context.Context, secretHash []byte, now time.Time) (domain.Session, error) {
	var sess domain.Session
	err := s.db(ctx).QueryRow(ctx, `UPDATE sessions s SET last_seen_time = $2
		FROM accounts a
		WHERE s.secret_hash = $1 AND a.id = s.account_id AND NOT a.blocked
		  AND s.expire_time > $2 AND s.last_seen_time > $3
		RETURNING s.account_id, s.csrf_token, s.expire_time`, secretHash, now, now.Add(-domain.IdleTimeout)).
		Scan(&sess.AccountID, &sess.CSRFToken, &sess.ExpireTime)
	if err != nil {
		return domain.Session{}, notFound("store.Session", err)
	}
	return sess, nil
}

// DeleteSession ends a session.
func (s *Store) DeleteSession(ctx context.Context, actor domain.Actor, secretHash []byte) error {
	return s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		tag, err := tx.Exec(ctx, `DELETE FROM sessions WHERE secret_hash = $1`, secretHash)
		if err != nil || tag.RowsAffected() == 0 {
			return nil, err
		}
		return []AuditEntry{{Action: "auth.sign_out", ObjectType: "account", ObjectID: actor.AccountID}}, nil
	})
}

const tokenColumns = `id, account_id, name, read_only, expire_time, create_time, COALESCE(last_use_time, 'epoch'), revoke_time IS NOT NULL`

func scanToken(row pgx.Row) (domain.APIToken, error) {
	var t domain.APIToken
	err := row.Scan(&t.ID, &t.AccountID, &t.Name, &t.ReadOnly, &t.ExpireTime, &t.CreateTime, &t.LastUseTime, &t.Revoked)
	if t.LastUseTime.Unix() == 0 {
		t.LastUseTime = time.Time{}
	}
	return t, err
}

// CreateAPIToken stores a token under the hash of its secret.
func (s *Store) CreateAPIToken(ctx context.Context, actor domain.Actor, t domain.APIToken, secretHash []byte) (domain.APIToken, error) {
	t.ID = uuid.NewString()
	var out domain.APIToken
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		var err error
		out, err = scanToken(tx.QueryRow(ctx, `INSERT INTO api_tokens (id, account_id, name, secret_hash, read_only, expire_time)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+tokenColumns, t.ID, t.AccountID, t.Name, secretHash, t.ReadOnly, t.ExpireTime))
		if err != nil {
			return nil, err
		}
		return []AuditEntry{{Action: "token.create", ObjectType: "api_token", ObjectID: t.ID,
			Details: map[string]any{"name": t.Name, "read_only": t.ReadOnly, "expire_time": t.ExpireTime}}}, nil
	})
	if err != nil {
		return domain.APIToken{}, fmt.Errorf("store.CreateAPIToken: %w", database.Driver(err))
	}
	return out, nil
}

// ListAPITokens lists an account's tokens, newest first.
func (s *Store) ListAPITokens(ctx context.Context, accountID string) ([]domain.APIToken, error) {
	rows, err := s.db(ctx).Query(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE account_id = $1 ORDER BY create_time DESC, id`, accountID)
	if err != nil {
		return nil, fmt.Errorf("store.ListAPITokens: %w", database.Driver(err))
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (domain.APIToken, error) { return scanToken(row) })
	if err != nil {
		return nil, fmt.Errorf("store.ListAPITokens: %w", database.Driver(err))
	}
	return out, nil
}

// RevokeAPIToken revokes one of an account's tokens.
func (s *Store) RevokeAPIToken(ctx context.Context, actor domain.Actor, accountID, id string) (domain.APIToken, error) {
	var out domain.APIToken
	err := s.change(ctx, actor, func(tx pgx.Tx) ([]AuditEntry, error) {
		var err error
		out, err = scanToken(tx.QueryRow(ctx, `UPDATE api_tokens SET revoke_time = COALESCE(revoke_time, now())
			WHERE id = $1 AND account_id = $2 RETURNING `+tokenColumns, id, accountID))
		if err != nil {
			return nil, notFound("store.RevokeAPIToken", err)
		}
		return []AuditEntry{{Action: "token.revoke", ObjectType: "api_token", ObjectID: id}}, nil
	})
	if err != nil {
		return domain.APIToken{}, fmt.Errorf("store.RevokeAPIToken: %w", database.Driver(err))
	}
	return out, nil
}

// Token finds a live token by the hash of its secret. Revoked, expired and
// blocked accounts' tokens are not found. Its last use is noted at most once a
// minute.
func (s *Store) Token(ctx context.Context, secretHash []byte, now time.Time) (domain.APIToken, error) {
	t, err := scanToken(s.db(ctx).QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens t
		WHERE secret_hash = $1 AND revoke_time IS NULL AND expire_time > $2
		  AND EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id AND NOT a.blocked)`, secretHash, now))
	if err != nil {
		return domain.APIToken{}, notFound("store.Token", err)
	}
	if now.Sub(t.LastUseTime) > time.Minute {
		if _, err := s.db(ctx).Exec(ctx, `UPDATE api_tokens SET last_use_time = $2 WHERE id = $1`, t.ID, now); err != nil {
			return domain.APIToken{}, fmt.Errorf("store.Token: %w", database.Driver(err))
		}
	}
	return t, nil
}
