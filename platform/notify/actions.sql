-- The operator's actions on a service's outbox (platform/notify's
-- OutboxService), its audit log: each written in the transaction of the
-- change it records. And the indexes of the operator's view: the messages of
-- a window, the messages that need the operator.
-- +goose Up
CREATE TABLE notify_actions (
    id          bigserial PRIMARY KEY,
    message_id  bigint NOT NULL REFERENCES notify_messages (id),
    action      text NOT NULL,          -- retry, resolve_delivered, resolve_send_again
    from_state  smallint NOT NULL,
    to_state    smallint NOT NULL,
    last_error  text NOT NULL DEFAULT '', -- the error the message carried before
    actor_id    text NOT NULL,
    actor_login text NOT NULL DEFAULT '',
    remote_addr text NOT NULL DEFAULT '',
    request_id  text NOT NULL DEFAULT '',
    time        timestamptz NOT NULL
);
CREATE INDEX notify_actions_message_idx ON notify_actions (message_id, id DESC);
CREATE INDEX notify_messages_create_idx ON notify_messages (create_time);
CREATE INDEX notify_messages_attention_idx ON notify_messages (id DESC)
    WHERE state IN (5, 7) OR (state = 1 AND attempts > 0);

-- +goose Down
DROP INDEX notify_messages_attention_idx;
DROP INDEX notify_messages_create_idx;
DROP TABLE notify_actions;
