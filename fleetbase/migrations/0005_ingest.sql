-- depends: 0004_operations
-- What the ingest workers need beyond the core tables: where each vehicle's effective
-- odometer was last anchored (the last fix that counted, and a suspected GPS jump
-- awaiting confirmation), and the workers' counters, kept with the data they count.

ALTER TABLE vehicle_state
    ADD COLUMN anchor_fix_time  timestamptz,
    ADD COLUMN anchor_lat       double precision,
    ADD COLUMN anchor_lon       double precision,
    ADD COLUMN suspect_fix_time timestamptz,
    ADD COLUMN suspect_lat      double precision,
    ADD COLUMN suspect_lon      double precision,
    ALTER COLUMN fix_time DROP NOT NULL,
    ALTER COLUMN lat DROP NOT NULL,
    ALTER COLUMN lon DROP NOT NULL,
    ALTER COLUMN last_seen_at DROP NOT NULL;

COMMENT ON COLUMN vehicle_state.odometer_km IS 'last plausible odometer reported by the vehicle';
COMMENT ON COLUMN vehicle_state.effective_odometer_km IS
    'reported odometer when plausible, else running geodesic distance of accepted fixes';

-- One row per worker and counter; a counter name carries its Prometheus labels,
-- e.g. ingest_rejected_total{reason="bad_json"}. Values only grow for a worker_id.
CREATE TABLE ingest_counters (
    worker_id   text NOT NULL,
    name        text NOT NULL,
    value       double precision NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (worker_id, name)
);

-- Day partitions are made ahead of time (and for days whose rows reached the default
-- partition), off the ingest hot path: creating a partition locks the whole table,
-- so the worker's housekeeping calls this with a short lock_timeout instead of
-- letting one long reader stall every insert. On TimescaleDB it does nothing.
CREATE FUNCTION maintain_positions_partitions(days_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    today date := (now() AT TIME ZONE 'UTC')::date;
    day date;
    created integer := 0;
BEGIN
    IF to_regclass('positions_default') IS NULL THEN
        RETURN 0;
    END IF;
    FOR day IN
        SELECT d::date FROM generate_series(today - 1, today + days_ahead, interval '1 day') AS d
        UNION
        SELECT DISTINCT (fix_time AT TIME ZONE 'UTC')::date FROM positions_default
        ORDER BY 1
    LOOP
        IF ensure_positions_partition(day) THEN
            created := created + 1;
        END IF;
    END LOOP;
    RETURN created;
END
$fn$;
