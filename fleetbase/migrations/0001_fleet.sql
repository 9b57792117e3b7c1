-- The fleet itself: sites, partner organisations, people with a login, vehicles and
-- their trackers, and the latest known state of each vehicle.

CREATE EXTENSION IF NOT EXISTS btree_gist;

CREATE TABLE sites (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE,
    name             text NOT NULL,
    municipality     text NOT NULL,
    intercommunality text NOT NULL,
    lat              double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon              double precision NOT NULL CHECK (lon BETWEEN -180 AND 180)
);

CREATE TABLE garages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    address      text NOT NULL DEFAULT '',
    email        text,
    phone        text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- A referring structure (France Travail agency, PLIE, Mission locale, CCAS...).
CREATE TABLE prescribers (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name         text NOT NULL UNIQUE,
    kind         text NOT NULL CHECK (kind IN
                   ('france_travail', 'plie', 'mission_locale', 'ccas', 'departement', 'other')),
    email        text,
    created_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,63}$'),
    full_name     text NOT NULL,
    email         text,
    role          text NOT NULL CHECK (role IN
                    ('admin', 'fleet_manager', 'coordinator', 'mechanic', 'garage_partner', 'prescriber')),
    password_hash text NOT NULL,
    garage_id     bigint REFERENCES garages (id),
    prescriber_id bigint REFERENCES prescribers (id),
    disabled_at   timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((role = 'garage_partner') = (garage_id IS NOT NULL)),
    CHECK ((role = 'prescriber') = (prescriber_id IS NOT NULL))
);

CREATE TABLE vehicles (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    label              text NOT NULL UNIQUE,
    kind               text NOT NULL CHECK (kind IN ('car', 'scooter', 'ebike', 'ecar')),
    energy             text NOT NULL CHECK (energy IN ('petrol', 'diesel', 'electric')),
    plate              text UNIQUE,
    make               text NOT NULL DEFAULT '',
    model              text NOT NULL DEFAULT '',
    first_registered_on date,
    home_site_id       bigint NOT NULL REFERENCES sites (id),
    status             text NOT NULL DEFAULT 'available' CHECK (status IN
                         ('available', 'on_loan', 'maintenance', 'immobilised', 'out_of_service')),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    CHECK (kind = 'ebike' OR plate IS NOT NULL),
    CHECK ((kind IN ('ebike', 'ecar')) = (energy = 'electric'))
);

-- mqtt_password_hash is in Mosquitto's own PBKDF2-SHA512 format, so the broker's
-- password file is written straight from this table.
CREATE TABLE trackers (
    tracker_id         text PRIMARY KEY CHECK (tracker_id ~ '^[a-z0-9][a-z0-9_-]{1,63}$'),
    vehicle_id         bigint NOT NULL UNIQUE REFERENCES vehicles (id),
    mqtt_password_hash text NOT NULL,
    enabled            boolean NOT NULL DEFAULT true,
    created_at         timestamptz NOT NULL DEFAULT now(),
    disabled_at        timestamptz
);

-- One row per vehicle, moved forward only by newer fixes (see ingest/).
CREATE TABLE vehicle_state (
    vehicle_id            bigint PRIMARY KEY REFERENCES vehicles (id),
    fix_time              timestamptz NOT NULL,
    lat                   double precision NOT NULL,
    lon                   double precision NOT NULL,
    speed_kmh             real,
    heading_deg           real,
    alt_m                 real,
    acc_m                 real,
    odometer_km           double precision,
    effective_odometer_km double precision,
    battery_pct           real,
    fuel_pct              real,
    tracker_battery_pct   real,
    ignition              boolean,
    last_seen_at          timestamptz NOT NULL,
    online                boolean NOT NULL DEFAULT true,
    online_changed_at     timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now()
);
