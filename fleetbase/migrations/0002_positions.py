"""
The positions time series: a TimescaleDB hypertable or a table range-partitioned by day
on plain PostgreSQL, as `fleetbase.storage` chose from FLEET_STORAGE_BACKEND and what the
server offers.

Both keep raw fixes only for the retention period (docs/PRIVACY.md) and leave daily
per-vehicle figures behind in `vehicle_daily_stats`, filled by `expire_positions` before
old days go (day partitions dropped, or TimescaleDB chunks). TimescaleDB also compresses
chunks older than 7 days when its TSL part is there.
"""

from yoyo import step

from fleetbase.storage import StorageBackend, announced_choice, read_offer

__depends__ = {"0001_fleet"}

COLUMNS = """
    vehicle_id            bigint NOT NULL REFERENCES vehicles (id),
    fix_time              timestamptz NOT NULL,
    received_at           timestamptz NOT NULL DEFAULT now(),
    tracker_id            text NOT NULL,
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
    seq                   bigint,
    attributes            jsonb,
    PRIMARY KEY (vehicle_id, fix_time)
"""

DAILY_STATS = """
CREATE TABLE vehicle_daily_stats (
    vehicle_id      bigint NOT NULL REFERENCES vehicles (id),
    day             date NOT NULL,
    fixes           integer NOT NULL,
    distance_km     double precision NOT NULL,
    moving_hours    double precision NOT NULL,
    ignition_hours  double precision NOT NULL,
    battery_used_pct double precision,
    fuel_used_pct   double precision,
    PRIMARY KEY (vehicle_id, day)
)
"""

# A day partition named positions_YYYYMMDD; rows that reached the default partition
# for that day first are moved into it, so creating a partition late never fails.
ENSURE_PARTITION = r"""
CREATE FUNCTION ensure_positions_partition(day date) RETURNS boolean
LANGUAGE plpgsql AS $fn$
DECLARE
    part text := format('positions_%s', to_char(day, 'YYYYMMDD'));
    lower_bound timestamptz := day::timestamp AT TIME ZONE 'UTC';
    upper_bound timestamptz := (day + 1)::timestamp AT TIME ZONE 'UTC';
BEGIN
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('positions_partitions'));
    IF to_regclass(part) IS NOT NULL THEN
        RETURN false;
    END IF;
    CREATE TEMP TABLE IF NOT EXISTS positions_moving (LIKE positions) ON COMMIT DROP;
    WITH moved AS (
        DELETE FROM positions_default
        WHERE fix_time >= lower_bound AND fix_time < upper_bound
        RETURNING *
    )
    INSERT INTO positions_moving SELECT * FROM moved;
    EXECUTE format('CREATE TABLE %I PARTITION OF positions FOR VALUES FROM (%L) TO (%L)',
                   part, lower_bound, upper_bound);
    INSERT INTO positions SELECT * FROM positions_moving;
    DELETE FROM positions_moving;
    RETURN true;
END
$fn$
"""


def create_positions(conn):
    cursor = conn.cursor()
    cursor.execute(DAILY_STATS)
    if announced_choice(conn) is StorageBackend.TIMESCALEDB:
        create_hypertable(cursor, compression=read_offer(conn).compression)
    else:
        create_partitioned(cursor)
    cursor.execute("CREATE INDEX positions_fix_time_idx ON positions (fix_time)")


def create_partitioned(cursor):
    cursor.execute(f"CREATE TABLE positions ({COLUMNS}) PARTITION BY RANGE (fix_time)")
    cursor.execute("CREATE TABLE positions_default PARTITION OF positions DEFAULT")
    cursor.execute(ENSURE_PARTITION)


def create_hypertable(cursor, *, compression: bool):
    """Not exercised by the test suite: TimescaleDB has no Debian 12 package. The
    hypertable's own fix_time index is not made (create_default_indexes): ours is, on both
    paths. No retention policy and no continuous aggregate: `expire_positions` rolls days
    up into vehicle_daily_stats and drops their chunks, honouring FLEET_RETENTION_DAYS."""
    cursor.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    cursor.execute(f"CREATE TABLE positions ({COLUMNS})")
    cursor.execute(
        "SELECT create_hypertable('positions', 'fix_time', chunk_time_interval => interval '1 day',"
        " create_default_indexes => false)"
    )
    if compression:  # needs the TSL part (timescaledb.license = 'timescale')
        cursor.execute(
            "ALTER TABLE positions SET (timescaledb.compress,"
            " timescaledb.compress_segmentby = 'vehicle_id',"
            " timescaledb.compress_orderby = 'fix_time DESC')"
        )
        cursor.execute("SELECT add_compression_policy('positions', interval '7 days')")
    # Keeping ensure_positions_partition callable on both paths lets the ingest
    # worker call it unconditionally; TimescaleDB makes its own chunks.
    cursor.execute(
        "CREATE FUNCTION ensure_positions_partition(day date) RETURNS boolean LANGUAGE sql AS 'SELECT false'"
    )


def drop_positions(conn):
    cursor = conn.cursor()
    cursor.execute("DROP FUNCTION IF EXISTS ensure_positions_partition(date)")
    cursor.execute("DROP TABLE IF EXISTS positions")
    cursor.execute("DROP TABLE IF EXISTS vehicle_daily_stats")


steps = [step(create_positions, drop_positions)]
