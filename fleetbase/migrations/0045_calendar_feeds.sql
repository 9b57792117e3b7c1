-- depends: 0040_expire_positions_on_both_back_ends
-- Calendar feeds (iCal) of the loans of one depot or one vehicle, read by a phone's
-- calendar at a secret address (/calendrier/<token>.ics). Only the token's SHA-256 is
-- kept: the address is shown once, when a coordinator creates it; revoking a feed makes
-- its address answer 404 for good.

CREATE TABLE calendar_feeds (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_sha256  bytea NOT NULL UNIQUE CHECK (octet_length(token_sha256) = 32),
    site_id       bigint REFERENCES sites (id),
    vehicle_id    bigint REFERENCES vehicles (id),
    created_by    bigint NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL,
    revoked_by    bigint REFERENCES users (id),
    revoked_at    timestamptz,
    CHECK ((site_id IS NULL) <> (vehicle_id IS NULL)),
    CHECK ((revoked_at IS NULL) = (revoked_by IS NULL))
);
CREATE INDEX calendar_feeds_live_idx ON calendar_feeds (created_at) WHERE revoked_at IS NULL;
