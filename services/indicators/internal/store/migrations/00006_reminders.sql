-- +goose Up
-- The reminders of a campaign: days before each organisation's deadline
-- (0: the day itself) at a local time of day in the organisation's zone.
ALTER TABLE campaigns
    ADD COLUMN reminder_days integer[] NOT NULL DEFAULT '{7,3,1,0}'
        CHECK (array_length(reminder_days, 1) IS NULL OR (0 <= ALL (reminder_days) AND 60 >= ALL (reminder_days))),
    ADD COLUMN reminder_time time NOT NULL DEFAULT '09:00';

-- +goose Down
ALTER TABLE campaigns DROP COLUMN reminder_time, DROP COLUMN reminder_days;
