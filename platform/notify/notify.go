// Package notify is the services' one way to tell people things by e-mail,
// exactly once: an outbox in the owning service's own schema.
//
//   - The change that causes a notification writes an Event with Enqueue in
//     its own transaction: the event exists if and only if the change does.
//     An event is addressed to an audience (a role in a scope: the curators of
//     an organisation, the methodologists of a municipality, the regional
//     centre of a region) and carries an idempotency key: writing the same key
//     twice is one event.
//   - The Outbox (in every replica of the service) expands due events into
//     one message per person — the registry names the people, the service's
//     templates render the Russian text and HTML — and sends the messages by
//     SMTP. Both steps claim rows with FOR UPDATE SKIP LOCKED, so any number of
//     replicas share the work.
//   - A message's Message-ID is derived from its key; its state is written
//     before it is handed to SMTP and after, so a sender killed at any point
//     never sends it twice (see Outbox.Recover for the exact guarantee).
//
// The tables are added to a service's migrations by WithMigration.
package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The roles an audience names, as the registry's account roles.
const (
	Curator       = "curator"
	Methodologist = "methodologist"
	Regional      = "regional"
)

// Audience is the people holding a role in a scope: an organisation's id for
// curators, a municipality's id for methodologists, a region's code for the
// regional centre.
type Audience struct {
	Role  string `json:"role"`
	Scope string `json:"scope"`
}

// Event is something to tell an audience.
type Event struct {
	// Key is the idempotency key: one event per key, ever (e.g.
	// "reminder:<campaign>:<organisation>:3").
	Key string
	// Kind names the templates (e.g. "report_returned").
	Kind     string
	Audience []Audience
	// Ref is what the service's Guard checks before each message is sent
	// (e.g. the report a reminder is about); empty for none.
	Ref string
	// Data is the templates' data, marshalled to JSON.
	Data any
	// Digest marks a digest, which a person may turn off; messages about a
	// person's own report are never digests.
	Digest bool
	// Due is when it may be sent; the zero time is now.
	Due time.Time
}

// Enqueue writes events inside the caller's transaction, at now. An event
// whose key was written before is ignored. It returns how many were new.
func Enqueue(ctx context.Context, tx pgx.Tx, now time.Time, events ...Event) (int, error) {
	if len(events) == 0 {
		return 0, nil
	}
	b := &pgx.Batch{}
	for _, e := range events {
		if e.Key == "" || e.Kind == "" || len(e.Audience) == 0 {
			return 0, fmt.Errorf("notify.Enqueue: event %q of kind %q needs a key, a kind and an audience", e.Key, e.Kind)
		}
		aud, err := json.Marshal(e.Audience)
		if err != nil {
			return 0, fmt.Errorf("notify.Enqueue: %w", err)
		}
		data, err := json.Marshal(e.Data)
		if err != nil {
			return 0, fmt.Errorf("notify.Enqueue: %s data: %w", e.Key, err)
		}
		due := e.Due
		if due.IsZero() {
			due = now
		}
		b.Queue(`INSERT INTO notify_events (key, kind, audience, ref, data, digest, due_time, create_time)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (key) DO NOTHING`,
			e.Key, e.Kind, aud, e.Ref, data, e.Digest, due, now)
	}
	br := tx.SendBatch(ctx, b)
	n := 0
	for range events {
		tag, err := br.Exec()
		if err != nil {
			br.Close()
			return 0, fmt.Errorf("notify.Enqueue: %w", err)
		}
		n += int(tag.RowsAffected())
	}
	return n, br.Close()
}

// Recipient is a person of an audience, as the registry knows them.
type Recipient struct {
	AccountID string
	Name      string
	Email     string
	// DigestsOff: the person turned digests off.
	DigestsOff bool
}

// Directory names the people of audiences (the registry, over gRPC).
type Directory interface {
	Recipients(ctx context.Context, audiences []Audience) (map[Audience][]Recipient, error)
}

// Content is a rendered message.
type Content struct {
	Subject string
	Text    string
	HTML    string
	// Unsubscribe is a digest's unsubscribe address (List-Unsubscribe),
	// which its text names too; empty for other messages.
	Unsubscribe string
}

// Renderer renders an event's message for one recipient from the event's
// kind and data.
type Renderer interface {
	Render(kind string, data json.RawMessage, to Recipient) (Content, error)
}

// Guard reports, inside the transaction that hands the message over, whether
// a message of kind about ref is still wanted (a reminder for a report
// submitted meanwhile is not).
type Guard func(ctx context.Context, tx pgx.Tx, kind, ref string) (bool, error)

// Mail is one message handed to the mailer.
type Mail struct {
	MessageID string
	To        string
	ToName    string
	Subject   string
	Text      string
	HTML      string
	// Unsubscribe is the List-Unsubscribe address of a digest; empty for none.
	Unsubscribe string
}

// Mailer hands mails to a mail server.
type Mailer interface {
	// Open starts a session (one connection for a batch).
	Open(ctx context.Context) (Session, error)
}

// Session sends mails one at a time over one connection.
type Session interface {
	Send(ctx context.Context, m Mail) error
	Close() error
}

// Checker reports whether a mail with the Message-ID reached the mail
// server: what resolves a message whose sender died while sending it.
type Checker interface {
	Delivered(ctx context.Context, messageID string) (bool, error)
}

// ErrPermanent marks a refusal that retrying does not cure (a 5xx reply):
// the message fails at once.
var ErrPermanent = errors.New("permanent mail failure")

// MessageID is the Message-ID (without angle brackets) of the message with
// key, at domain: the same key always gives the same Message-ID.
func MessageID(key, domain string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16]) + "@" + domain
}

// Message states, as stored.
const (
	statePending   = 1
	stateClaimed   = 2
	stateSending   = 3
	stateSent      = 4
	stateFailed    = 5
	stateCancelled = 6
	stateUncertain = 7
	stateNoAddress = 8
)

// Event states, as stored.
const (
	eventPending   = 1
	eventExpanded  = 2
	eventCancelled = 3
)
