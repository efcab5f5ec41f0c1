-- +goose Up
-- A municipality's sign-off of a campaign to the regional centre: its state
-- now (1 signed, 2 outdated, 3 sent back; no row: never signed), the latest
-- signing's completeness, comment, who and when, the latest send-back's.
CREATE TABLE sign_offs (
    campaign_id       uuid NOT NULL REFERENCES campaigns (id),
    municipality_id   uuid NOT NULL,
    region_code       text NOT NULL,
    state             smallint NOT NULL CHECK (state IN (1, 2, 3)),
    expected          integer NOT NULL,
    on_time           integer NOT NULL,
    late              integer NOT NULL,
    missing           integer NOT NULL,
    submitted         integer NOT NULL,
    returned          integer NOT NULL,
    accepted          integer NOT NULL,
    comment           text NOT NULL DEFAULT '',
    account_id        text NOT NULL,
    login             text NOT NULL,
    sign_time         timestamptz NOT NULL,
    back_comment      text NOT NULL DEFAULT '',
    back_account_id   text NOT NULL DEFAULT '',
    back_login        text NOT NULL DEFAULT '',
    back_time         timestamptz,
    outdate_time      timestamptz,
    version           bigint NOT NULL,
    PRIMARY KEY (campaign_id, municipality_id)
);
CREATE INDEX sign_offs_region_idx ON sign_offs (region_code, municipality_id);

-- Every step of a sign-off: append-only.
CREATE TABLE sign_off_events (
    id              bigserial PRIMARY KEY,
    campaign_id     uuid NOT NULL,
    municipality_id uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('signed', 'sent_back', 'outdated')),
    time            timestamptz NOT NULL,
    account_id      text NOT NULL,
    login           text NOT NULL,
    comment         text NOT NULL DEFAULT '',
    counts          integer[] NOT NULL DEFAULT '{}', -- expected, on_time, late, missing, submitted, returned, accepted
    organisation_id uuid,
    FOREIGN KEY (campaign_id, municipality_id) REFERENCES sign_offs (campaign_id, municipality_id)
);
CREATE INDEX sign_off_events_idx ON sign_off_events (campaign_id, municipality_id, id);

-- +goose StatementBegin
CREATE FUNCTION sign_off_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'sign-off history is append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER sign_off_events_append_only BEFORE UPDATE OR DELETE ON sign_off_events
    FOR EACH ROW EXECUTE FUNCTION sign_off_events_append_only();
CREATE TRIGGER sign_off_events_no_truncate BEFORE TRUNCATE ON sign_off_events
    FOR EACH STATEMENT EXECUTE FUNCTION sign_off_events_append_only();

-- +goose Down
DROP TABLE sign_off_events;
DROP TABLE sign_offs;
DROP FUNCTION sign_off_events_append_only();
