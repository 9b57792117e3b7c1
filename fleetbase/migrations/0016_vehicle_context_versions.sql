-- depends: 0015_dead_letter_replay
-- Migration 0012 gave every vehicle's rule context one shared token, bumped by statement
-- triggers on vehicles, loans, geofences and alerts: every API request, scheduler job
-- and ingest batch that wrote one of them queued on that single row until the writer
-- committed. Each vehicle now has its own version row, touched only by changes to what
-- geofence.repository.get_vehicle_contexts reads of that vehicle: writers on different
-- vehicles never wait on one another. Depot zones (geofences) are followed through
-- geofence_revision, which the ingest worker reads for its zone index anyway.
--
-- The ingest worker compares each cached context with `xmin:version` of its row: the
-- counter changes with every statement (also twice in one transaction), xmin with every
-- transaction (so a version seen in a transaction that rolled back is never taken for
-- the one a later transaction writes).
DROP TRIGGER vehicles_context_revision_bump ON vehicles;
DROP TRIGGER loans_context_revision_bump ON loans;
DROP TRIGGER geofences_context_revision_bump ON geofences;
DROP TRIGGER alerts_inserted_context_revision_bump ON alerts;
DROP TRIGGER alerts_updated_context_revision_bump ON alerts;
DROP TRIGGER alerts_deleted_context_revision_bump ON alerts;
DROP TRIGGER alerts_truncated_context_revision_bump ON alerts;
DROP FUNCTION alerts_context_revision_bump();
DROP FUNCTION vehicle_context_revision_bump();
DROP TABLE vehicle_context_revision;

CREATE TABLE vehicle_context_versions (
    vehicle_id  bigint PRIMARY KEY,  -- no foreign key: a deleted vehicle's row says it changed
    version     bigint NOT NULL DEFAULT 1,
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO vehicle_context_versions (vehicle_id) SELECT id FROM vehicles;

-- In id order, so two statements touching several vehicles lock them in the same order.
CREATE FUNCTION touch_vehicle_contexts(vehicle_ids bigint[]) RETURNS void
LANGUAGE sql AS $fn$
    INSERT INTO vehicle_context_versions AS versions (vehicle_id)
    SELECT DISTINCT id FROM unnest(vehicle_ids) AS id WHERE id IS NOT NULL ORDER BY id
    ON CONFLICT (vehicle_id) DO UPDATE SET version = versions.version + 1, changed_at = now()
$fn$;

-- The vehicle an alert's dedup key names, for the three kinds the context holds.
CREATE FUNCTION context_alert_vehicle(dedup_key text) RETURNS bigint
LANGUAGE sql IMMUTABLE AS $fn$
    SELECT CASE WHEN dedup_key ~ '^(possible_theft|low_battery|tracker_silent):vehicle:[0-9]+$'
                THEN split_part(dedup_key, ':', 3)::bigint END
$fn$;

CREATE FUNCTION vehicles_touch_contexts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM touch_vehicle_contexts(ARRAY(SELECT id FROM old_rows));
    ELSE
        PERFORM touch_vehicle_contexts(ARRAY(SELECT id FROM new_rows));
    END IF;
    RETURN NULL;
END
$fn$;

-- Only a loan that is or was active or overdue is in a context (its id, end, start).
CREATE FUNCTION loans_touch_contexts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM touch_vehicle_contexts(ARRAY(
            SELECT vehicle_id FROM new_rows WHERE status IN ('active', 'overdue')));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM touch_vehicle_contexts(ARRAY(
            SELECT vehicle_id FROM old_rows WHERE status IN ('active', 'overdue')));
    ELSE
        PERFORM touch_vehicle_contexts(ARRAY(
            SELECT unnest(ARRAY[o.vehicle_id, n.vehicle_id])
            FROM old_rows o JOIN new_rows n USING (id)
            WHERE (o.status IN ('active', 'overdue') OR n.status IN ('active', 'overdue'))
              AND (o.vehicle_id, o.status, o.starts_at, o.ends_at)
                  IS DISTINCT FROM (n.vehicle_id, n.status, n.starts_at, n.ends_at)));
    END IF;
    RETURN NULL;
END
$fn$;

-- Only whether a theft, low-battery or tracker-silent alert is unresolved is in a context
-- (marking one notified, as the mail outbox does, touches nothing).
CREATE FUNCTION alerts_touch_contexts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM touch_vehicle_contexts(ARRAY(
            SELECT context_alert_vehicle(dedup_key) FROM new_rows WHERE status <> 'resolved'));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM touch_vehicle_contexts(ARRAY(
            SELECT context_alert_vehicle(dedup_key) FROM old_rows WHERE status <> 'resolved'));
    ELSE
        PERFORM touch_vehicle_contexts(ARRAY(
            SELECT unnest(ARRAY[context_alert_vehicle(o.dedup_key), context_alert_vehicle(n.dedup_key)])
            FROM old_rows o JOIN new_rows n USING (id)
            WHERE (o.status <> 'resolved', o.dedup_key) IS DISTINCT FROM (n.status <> 'resolved', n.dedup_key)));
    END IF;
    RETURN NULL;
END
$fn$;

CREATE FUNCTION truncate_touches_all_contexts() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE vehicle_context_versions SET version = version + 1, changed_at = now();
    RETURN NULL;
END
$fn$;

-- A trigger with transition tables has one event: hence one per event.
CREATE TRIGGER vehicles_inserted_touch_contexts AFTER INSERT ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vehicles_touch_contexts();
CREATE TRIGGER vehicles_updated_touch_contexts AFTER UPDATE ON vehicles
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION vehicles_touch_contexts();
CREATE TRIGGER vehicles_deleted_touch_contexts AFTER DELETE ON vehicles
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION vehicles_touch_contexts();
CREATE TRIGGER loans_inserted_touch_contexts AFTER INSERT ON loans
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION loans_touch_contexts();
CREATE TRIGGER loans_updated_touch_contexts AFTER UPDATE ON loans
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION loans_touch_contexts();
CREATE TRIGGER loans_deleted_touch_contexts AFTER DELETE ON loans
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION loans_touch_contexts();
CREATE TRIGGER alerts_inserted_touch_contexts AFTER INSERT ON alerts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION alerts_touch_contexts();
CREATE TRIGGER alerts_updated_touch_contexts AFTER UPDATE ON alerts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_touch_contexts();
CREATE TRIGGER alerts_deleted_touch_contexts AFTER DELETE ON alerts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION alerts_touch_contexts();
CREATE TRIGGER vehicles_truncated_touch_contexts AFTER TRUNCATE ON vehicles
    FOR EACH STATEMENT EXECUTE FUNCTION truncate_touches_all_contexts();
CREATE TRIGGER loans_truncated_touch_contexts AFTER TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION truncate_touches_all_contexts();
CREATE TRIGGER alerts_truncated_touch_contexts AFTER TRUNCATE ON alerts
    FOR EACH STATEMENT EXECUTE FUNCTION truncate_touches_all_contexts();
