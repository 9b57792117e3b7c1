-- depends: 0040_expire_positions_on_both_back_ends
-- Nothing that holds a coordinate outlives FLEET_RETENTION_DAYS (docs/PRIVACY.md), not only
-- `positions`. One function, `expire_positional_data`, run by the scheduler's retention job
-- with its own clock, expires every such row:
-- - positions (rolled up into vehicle_daily_stats first: expire_positions, now given the time);
-- - zone events (their lat/lon and details), refused readings (their payloads);
-- - the last known fix, odometer anchor and theft suspect kept in vehicle_state, when older
--   (the row stays: odometer, battery and last-seen time are not positions);
-- - resolved alerts whose text tells where a vehicle was (left the service area, back at its
--   depot, possible theft), and e-mails sent or given up (they carry alerts' texts).
-- Columns that must never hold a coordinate at all (the audit log's details, an inspection's
-- checklist and damages, a repair ticket's parts, a job's outcome, a web hook's body) refuse
-- one: `holds_coordinates`. tests/fleetbase/test_retention.py lists every column of the
-- schema that could hold a coordinate or a raw payload and fails on one it does not know.

DROP FUNCTION expire_positions(integer);

CREATE FUNCTION expire_positions(retention_days integer, as_of timestamptz DEFAULT now()) RETURNS integer
LANGUAGE plpgsql AS $fn$
DECLARE
    cutoff date := (as_of AT TIME ZONE 'UTC')::date - retention_days;
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

-- A vehicle whose last fix is past retention keeps its row, without the position.
ALTER TABLE vehicle_state
    ALTER COLUMN lat DROP NOT NULL,
    ALTER COLUMN lon DROP NOT NULL,
    ADD CONSTRAINT vehicle_state_position_whole CHECK ((lat IS NULL) = (lon IS NULL));

-- A key that names a coordinate or a shape, anywhere in a JSON text.
CREATE FUNCTION holds_coordinates(document text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT coalesce(document ~* '"(lat|lon|lng|latitude|longitude|coordinates|geometry|geom)"\s*:', false)
$fn$;

ALTER TABLE audit_log ADD CONSTRAINT audit_log_details_no_coordinates
    CHECK (NOT holds_coordinates(details::text));
ALTER TABLE inspections ADD CONSTRAINT inspections_checklist_no_coordinates
    CHECK (NOT holds_coordinates(checklist::text)),
    ADD CONSTRAINT inspections_damages_no_coordinates CHECK (NOT holds_coordinates(damages::text));
ALTER TABLE repair_tickets ADD CONSTRAINT repair_tickets_parts_no_coordinates
    CHECK (NOT holds_coordinates(parts::text));
ALTER TABLE scheduler_job_runs ADD CONSTRAINT scheduler_job_runs_outcome_no_coordinates
    CHECK (NOT holds_coordinates(outcome::text));
ALTER TABLE webhook_deliveries ADD CONSTRAINT webhook_deliveries_body_no_coordinates
    CHECK (NOT holds_coordinates(body));

-- Alerts whose text places a vehicle somewhere (geofence/rules.py).
CREATE FUNCTION alert_kind_is_positional(kind text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $fn$
    SELECT kind IN ('left_service_area', 'back_at_depot', 'possible_theft')
$fn$;

-- Every row holding a coordinate from before `as_of` minus `retention_days` days: deleted, or
-- its coordinates cleared; how many of each, by table.
CREATE FUNCTION expire_positional_data(retention_days integer, as_of timestamptz DEFAULT now()) RETURNS jsonb
LANGUAGE plpgsql AS $fn$
DECLARE
    cutoff_time timestamptz := as_of - make_interval(days => retention_days);
    counts jsonb := '{}';
    n integer;
BEGIN
    counts := counts || jsonb_build_object('positions_days', expire_positions(retention_days, as_of));
    DELETE FROM events WHERE occurred_at < cutoff_time;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('events', n);
    DELETE FROM dead_letters WHERE received_at < cutoff_time;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('dead_letters', n);
    UPDATE vehicle_state SET lat = NULL, lon = NULL, speed_kmh = NULL, heading_deg = NULL, alt_m = NULL,
                             acc_m = NULL
    WHERE fix_time < cutoff_time AND lat IS NOT NULL;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('vehicle_state', n);
    UPDATE vehicle_state SET anchor_fix_time = NULL, anchor_lat = NULL, anchor_lon = NULL
    WHERE anchor_fix_time < cutoff_time;
    UPDATE vehicle_state SET suspect_fix_time = NULL, suspect_lat = NULL, suspect_lon = NULL
    WHERE suspect_fix_time < cutoff_time;
    DELETE FROM alerts
    WHERE alert_kind_is_positional(kind) AND status = 'resolved' AND created_at < cutoff_time;
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('positional_alerts', n);
    DELETE FROM mail_outbox
    WHERE created_at < cutoff_time AND (sent_at IS NOT NULL OR failed_at IS NOT NULL);
    GET DIAGNOSTICS n = ROW_COUNT;
    counts := counts || jsonb_build_object('mail_outbox', n);
    RETURN counts;
END
$fn$;
