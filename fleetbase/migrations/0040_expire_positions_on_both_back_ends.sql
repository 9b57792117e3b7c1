-- depends: 0025_outbox_message_by_message
-- Raw positions past FLEET_RETENTION_DAYS are rolled up into vehicle_daily_stats and then
-- dropped on both storage back ends (fleetbase/storage.py). Before, the TimescaleDB path
-- relied on a retention policy fixed at 60 days and a continuous aggregate with other
-- columns than the vehicle_daily_stats maintenance reads, so that table stayed empty there.
CREATE OR REPLACE FUNCTION expire_positions(retention_days integer) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    cutoff date := (now() AT TIME ZONE 'UTC')::date - retention_days;
    cutoff_time timestamptz := cutoff::timestamp AT TIME ZONE 'UTC';
    part record;
    dropped integer := 0;
BEGIN
    IF to_regclass('positions') IS NULL THEN
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
    IF to_regclass('positions_default') IS NULL THEN
        -- TimescaleDB: one-day chunks aligned on UTC midnight, dropped whole; a row left
        -- before the cutoff (a chunk made with another interval) is deleted, already counted.
        EXECUTE 'SELECT count(*) FROM drop_chunks(''positions'', older_than => $1)'
            INTO dropped USING cutoff_time;
        DELETE FROM positions WHERE fix_time < cutoff_time;
        RETURN dropped;
    END IF;
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
