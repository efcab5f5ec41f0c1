package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"
)

// Outbox expands and sends a service's notifications. Every replica may run
// one: rows are claimed with FOR UPDATE SKIP LOCKED.
type Outbox struct {
	Pool      *pgxpool.Pool
	Directory Directory
	Renderer  Renderer
	Mailer    Mailer
	// Guard is asked, in the transaction that hands a message to SMTP,
	// whether it is still wanted; nil wants every message.
	Guard Guard
	// Checker resolves messages whose sender died while sending; nil leaves
	// them uncertain (see Recover).
	Checker Checker
	// Domain is the right-hand side of Message-IDs (the sender's domain).
	Domain string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Batch is how many rows one claim takes (100 when 0).
	Batch int
	// Workers is how many senders run at once in this process (1 when 0).
	Workers int
	// Lease is how long a claim holds its rows before another sender may
	// take them over (2 minutes when 0).
	Lease time.Duration
	// Backoff is the wait after a failed attempt.
	Backoff Backoff
	// MaxAttempts is how many temporary failures a message survives (8 when 0).
	MaxAttempts int
	Metrics     *Metrics
	Logger      *slog.Logger
}

func (o *Outbox) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Outbox) batch() int {
	if o.Batch > 0 {
		return o.Batch
	}
	return 100
}

func (o *Outbox) lease() time.Duration {
	if o.Lease > 0 {
		return o.Lease
	}
	return 2 * time.Minute
}

func (o *Outbox) maxAttempts() int {
	if o.MaxAttempts > 0 {
		return o.MaxAttempts
	}
	return 8
}

func (o *Outbox) log() *slog.Logger {
	if o.Logger != nil {
		return o.Logger
	}
	return slog.Default()
}

