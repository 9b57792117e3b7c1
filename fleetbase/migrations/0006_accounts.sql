-- depends: 0005_ingest
-- What the API needs to sign people in: opaque bearer tokens (only their SHA-256 is
-- kept, so a copy of the database cannot be replayed as a login) and failed logins per
-- username and address, shared by every API process to slow down password guessing.

CREATE TABLE api_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id) WHERE revoked_at IS NULL;

CREATE TABLE login_failures (
    username        text NOT NULL,
    client_address  text NOT NULL,
    failures        integer NOT NULL,
    last_failed_at  timestamptz NOT NULL,
    blocked_until   timestamptz,
    PRIMARY KEY (username, client_address)
);
