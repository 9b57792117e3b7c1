-- depends: 0005_ingest
-- What geofence/ needs beyond 0004: corridors (a line with a width), the kind 'other'
-- (was 'custom'), a revision token the in-process zone index compares against, each
-- vehicle's confirmed zone state (for transitions without flapping), and the rules'
-- thresholds per vehicle kind, editable by the fleet manager.

ALTER TABLE geofences
    DROP CONSTRAINT geofences_kind_check,
    DROP CONSTRAINT geofences_geometry_check,
    ADD COLUMN width_m double precision CHECK (width_m > 0);
UPDATE geofences SET kind = 'other' WHERE kind = 'custom';
ALTER TABLE geofences
    ADD CONSTRAINT geofences_kind_check CHECK (kind IN ('depot', 'service_area', 'other')),
    ADD CONSTRAINT geofences_geometry_check
        CHECK (geometry ->> 'type' IN ('Point', 'Polygon', 'MultiPolygon', 'LineString')),
    ADD CONSTRAINT geofences_corridor_check CHECK ((geometry ->> 'type' = 'LineString') = (width_m IS NOT NULL));
COMMENT ON COLUMN geofences.width_m IS 'corridor width on the ground (the line runs down its middle)';

-- One row; any change to geofences gives it a new token, in the same transaction, so
-- a process holding an index built for another token knows to rebuild it (a rolled
-- back change brings the old token back, which differs from the cached one too).
CREATE TABLE geofence_revision (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    token       uuid NOT NULL DEFAULT gen_random_uuid(),
    changed_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO geofence_revision DEFAULT VALUES;

CREATE FUNCTION geofence_revision_bump() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
    UPDATE geofence_revision SET token = gen_random_uuid(), changed_at = now();
    RETURN NULL;
END
$fn$;

CREATE TRIGGER geofences_revision_bump
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON geofences
    FOR EACH STATEMENT EXECUTE FUNCTION geofence_revision_bump();

-- A vehicle's place in the zones: the newest fix considered (older fixes are late and
-- decide nothing). A vehicle with a row here is outside every zone it has no
-- geofence_zone_state row for.
CREATE TABLE geofence_vehicle_state (
    vehicle_id      bigint PRIMARY KEY REFERENCES vehicles (id),
    last_fix_time   timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Zones a vehicle is inside, or whose border it may be crossing: the confirmed state
-- and the run of agreeing fixes that would flip it.
CREATE TABLE geofence_zone_state (
    vehicle_id          bigint NOT NULL REFERENCES vehicles (id),
    geofence_id         bigint NOT NULL REFERENCES geofences (id) ON DELETE CASCADE,
    inside              boolean NOT NULL,
    since               timestamptz,
    pending_first_time  timestamptz,
    pending_count       integer NOT NULL DEFAULT 0 CHECK (pending_count >= 0),
    PRIMARY KEY (vehicle_id, geofence_id)
);

CREATE TABLE geofence_rule_thresholds (
    vehicle_kind           text PRIMARY KEY CHECK (vehicle_kind IN ('car', 'scooter', 'ebike', 'ecar')),
    confirm_fixes          integer NOT NULL DEFAULT 3 CHECK (confirm_fixes >= 1),
    confirm_seconds        integer NOT NULL DEFAULT 120 CHECK (confirm_seconds >= 0),
    theft_displacement_m   double precision NOT NULL DEFAULT 200 CHECK (theft_displacement_m > 0),
    return_window_hours    double precision NOT NULL DEFAULT 24 CHECK (return_window_hours >= 0),
    low_battery_pct        double precision NOT NULL DEFAULT 20 CHECK (low_battery_pct BETWEEN 0 AND 100),
    silent_after_minutes   integer NOT NULL DEFAULT 360 CHECK (silent_after_minutes > 0),
    updated_at             timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE geofence_rule_thresholds IS
    'per vehicle kind: how many fixes / seconds confirm a zone change, and the alert thresholds';

-- Parked trackers report every few minutes; an e-bike's tracker sleeps longer to save
-- its battery, hence its longer silence threshold.
INSERT INTO geofence_rule_thresholds (vehicle_kind, low_battery_pct, silent_after_minutes) VALUES
    ('car', 20, 360), ('scooter', 20, 360), ('ebike', 15, 720), ('ecar', 20, 360);