// Expand turns one batch of due events into messages, one per person of their
// audience, in one transaction: the events are claimed, the guard drops those
// no longer wanted, the directory names the people, the renderer writes the
// messages. It returns how many events it took.
func (o *Outbox) Expand(ctx context.Context) (int, error) {
	now := o.now()
	var n int
	err := pgx.BeginTxFunc(ctx, o.Pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id, key, kind, audience, ref, data, digest FROM notify_events
			WHERE state = $1 AND due_time <= $2 ORDER BY due_time, id LIMIT $3 FOR UPDATE SKIP LOCKED`,
			eventPending, now, o.batch())
		if err != nil {
			return err
		}
		type ev struct {
			id             int64
			key, kind, ref string
			audience       []Audience
			data           json.RawMessage
			digest         bool
		}
		events, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ev, error) {
			var e ev
			var aud []byte
			if err := r.Scan(&e.id, &e.key, &e.kind, &aud, &e.ref, &e.data, &e.digest); err != nil {
				return e, err
			}
			return e, json.Unmarshal(aud, &e.audience)
		})
		if err != nil || len(events) == 0 {
			return err
		}
		n = len(events)
		seen := map[Audience]bool{}
		var audiences []Audience
		var live []ev
		var cancelled []int64
		for _, e := range events {
			if o.Guard != nil && e.ref != "" {
				ok, err := o.Guard(ctx, tx, e.kind, e.ref)
				if err != nil {
					return fmt.Errorf("guard %s: %w", e.key, err)
				}
				if !ok {
					cancelled = append(cancelled, e.id)
					continue
				}
			}
			live = append(live, e)
			for _, a := range e.audience {
				if !seen[a] {
					seen[a] = true
					audiences = append(audiences, a)
				}
			}
		}
		people := map[Audience][]Recipient{}
		if len(audiences) > 0 {
			if people, err = o.Directory.Recipients(ctx, audiences); err != nil {
				return fmt.Errorf("recipients: %w", err)
			}
		}
		b := &pgx.Batch{}
		var expanded []int64
		for _, e := range live {
			expanded = append(expanded, e.id)
			sent := map[string]bool{}
			for _, a := range e.audience {
				for _, p := range people[a] {
					if sent[p.AccountID] || (e.digest && p.DigestsOff) {
						continue
					}
					sent[p.AccountID] = true
					c, err := o.Renderer.Render(e.kind, e.data, p)
					if err != nil {
						return fmt.Errorf("render %s: %w", e.key, err)
					}
					key := e.key + "/" + p.AccountID
					state := statePending
					if p.Email == "" {
						state = stateNoAddress
					}
					b.Queue(`INSERT INTO notify_messages (key, message_id, event_id, kind, ref, account_id, email, name, subject,
							text_body, html_body, unsubscribe, digest, state, due_time, create_time)
						VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) ON CONFLICT (key) DO NOTHING`,
						key, MessageID(key, o.Domain), e.id, e.kind, e.ref, p.AccountID, p.Email, p.Name, c.Subject,
						c.Text, c.HTML, c.Unsubscribe, e.digest, state, now)
				}
			}
		}
		b.Queue(`UPDATE notify_events SET state = $2, expand_time = $3 WHERE id = ANY($1)`, expanded, eventExpanded, now)
		b.Queue(`UPDATE notify_events SET state = $2, expand_time = $3 WHERE id = ANY($1)`, cancelled, eventCancelled, now)
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return err
		}
		o.Metrics.expanded(len(expanded), len(cancelled))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("notify.Expand: %w", err)
	}
	return n, nil
}

// claimed is a message a sender holds.
type claimed struct {
	id        int64
	attempts  int
	kind, ref string
	mail      Mail
}

// claim takes a batch of due pending messages for this sender until the
// lease ends.
func (o *Outbox) claim(ctx context.Context) ([]claimed, error) {
	now := o.now()
	rows, err := o.Pool.Query(ctx, `UPDATE notify_messages m SET state = $1, lease_until = $2
		WHERE id IN (SELECT id FROM notify_messages WHERE state = $3 AND due_time <= $4
			ORDER BY due_time, id LIMIT $5 FOR UPDATE SKIP LOCKED)
		RETURNING id, attempts, kind, ref, message_id, email, name, subject, text_body, html_body, unsubscribe`,
		stateClaimed, now.Add(o.lease()), statePending, now, o.batch())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		err := r.Scan(&c.id, &c.attempts, &c.kind, &c.ref, &c.mail.MessageID, &c.mail.To, &c.mail.ToName,
			&c.mail.Subject, &c.mail.Text, &c.mail.HTML, &c.mail.Unsubscribe)
		return c, err
	})
}

// Send claims one batch of due messages and sends them over one SMTP session.
// Each message is marked sending (after the guard, in one transaction) before
// it is handed to SMTP and sent after: see Recover. It returns how many
// messages it claimed.
func (o *Outbox) Send(ctx context.Context) (int, error) {
	batch, err := o.claim(ctx)
	if err != nil {
		return 0, fmt.Errorf("notify.Send: claim: %w", err)
	}
	if len(batch) == 0 {
		return 0, nil
	}
	var sess Session
	defer func() {
		if sess != nil {
			_ = sess.Close()
		}
	}()
	for i, c := range batch {
		if ctx.Err() != nil {
			return i, ctx.Err()
		}
		ok, err := o.handOver(ctx, c)
		if err != nil {
			return i, fmt.Errorf("notify.Send: %w", err)
		}
		if !ok {
			continue
		}
		if sess == nil {
			if sess, err = o.Mailer.Open(ctx); err != nil {
				sess = nil
				// No session: this message and the rest of the batch wait.
				if err := o.retry(ctx, batch[i:], err); err != nil {
					return i, err
				}
				return len(batch), nil
			}
		}
		start := time.Now()
		sendErr := sess.Send(ctx, c.mail)
		o.Metrics.sendDuration(time.Since(start))
		if sendErr != nil {
			_ = sess.Close()
			sess = nil
			if err := o.retry(ctx, batch[i:i+1], sendErr); err != nil {
				return i, err
			}
			continue
		}
		// A sender killed here leaves the message sending: Recover.
		if _, err := o.Pool.Exec(ctx, `UPDATE notify_messages SET state = $2, sent_time = $3, lease_until = NULL, last_error = ''
			WHERE id = $1`, c.id, stateSent, o.now()); err != nil {
			return i, fmt.Errorf("notify.Send: mark sent: %w", err)
		}
		o.Metrics.outcome(c.kind, "sent")
	}
	return len(batch), nil
}

// handOver asks the guard and marks the message sending, in one transaction;
// false means it is no longer wanted (and is cancelled) or no longer ours.
func (o *Outbox) handOver(ctx context.Context, c claimed) (bool, error) {
	var ok bool
	err := pgx.BeginTxFunc(ctx, o.Pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		var state int16
		if err := tx.QueryRow(ctx, `SELECT state FROM notify_messages WHERE id = $1 FOR UPDATE`, c.id).Scan(&state); err != nil {
			return err
		}
		if state != stateClaimed {
			return nil // the lease ran out and another sender took it
		}
		if o.Guard != nil && c.ref != "" {
			wanted, err := o.Guard(ctx, tx, c.kind, c.ref)
			if err != nil {
				return fmt.Errorf("guard: %w", err)
			}
			if !wanted {
				o.Metrics.outcome(c.kind, "cancelled")
				_, err := tx.Exec(ctx, `UPDATE notify_messages SET state = $2, lease_until = NULL WHERE id = $1`, c.id, stateCancelled)
				return err
			}
		}
		ok = true
		_, err := tx.Exec(ctx, `UPDATE notify_messages SET state = $2, attempts = attempts + 1, lease_until = $3 WHERE id = $1`,
			c.id, stateSending, o.now().Add(o.lease()))
		return err
	})
	return ok, err
}

// retry puts messages back with the backoff of their attempt, or fails them
// after the last attempt or a permanent refusal.
func (o *Outbox) retry(ctx context.Context, cs []claimed, cause error) error {
	now := o.now()
	msg := cause.Error()
	if len(msg) > 500 {
		msg = msg[:500]
	}
	for _, c := range cs {
		attempts := c.attempts + 1
		if errors.Is(cause, ErrPermanent) || attempts >= o.maxAttempts() {
			o.Metrics.outcome(c.kind, "failed")
			o.log().WarnContext(ctx, "notification failed", "id", c.id, "kind", c.kind, "attempts", attempts, "error", msg)
			if _, err := o.Pool.Exec(ctx, `UPDATE notify_messages SET state = $2, attempts = $3, lease_until = NULL, last_error = $4
				WHERE id = $1`, c.id, stateFailed, attempts, msg); err != nil {
				return fmt.Errorf("notify: fail: %w", err)
			}
			continue
		}
		o.Metrics.outcome(c.kind, "retried")
		if _, err := o.Pool.Exec(ctx, `UPDATE notify_messages SET state = $2, attempts = $3, lease_until = NULL, last_error = $4,
			due_time = $5 WHERE id = $1`, c.id, statePending, attempts, msg, now.Add(o.Backoff.Delay(attempts))); err != nil {
			return fmt.Errorf("notify: retry: %w", err)
		}
	}
	return nil
}

// Recover takes back the messages of senders whose lease ran out:
//
//   - claimed ones were never handed to SMTP: they become pending again and
//     are sent once;
//   - sending ones may or may not have reached the mail server (the sender
//     died between handing over and writing sent). With a Checker, the mail
//     server is asked by Message-ID: found is sent, not found is sent again.
//     Without one they become uncertain and are never sent again: at most
//     once, counted in notify_messages_total{outcome="uncertain"} for the
//     operator.
//
// It returns how many messages it took back.
func (o *Outbox) Recover(ctx context.Context) (int, error) {
	now := o.now()
	tag, err := o.Pool.Exec(ctx, `UPDATE notify_messages SET state = $1, lease_until = NULL
		WHERE state = $2 AND lease_until < $3`, statePending, stateClaimed, now)
	if err != nil {
		return 0, fmt.Errorf("notify.Recover: %w", err)
	}
	n := int(tag.RowsAffected())
	rows, err := o.Pool.Query(ctx, `SELECT id, kind, message_id FROM notify_messages WHERE state = $1 AND lease_until < $2
		ORDER BY id LIMIT 1000`, stateSending, now)
	if err != nil {
		return n, fmt.Errorf("notify.Recover: %w", err)
	}
	type stale struct {
		ID              int64
		Kind, MessageID string
	}
	list, err := pgx.CollectRows(rows, pgx.RowToStructByPos[stale])
	if err != nil {
		return n, fmt.Errorf("notify.Recover: %w", err)
	}
	for _, s := range list {
		state, outcome := stateUncertain, "uncertain"
		if o.Checker != nil {
			found, err := o.Checker.Delivered(ctx, s.MessageID)
			if err != nil {
				return n, fmt.Errorf("notify.Recover: check %s: %w", s.MessageID, err)
			}
			state, outcome = statePending, "recovered_unsent"
			if found {
				state, outcome = stateSent, "recovered_sent"
			}
		}
		// Only if it is still the stale attempt: another replica may have
		// recovered it meanwhile.
		tag, err := o.Pool.Exec(ctx, `UPDATE notify_messages SET state = $2::smallint, lease_until = NULL,
			sent_time = CASE WHEN $2::smallint = 4 THEN $3::timestamptz END WHERE id = $1 AND state = $4 AND lease_until < $3`,
			s.ID, state, now, stateSending)
		if err != nil {
			return n, fmt.Errorf("notify.Recover: %w", err)
		}
		if tag.RowsAffected() == 1 {
			n++
			o.Metrics.outcome(s.Kind, outcome)
			if state == stateUncertain {
				o.log().WarnContext(ctx, "notification uncertain: its sender died while sending it", "id", s.ID, "message_id", s.MessageID)
			}
		}
	}
	return n, nil
}

// Drain recovers, expands and sends until nothing is due: one pass of the
// loop, and what tests and benchmarks call after moving the clock.
func (o *Outbox) Drain(ctx context.Context) error {
	if _, err := o.Recover(ctx); err != nil {
		return err
	}
	for {
		n, err := o.Expand(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			break
		}
	}
	if o.Mailer == nil {
		return nil // e-mail is off: the messages wait, listed for the pages
	}
	workers := max(o.Workers, 1)
	g, gctx := errgroup.WithContext(ctx)
	for range workers {
		g.Go(func() error {
			for {
				n, err := o.Send(gctx)
				if err != nil || n == 0 {
					return err
				}
			}
		})
	}
	return g.Wait()
}

// Run drains the outbox every interval until ctx ends, after running jobs
// (schedulers that enqueue what is due: reminders, digests). Errors are
// logged and retried at the next tick.
func (o *Outbox) Run(ctx context.Context, interval time.Duration, jobs ...func(ctx context.Context, now time.Time) error) error {
	if interval <= 0 {
		interval = 30 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for _, job := range jobs {
			if err := job(ctx, o.now()); err != nil && ctx.Err() == nil {
				o.log().ErrorContext(ctx, "notify: job", "error", err)
			}
		}
		if err := o.Drain(ctx); err != nil && ctx.Err() == nil {
			o.log().ErrorContext(ctx, "notify: drain", "error", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
