-- The outbox of notifications of one service, in the service's own schema
-- (platform/notify adds it to the service's migrations).
--
-- notify_events: what happened, written in the same transaction as the
-- change that caused it, addressed to an audience (a role in a scope), not
-- yet to people. key makes the writer idempotent: a second write of the same
-- event is ignored.
-- +goose Up
CREATE TABLE notify_events (
    id          bigserial PRIMARY KEY,
    key         text NOT NULL CONSTRAINT notify_events_key UNIQUE,
    kind        text NOT NULL,
    audience    jsonb NOT NULL,          -- [{"role":"curator","scope":"<org id>"}, …]
    ref         text NOT NULL DEFAULT '', -- what the service's guard checks before sending
    data        jsonb NOT NULL,          -- the templates' data
    digest      boolean NOT NULL DEFAULT false,
    due_time    timestamptz NOT NULL,
    state       smallint NOT NULL DEFAULT 1, -- 1 pending, 2 expanded, 3 cancelled
    create_time timestamptz NOT NULL,
    expand_time timestamptz
);
CREATE INDEX notify_events_due_idx ON notify_events (due_time, id) WHERE state = 1;

-- notify_messages: one message to one person, rendered. key (the event's key
-- and the account) is the idempotency key the Message-ID is derived from.
-- state: 1 pending, 2 claimed (a sender holds it until lease_until and has not
-- handed it to SMTP), 3 sending (handed to SMTP; lease_until bounds the
-- attempt), 4 sent, 5 failed (gave up), 6 cancelled (the guard said no longer
-- wanted), 7 uncertain (a sender died while sending: not sent again), 8 no
-- address (the person has no e-mail; the page still lists it).
CREATE TABLE notify_messages (
    id           bigserial PRIMARY KEY,
    key          text NOT NULL CONSTRAINT notify_messages_key UNIQUE,
    message_id   text NOT NULL,
    event_id     bigint NOT NULL REFERENCES notify_events (id),
    kind         text NOT NULL,
    ref          text NOT NULL DEFAULT '',
    account_id   text NOT NULL,
    email        text NOT NULL,
    name         text NOT NULL DEFAULT '',
    subject      text NOT NULL,
    text_body    text NOT NULL,
    html_body    text NOT NULL,
    unsubscribe  text NOT NULL DEFAULT '',
    digest       boolean NOT NULL DEFAULT false,
    state        smallint NOT NULL DEFAULT 1,
    attempts     integer NOT NULL DEFAULT 0,
    due_time     timestamptz NOT NULL,
    lease_until  timestamptz,
    last_error   text NOT NULL DEFAULT '',
    create_time  timestamptz NOT NULL,
    sent_time    timestamptz,
    read_time    timestamptz
);
CREATE INDEX notify_messages_due_idx ON notify_messages (due_time, id) WHERE state = 1;
CREATE INDEX notify_messages_lease_idx ON notify_messages (lease_until) WHERE state IN (2, 3);
CREATE INDEX notify_messages_account_idx ON notify_messages (account_id, id DESC);

-- +goose Down
DROP TABLE notify_messages;
DROP TABLE notify_events;
