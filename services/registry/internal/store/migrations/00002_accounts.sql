-- +goose Up
CREATE TABLE accounts (
    id            uuid PRIMARY KEY,
    login         text NOT NULL CONSTRAINT accounts_login_key UNIQUE,
    name          text NOT NULL,
    search_key    text NOT NULL,
    email         text NOT NULL DEFAULT '',
    password_hash text NOT NULL,
    blocked       boolean NOT NULL DEFAULT false,
    version       bigint NOT NULL DEFAULT 1,
    create_time   timestamptz NOT NULL DEFAULT now(),
    update_time   timestamptz NOT NULL DEFAULT now()
);

-- role: 1 operator (no scope), 2 regional (a region), 3 methodologist (a
-- municipality), 4 curator (an organisation). The scope is a foreign key, so a
-- role never points at nothing.
CREATE TABLE account_roles (
    account_id      uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    role            smallint NOT NULL,
    region_code     text REFERENCES regions (code),
    municipality_id uuid REFERENCES municipalities (id),
    organisation_id uuid REFERENCES organisations (id),
    CONSTRAINT account_roles_scope_check CHECK (
        (role = 1 AND region_code IS NULL AND municipality_id IS NULL AND organisation_id IS NULL) OR
        (role = 2 AND region_code IS NOT NULL AND municipality_id IS NULL AND organisation_id IS NULL) OR
        (role = 3 AND region_code IS NULL AND municipality_id IS NOT NULL AND organisation_id IS NULL) OR
        (role = 4 AND region_code IS NULL AND municipality_id IS NULL AND organisation_id IS NOT NULL))
);
CREATE UNIQUE INDEX account_roles_key ON account_roles
    (account_id, role, COALESCE(region_code, ''), COALESCE(municipality_id::text, ''), COALESCE(organisation_id::text, ''));
CREATE INDEX account_roles_region_idx ON account_roles (region_code) WHERE region_code IS NOT NULL;
CREATE INDEX account_roles_municipality_idx ON account_roles (municipality_id) WHERE municipality_id IS NOT NULL;
CREATE INDEX account_roles_organisation_idx ON account_roles (organisation_id) WHERE organisation_id IS NOT NULL;

-- Secrets are stored as SHA-256 of 32 random bytes: enough against guessing,
-- and a lookup by hash needs no slow KDF.
CREATE TABLE sessions (
    secret_hash    bytea PRIMARY KEY,
    account_id     uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token     text NOT NULL,
    create_time    timestamptz NOT NULL DEFAULT now(),
    last_seen_time timestamptz NOT NULL DEFAULT now(),
    expire_time    timestamptz NOT NULL,
    remote_addr    text NOT NULL DEFAULT '',
    user_agent     text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_account_idx ON sessions (account_id);

CREATE TABLE api_tokens (
    id            uuid PRIMARY KEY,
    account_id    uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          text NOT NULL,
    secret_hash   bytea NOT NULL CONSTRAINT api_tokens_secret_key UNIQUE,
    read_only     boolean NOT NULL,
    expire_time   timestamptz NOT NULL,
    create_time   timestamptz NOT NULL DEFAULT now(),
    last_use_time timestamptz,
    revoke_time   timestamptz
);
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id);

-- Failed sign-ins per login, whether or not the login exists.
CREATE TABLE sign_in_failures (
    login        text PRIMARY KEY,
    failures     integer NOT NULL,
    last_failure timestamptz NOT NULL
);

CREATE TABLE audit_events (
    id              bigserial PRIMARY KEY,
    time            timestamptz NOT NULL DEFAULT now(),
    actor_id        uuid,
    actor_login     text NOT NULL DEFAULT '',
    action          text NOT NULL,
    object_type     text NOT NULL DEFAULT '',
    object_id       text NOT NULL DEFAULT '',
    region          text NOT NULL DEFAULT '',
    municipality_id uuid,
    details         jsonb NOT NULL DEFAULT '{}',
    remote_addr     text NOT NULL DEFAULT '',
    request_id      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_municipality_idx ON audit_events (municipality_id, id);
CREATE INDEX audit_events_region_idx ON audit_events (region, id);

-- +goose StatementBegin
CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_append_only();
DROP TABLE sign_in_failures;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE account_roles;
DROP TABLE accounts;
