-- depends: 0013_positions_without_vehicle_fk
-- Creating a day partition moved that day's rows out of positions_default, then
-- attached the partition, which checks the default partition again. A reading for that
-- day committed in between (two ingest workers, the one storing while the other made
-- partitions) failed the check: "updated partition constraint for default partition
-- would be violated". The function now locks positions first, as inserts do, so none
-- lands in between; the caller's lock_timeout bounds the wait. Plain PostgreSQL only:
-- TimescaleDB makes its chunks itself.
DO $migration$
BEGIN
    IF to_regclass('positions_default') IS NULL THEN
        RETURN;
    END IF;
    CREATE OR REPLACE FUNCTION ensure_positions_partition(day date) RETURNS boolean
    LANGUAGE plpgsql AS $fn$
    DECLARE
        part text := format('positions_%s', to_char(day, 'YYYYMMDD'));
        lower_bound timestamptz := day::timestamp AT TIME ZONE 'UTC';
        upper_bound timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
    BEGIN
        IF to_regclass(part) IS NOT NULL THEN
            RETURN false;
        END IF;
        PERFORM pg_advisory_xact_lock(hashtext('positions_partitions'));
        IF to_regclass(part) IS NOT NULL THEN
            RETURN false;
        END IF;
        LOCK TABLE positions IN ACCESS EXCLUSIVE MODE;
        CREATE TEMP TABLE IF NOT EXISTS positions_moving (LIKE positions) ON COMMIT DROP;
        WITH moved AS (
            DELETE FROM positions_default
            WHERE fix_time >= lower_bound AND fix_time < upper_bound
            RETURNING *
        )
        INSERT INTO positions_moving SELECT * FROM moved;
        EXECUTE format('CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
                       part, lower_bound, upper_bound);
        INSERT INTO positions SELECT * FROM positions_moving;
        DELETE FROM positions_moving;
        RETURN true;
    END
    $fn$;
END
$migration$;
