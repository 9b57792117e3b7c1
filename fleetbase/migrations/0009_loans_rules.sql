-- depends: 0008_geofences
-- What loans/ needs beyond 0003: the loan rules per vehicle kind (turnaround buffer for
-- charging and cleaning, maximum length), editable by an administrator; on each loan a
-- copy of the participant's intercommunalité (so the funders' figures survive an erasure,
-- without the commune, which could single a person out in a village), the
-- deposit's means of payment and the kilometres measured at check-in; and which damage
-- of an inspection a photo shows.

CREATE TABLE loan_rules (
    vehicle_kind      text PRIMARY KEY CHECK (vehicle_kind IN ('car', 'scooter', 'ebike', 'ecar')),
    turnaround_hours  double precision NOT NULL CHECK (turnaround_hours BETWEEN 0 AND 24 * 14),
    max_days          integer NOT NULL CHECK (max_days BETWEEN 1 AND 366),
    updated_at        timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE loan_rules IS
    'per vehicle kind: hours a vehicle stays unavailable after a loan, and the longest loan or extension';

-- A car is cleaned and checked over a day; a scooter or an e-bike in half a day (an
-- e-bike battery charges overnight). Three months is the usual longest loan.
INSERT INTO loan_rules (vehicle_kind, turnaround_hours, max_days) VALUES
    ('car', 24, 92), ('ecar', 24, 92), ('scooter', 12, 92), ('ebike', 12, 92);

ALTER TABLE loans
    ADD COLUMN intercommunality     text,
    ADD COLUMN deposit_method       text CHECK (deposit_method IN ('cash', 'cheque', 'card', 'transfer', 'waived')),
    ADD COLUMN odometer_km_driven   double precision CHECK (odometer_km_driven >= 0),
    ADD COLUMN telemetry_km_driven  double precision CHECK (telemetry_km_driven >= 0);
COMMENT ON COLUMN loans.intercommunality IS
    'the participant''s intercommunalité when the loan was requested (kept after erasure, for the funders)';

ALTER TABLE inspection_photos
    ADD COLUMN damage_index integer CHECK (damage_index >= 0);
COMMENT ON COLUMN inspection_photos.damage_index IS 'position of the damage in inspections.damages it shows';

CREATE INDEX loans_checked_out_idx ON loans (checked_out_at) WHERE checked_out_at IS NOT NULL;
