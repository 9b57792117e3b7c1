-- depends: 0011_zone_state_from_vehicle_state
-- The ingest worker keeps each vehicle's rule context (kind, status, depot, current
-- loan, whether a theft, low-battery or tracker-silent alert is open) between batches
-- and reads it again when this token changes. Any change to vehicles, loans or
-- geofences (the depot), and any alert of those three kinds opened, changed or
-- removed, gives it a new token in the same transaction. As with
-- geofence_revision, a rolled-back change brings the old token back, which differs
-- from a token read meanwhile only if that read saw a committed change.
CREATE TABLE vehicle_context_revision (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    token       uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO vehicle_context_revision DEFAULT VALUES;

CREATE FUNCTION vehicle_context_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE vehicle_context_revision SET token = gen_random_uuid(), changed_at = now();
    RETURN NULL;
END
$fn$;

CREATE TRIGGER vehicles_context_revision_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON vehicles
    FOR EACH STATEMENT EXECUTE FUNCTION vehicle_context_revision_bump();
CREATE TRIGGER loans_context_revision_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON loans
    FOR EACH STATEMENT EXECUTE FUNCTION vehicle_context_revision_bump();
CREATE TRIGGER geofences_context_revision_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON geofences
    FOR EACH STATEMENT EXECUTE FUNCTION vehicle_context_revision_bump();

-- Alerts change often (maintenance, notifications); only these kinds are in the context.
CREATE FUNCTION alerts_context_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_alerts
               WHERE kind IN ('possible_theft', 'low_battery', 'tracker_silent')) THEN
        UPDATE vehicle_context_revision SET token = gen_random_uuid(), changed_at = now();
    END IF;
    RETURN NULL;
END
$fn$;

-- A trigger with a transition table has one event: hence one per event.
CREATE TRIGGER alerts_inserted_context_revision_bump
    AFTER INSERT ON alerts REFERENCING NEW TABLE AS changed_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_context_revision_bump();
CREATE TRIGGER alerts_updated_context_revision_bump
    AFTER UPDATE ON alerts REFERENCING NEW TABLE AS changed_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_context_revision_bump();
CREATE TRIGGER alerts_deleted_context_revision_bump
    AFTER DELETE ON alerts REFERENCING OLD TABLE AS changed_alerts
    FOR EACH STATEMENT EXECUTE FUNCTION alerts_context_revision_bump();
CREATE TRIGGER alerts_truncated_context_revision_bump
    AFTER TRUNCATE ON alerts
    FOR EACH STATEMENT EXECUTE FUNCTION vehicle_context_revision_bump();
