-- depends: 0025_outbox_message_by_message
-- Sign-in sessions of the web application (fleet_api/web): the browser holds a random
-- cookie, the database only its SHA-256 (a copy of the table cannot be replayed), with
-- the session's CSRF token, when it was last used (idle expiry) and when it ends for good.
-- Disabling a user or changing their password revokes their sessions like their tokens.

CREATE TABLE web_sessions (
    session_hash  bytea PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    csrf_token    text NOT NULL,
    created_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NOT NULL,
    expires_at    timestamptz NOT NULL,
    revoked_at    timestamptz,
    CHECK (expires_at > created_at)
);
CREATE INDEX web_sessions_user_idx ON web_sessions (user_id) WHERE revoked_at IS NULL;
