-- depends: 0040_expire_positions_on_both_back_ends
-- Incidents (docs/PRIVACY.md): while one is open on a vehicle, the fleet manager and the
-- administrator may see that vehicle's precise position and its history from the
-- incident's start. Opened with a written reason, renewed with one, closed with an
-- outcome (by a person, or by the scheduler once FLEET_INCIDENT_AUTO_CLOSE_DAYS have
-- passed since it was opened or last renewed). At most one open incident per vehicle.

CREATE TABLE incidents (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_id  bigint NOT NULL REFERENCES vehicles (id),
    loan_id     bigint REFERENCES loans (id),
    kind        text NOT NULL CHECK (kind IN ('theft_suspected', 'accident', 'assistance_requested',
                                              'not_returned')),
    reason      text NOT NULL CHECK (btrim(reason) <> ''),
    alert_id    bigint REFERENCES alerts (id) ON DELETE SET NULL,
    opened_by   bigint NOT NULL REFERENCES users (id),
    opened_at   timestamptz NOT NULL,
    renewed_at  timestamptz,
    closed_at   timestamptz,
    closed_by   bigint REFERENCES users (id),  -- NULL once closed: closed by itself
    outcome     text,
    CHECK ((closed_at IS NULL) = (outcome IS NULL)),
    CHECK (closed_at IS NULL OR closed_at >= opened_at)
);
CREATE UNIQUE INDEX incidents_one_open_per_vehicle ON incidents (vehicle_id) WHERE closed_at IS NULL;
CREATE INDEX incidents_loan_idx ON incidents (loan_id);
CREATE INDEX incidents_opened_idx ON incidents (opened_at);

CREATE TABLE incident_renewals (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    incident_id  bigint NOT NULL REFERENCES incidents (id),
    renewed_by   bigint NOT NULL REFERENCES users (id),
    renewed_at   timestamptz NOT NULL,
    reason       text NOT NULL CHECK (btrim(reason) <> '')
);
CREATE INDEX incident_renewals_incident_idx ON incident_renewals (incident_id, renewed_at);
