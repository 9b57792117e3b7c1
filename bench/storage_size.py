"""`make bench-storage`: what one stored reading costs on disk (docs/CAPACITY.md).

Migrates a fresh database, writes 1,000,000 realistic readings (100 vehicles, one a
second, every column a tracker fills) into one day partition, vacuums, and divides the
partition's total size (table, primary key and time index) by the row count. No
baseline: an amount, not a speed.
"""

from __future__ import annotations

import os
import sys

import psycopg

from fleetbase.migrate import apply_migrations

ADMIN_URL = os.environ.get("FLEET_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "fleet_storage_size"


def main() -> int:
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    try:
        apply_migrations(url)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT ensure_positions_partition((now() AT TIME ZONE 'UTC')::date)")
            conn.execute(
                "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, heading_deg, alt_m,"
                "                       acc_m, odometer_km, effective_odometer_km, battery_pct, tracker_battery_pct,"
                "                       ignition, seq)"
                " SELECT v, date_trunc('day', now()) + s * interval '1 second', 'trk-' || lpad(v::text, 5, '0'),"
                "        43.7 + random() / 10, -1.0 - random() / 10, (random() * 80)::real, (random() * 360)::real,"
                "        20, 5, 12000 + s / 100.0, 12000 + s / 100.0, (100 - s / 1000.0)::real, 90, true, s"
                " FROM generate_series(1, 100) v, generate_series(1, 10000) s"
            )
            conn.execute("VACUUM ANALYZE positions")
            rows = conn.execute("SELECT count(*) FROM positions").fetchone()[0]
            size = conn.execute(
                "SELECT sum(pg_total_relation_size(inhrelid)) FROM pg_inherits WHERE inhparent = 'positions'::regclass"
            ).fetchone()[0]
        print(f"{rows:,} readings, {size / 2**20:.1f} MiB with their indexes: {size / rows:.0f} bytes a reading")
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
