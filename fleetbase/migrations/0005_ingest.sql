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
