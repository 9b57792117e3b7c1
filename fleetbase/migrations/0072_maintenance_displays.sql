-- depends: 0071_service_record_photos
-- Display links of the workshop's wall screen (/ecran/<token>): a mechanic makes one from
-- /entretien for a screen that has no session. Only the token's SHA-256 is kept: the
-- address is shown once; revoking it makes it answer "lien révoqué" for good.

CREATE TABLE maintenance_displays (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_sha256  bytea NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 80),
    created_by    bigint NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    revoked_by    bigint REFERENCES users (id),
    revoked_at    timestamptz,
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX maintenance_displays_live_idx ON maintenance_displays (created_at) WHERE revoked_at IS NULL;
