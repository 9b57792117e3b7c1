-- depends: 0014_partition_creation_blocks_inserts
-- What a tracker needs beyond its MQTT login to speak the protocols real devices speak:
-- - owntracks_key: the secret typed in the OwnTracks app to encrypt its messages
--   (libsodium secretbox; up to 32 bytes, padded by the app). Kept in the clear: the
--   ingest workers need it to decrypt, as the broker password file needs its hashes.
-- - http_token_sha256: the SHA-256 of the secret that the HTTP ingress reads in the URL
--   path (OsmAnd, OwnTracks HTTP mode). The secret itself is shown once, at registration;
--   it is long and random, so a plain hash is enough to find and check it.
-- - traccar_unique_id: the device's uniqueId in a Traccar server (a box's IMEI), whose
--   forwarded positions are this tracker's.

ALTER TABLE trackers
    ADD COLUMN owntracks_key     text CHECK (octet_length(owntracks_key) BETWEEN 1 AND 32),
    ADD COLUMN http_token_sha256 bytea UNIQUE CHECK (octet_length(http_token_sha256) = 32),
    ADD COLUMN traccar_unique_id text UNIQUE CHECK (traccar_unique_id ~ '^[A-Za-z0-9._:-]{1,64}$');
