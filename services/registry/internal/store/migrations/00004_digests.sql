-- +goose Up
-- A person may turn digests off (SetMyDigests, or the unsubscribe link of a
-- digest); messages about their own report still come.
ALTER TABLE accounts ADD COLUMN digests_off boolean NOT NULL DEFAULT false;

-- +goose Down
ALTER TABLE accounts DROP COLUMN digests_off;
