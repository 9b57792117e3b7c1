-- depends: 0002_positions
-- Participants and their loans. A participant's record holds only what a loan needs
-- (docs/PRIVACY.md); erasing one blanks the person and keeps the loans, unlinked.

CREATE TABLE participants (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_name          text,
    last_name           text,
    phone               text,
    email               text,
    municipality        text,
    intercommunality    text,
    prescriber_id       bigint REFERENCES prescribers (id),
    referred_by_user_id bigint REFERENCES users (id),
    purpose             text CHECK (purpose IN ('job', 'training', 'interview', 'daily_life')),
    notes               text NOT NULL DEFAULT '',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    erased_at           timestamptz,
    CHECK (erased_at IS NOT NULL OR (first_name IS NOT NULL AND last_name IS NOT NULL))
);

-- Licences held, with the date a coordinator checked the document.
CREATE TABLE participant_licences (
    participant_id bigint NOT NULL REFERENCES participants (id) ON DELETE CASCADE,
    category       text NOT NULL CHECK (category IN ('B', 'AM', 'BSR')),
    checked_on     date NOT NULL,
    PRIMARY KEY (participant_id, category)
);

-- A loan holds its vehicle from starts_at until held_until (its end plus the
-- turnaround buffer for charging and cleaning) while validated, active or overdue;
-- the exclusion constraint makes two such holds on one vehicle impossible.
CREATE TABLE loans (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    vehicle_id           bigint NOT NULL REFERENCES vehicles (id),
    participant_id       bigint REFERENCES participants (id),
    prescriber_id        bigint REFERENCES prescribers (id),
    requested_by         bigint REFERENCES users (id),
    status               text NOT NULL DEFAULT 'requested' CHECK (status IN
                           ('requested', 'validated', 'active', 'returned',
                            'rejected', 'cancelled', 'overdue')),
    starts_at            timestamptz NOT NULL,
    ends_at              timestamptz NOT NULL,
    held_until           timestamptz NOT NULL,
    purpose              text CHECK (purpose IN ('job', 'training', 'interview', 'daily_life')),
    deposit_cents        integer CHECK (deposit_cents >= 0),
    deposit_recorded_at  timestamptz,
    rejection_reason     text,
    checked_out_at       timestamptz,
    checked_in_at        timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_at > starts_at),
    CHECK (held_until >= ends_at),
    CONSTRAINT loans_no_overlap EXCLUDE USING gist (
        vehicle_id WITH =,
        tstzrange(starts_at, held_until) WITH &&
    ) WHERE (status IN ('validated', 'active', 'overdue'))
);
CREATE INDEX loans_vehicle_idx ON loans (vehicle_id, starts_at);
CREATE INDEX loans_participant_idx ON loans (participant_id);
CREATE INDEX loans_status_idx ON loans (status);

-- Who moved a loan from one status to another, when, and why.
CREATE TABLE loan_transitions (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id     bigint NOT NULL REFERENCES loans (id),
    from_status text,
    to_status   text NOT NULL,
    by_user_id  bigint REFERENCES users (id),
    at          timestamptz NOT NULL DEFAULT now(),
    reason      text
);
CREATE INDEX loan_transitions_loan_idx ON loan_transitions (loan_id, at);

-- État des lieux de départ (checkout) and de retour (checkin).
CREATE TABLE inspections (
    id                     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    loan_id                bigint NOT NULL REFERENCES loans (id),
    kind                   text NOT NULL CHECK (kind IN ('checkout', 'checkin')),
    odometer_km            double precision NOT NULL CHECK (odometer_km >= 0),
    telemetry_odometer_km  double precision,
    odometer_correction_reason text,
    energy_pct             real CHECK (energy_pct BETWEEN 0 AND 100),
    checklist              jsonb NOT NULL DEFAULT '{}',
    damages                jsonb NOT NULL DEFAULT '[]',
    participant_signed_at  timestamptz,
    staff_signed_at        timestamptz,
    by_user_id             bigint REFERENCES users (id),
    created_at             timestamptz NOT NULL DEFAULT now(),
    UNIQUE (loan_id, kind)
);

CREATE TABLE inspection_photos (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    inspection_id  bigint NOT NULL REFERENCES inspections (id) ON DELETE CASCADE,
    content_type   text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/webp')),
    content        bytea NOT NULL,
    caption        text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
