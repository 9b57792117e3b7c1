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

-- Raw positions are kept retention_days (docs/PRIVACY.md), then only per-vehicle daily
-- figures remain: days older than the cutoff are rolled up into vehicle_daily_stats,
-- then their partitions dropped (cheap: no row-by-row delete). On TimescaleDB the
-- retention policy and the positions_daily aggregate do this job; this does nothing.
CREATE FUNCTION expire_positions(retention_days integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    cutoff date := (now() AT TIME ZONE 'UTC')::date - retention_days;
    cutoff_time timestamptz := cutoff::timestamp AT TIME ZONE 'UTC';
    part record;
    dropped integer := 0;
BEGIN
    IF to_regclass('positions_default') IS NULL THEN
        RETURN 0;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('positions_partitions'));
    WITH ordered AS (
        SELECT vehicle_id, (fix_time AT TIME ZONE 'UTC')::date AS day, speed_kmh, ignition,
               effective_odometer_km, battery_pct, fuel_pct,
               -- a gap over 5 minutes is a tracker asleep, not hours of driving
               least(coalesce(extract(epoch FROM lead(fix_time) OVER w - fix_time), 0), 300) AS seconds,
               lag(battery_pct) OVER w AS previous_battery,
               lag(fuel_pct) OVER w AS previous_fuel
        FROM positions
        WHERE fix_time < cutoff_time
        WINDOW w AS (PARTITION BY vehicle_id ORDER BY fix_time)
    )
    INSERT INTO vehicle_daily_stats AS stats (vehicle_id, day, fixes, distance_km, moving_hours,
                                             ignition_hours, battery_used_pct, fuel_used_pct)
    SELECT vehicle_id, day, count(*),
           coalesce(max(effective_odometer_km) - min(effective_odometer_km), 0),
           coalesce(sum(seconds) FILTER (WHERE speed_kmh > 3), 0) / 3600,
           coalesce(sum(seconds) FILTER (WHERE ignition), 0) / 3600,
           sum(greatest(previous_battery - battery_pct, 0)),
           sum(greatest(previous_fuel - fuel_pct, 0))
    FROM ordered
    GROUP BY vehicle_id, day
    ON CONFLICT (vehicle_id, day) DO UPDATE SET
        fixes = stats.fixes + EXCLUDED.fixes,
        distance_km = stats.distance_km + EXCLUDED.distance_km,
        moving_hours = stats.moving_hours + EXCLUDED.moving_hours,
        ignition_hours = stats.ignition_hours + EXCLUDED.ignition_hours,
        battery_used_pct = coalesce(stats.battery_used_pct, 0) + coalesce(EXCLUDED.battery_used_pct, 0),
        fuel_used_pct = coalesce(stats.fuel_used_pct, 0) + coalesce(EXCLUDED.fuel_used_pct, 0);
    FOR part IN
        SELECT child.relname
        FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid
        WHERE pg_inherits.inhparent = 'positions'::regclass
          AND child.relname ~ '^positions_[0-9]{8}$'
          AND to_date(substring(child.relname FROM 11), 'YYYYMMDD') < cutoff
    LOOP
        EXECUTE format('DROP TABLE %I', part.relname);
        dropped := dropped + 1;
    END LOOP;
    DELETE FROM positions_default WHERE fix_time < cutoff_time;
    RETURN dropped;
END
$fn$;
