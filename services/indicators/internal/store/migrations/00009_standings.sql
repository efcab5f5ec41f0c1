-- +goose Up
-- A report's status history, newest first, for the completeness as of a day:
-- the latest status change and the latest submission before the day ends
-- are each one step into this index, never a replay of the history.
CREATE INDEX report_events_status_idx ON report_events (report_id, id DESC) INCLUDE (time, new_value, late)
    WHERE kind = 'status';

-- +goose Down
DROP INDEX report_events_status_idx;
