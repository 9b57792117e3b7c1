-- depends: 0003_loans
-- What the fleet's operation produces: zones and their events, alerts, maintenance,
-- repair tickets for the garage, rejected telemetry and the audit log.

-- A zone is a GeoJSON Polygon/MultiPolygon, or a Point with radius_m (a circle
-- measured on the ground).
CREATE TABLE geofences (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL UNIQUE,
    kind        text NOT NULL CHECK (kind IN ('depot', 'service_area', 'custom')),
    site_id     bigint REFERENCES sites (id),
    geometry    jsonb NOT NULL,
    radius_m    double precision CHECK (radius_m > 0),
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((geometry ->> 'type' = 'Point') = (radius_m IS NOT NULL)),
    CHECK (geometry ->> 'type' IN ('Point', 'Polygon', 'MultiPolygon')),
    CHECK ((kind = 'depot') = (site_id IS NOT NULL))
);

CREATE TABLE events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_id   bigint NOT NULL REFERENCES vehicles (id),
    type         text NOT NULL,
    occurred_at  timestamptz NOT NULL,
    geofence_id  bigint REFERENCES geofences (id) ON DELETE SET NULL,
    lat          double precision,
    lon          double precision,
    details      jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX events_vehicle_idx ON events (vehicle_id, occurred_at);
CREATE INDEX events_type_idx ON events (type, occurred_at);

-- message is the French text shown to the role it is meant for; dedup_key keeps
-- one open alert per situation.
CREATE TABLE alerts (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind             text NOT NULL,
    severity         text NOT NULL DEFAULT 'warning' CHECK (severity IN ('info', 'warning', 'critical')),
    target_role      text NOT NULL CHECK (target_role IN
                       ('admin', 'fleet_manager', 'coordinator', 'mechanic', 'garage_partner', 'prescriber')),
    vehicle_id       bigint REFERENCES vehicles (id),
    loan_id          bigint REFERENCES loans (id),
    message          text NOT NULL,
    dedup_key        text NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'acknowledged', 'resolved')),
    created_at       timestamptz NOT NULL DEFAULT now(),
    acknowledged_by  bigint REFERENCES users (id),
    acknowledged_at  timestamptz,
    resolved_at      timestamptz
);
CREATE UNIQUE INDEX alerts_one_open_idx ON alerts (dedup_key) WHERE status <> 'resolved';
CREATE INDEX alerts_status_idx ON alerts (status, created_at);

-- A task for every vehicle of a kind (vehicle_id NULL) or an override for one vehicle.
CREATE TABLE maintenance_plans (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_kind  text NOT NULL CHECK (vehicle_kind IN ('car', 'scooter', 'ebike', 'ecar')),
    vehicle_id    bigint REFERENCES vehicles (id),
    task          text NOT NULL,
    label         text NOT NULL,
    every_km      double precision CHECK (every_km > 0),
    every_months  integer CHECK (every_months > 0),
    soon_km       double precision NOT NULL DEFAULT 0 CHECK (soon_km >= 0),
    soon_days     integer NOT NULL DEFAULT 0 CHECK (soon_days >= 0),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CHECK (every_km IS NOT NULL OR every_months IS NOT NULL)
);
CREATE UNIQUE INDEX maintenance_plans_kind_task_idx
    ON maintenance_plans (vehicle_kind, task) WHERE vehicle_id IS NULL;
CREATE UNIQUE INDEX maintenance_plans_vehicle_task_idx
    ON maintenance_plans (vehicle_id, task) WHERE vehicle_id IS NOT NULL;

CREATE TABLE service_records (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_id   bigint NOT NULL REFERENCES vehicles (id),
    performed_on date NOT NULL,
    odometer_km  double precision NOT NULL CHECK (odometer_km >= 0),
    tasks        text[] NOT NULL,
    cost_cents   integer CHECK (cost_cents >= 0),
    notes        text NOT NULL DEFAULT '',
    by_user_id   bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX service_records_vehicle_idx ON service_records (vehicle_id, performed_on);

CREATE TABLE repair_tickets (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_id   bigint NOT NULL REFERENCES vehicles (id),
    garage_id    bigint REFERENCES garages (id),
    loan_id      bigint REFERENCES loans (id),
    opened_by    bigint REFERENCES users (id),
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'draft' CHECK (status IN
                   ('draft', 'sent', 'accepted', 'in_progress', 'done', 'cancelled')),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (status = 'draft' OR status = 'cancelled' OR garage_id IS NOT NULL)
);
CREATE INDEX repair_tickets_garage_idx ON repair_tickets (garage_id, status);

CREATE TABLE repair_ticket_updates (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ticket_id   bigint NOT NULL REFERENCES repair_tickets (id),
    status      text NOT NULL,
    note        text NOT NULL DEFAULT '',
    by_user_id  bigint REFERENCES users (id),
    at          timestamptz NOT NULL DEFAULT now()
);

-- Telemetry the ingest worker could not use, kept whole with its reason.
CREATE TABLE dead_letters (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    received_at  timestamptz NOT NULL DEFAULT now(),
    topic        text NOT NULL,
    tracker_id   text,
    payload      bytea NOT NULL,
    reason       text NOT NULL,
    detail       text NOT NULL DEFAULT ''
);
CREATE INDEX dead_letters_reason_idx ON dead_letters (reason, received_at);

-- Every look at a loaned vehicle's positions, and every sensitive change.
CREATE TABLE audit_log (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            timestamptz NOT NULL DEFAULT now(),
    user_id       bigint REFERENCES users (id),
    action        text NOT NULL,
    subject_type  text NOT NULL,
    subject_id    text NOT NULL,
    reason        text,
    details       jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_subject_idx ON audit_log (subject_type, subject_id, at);
