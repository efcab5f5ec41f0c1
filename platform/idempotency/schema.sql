-- +goose Up
-- The answers of keyed writes (platform/idempotency): a repeat of a write
-- under the same key gets the stored answer; keys expire after a day.
CREATE TABLE idempotency_keys (
    principal    text        NOT NULL,
    key          text        NOT NULL,
    method       text        NOT NULL,
    request_hash bytea       NOT NULL,
    response     bytea       NOT NULL DEFAULT '',
    create_time  timestamptz NOT NULL DEFAULT now(),
    expire_time  timestamptz NOT NULL,
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_expire ON idempotency_keys (expire_time);

-- +goose Down
DROP TABLE idempotency_keys;
