-- depends: 0014_partition_creation_blocks_inserts
-- A reading dead-lettered as `unknown_tracker` came in through a broker that knew the
-- tracker's login; when its tracker is registered by now (the worker's cache was behind,
-- or the row was committed a moment after the reading), the worker's housekeeping stores
-- the message after all and marks the letter replayed, so no letter is stored twice.
ALTER TABLE dead_letters ADD COLUMN replayed_at timestamptz;
COMMENT ON COLUMN dead_letters.replayed_at IS
    'when the ingest worker stored this unknown_tracker message after all (its tracker was registered)';
CREATE INDEX dead_letters_awaiting_tracker_idx ON dead_letters (tracker_id, id)
    WHERE reason = 'unknown_tracker' AND replayed_at IS NULL;
