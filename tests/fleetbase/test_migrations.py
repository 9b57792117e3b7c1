"""The schema applies on an empty database, and applying it again changes nothing."""

import threading

from fleetbase.db import connect
from fleetbase.migrate import MIGRATIONS_DIR, apply_migrations, pending_migrations
from tests.processes import wait_until

EXPECTED_TABLES = {
    "sites",
    "garages",
    "prescribers",
    "users",
    "vehicles",
    "trackers",
    "vehicle_state",
    "positions",
    "vehicle_daily_stats",
    "participants",
    "participant_licences",
    "loans",
    "loan_transitions",
    "inspections",
    "inspection_photos",
    "geofences",
    "events",
    "alerts",
    "maintenance_plans",
    "service_records",
    "repair_tickets",
    "repair_ticket_updates",
    "dead_letters",
    "audit_log",
    "ingest_counters",
}

SCHEMA_SHAPE = """
    SELECT table_name, column_name, data_type, is_nullable
    FROM information_schema.columns WHERE table_schema = 'public'
    ORDER BY table_name, column_name
"""


def test_migrations_apply_on_an_empty_database_then_apply_nothing(new_database):
    url = new_database(empty=True)

    first = apply_migrations(url)
    with connect(url) as conn:
        shape_after_first = conn.execute(SCHEMA_SHAPE).fetchall()
    second = apply_migrations(url)
    with connect(url) as conn:
        shape_after_second = conn.execute(SCHEMA_SHAPE).fetchall()

    on_disk = sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.*") if path.suffix in (".sql", ".py"))
    assert first == on_disk
    assert first[:5] == ["0001_fleet", "0002_positions", "0003_loans", "0004_operations", "0005_ingest"]
    assert second == []
    assert pending_migrations(url) == []
    assert shape_after_first == shape_after_second
    assert EXPECTED_TABLES <= {row["table_name"] for row in shape_after_first}


def test_positions_are_partitioned_by_day_on_plain_postgresql(conn):
    strategy = conn.execute(
        "SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'positions'::regclass"
    ).fetchone()
    created = conn.execute("SELECT ensure_positions_partition('2026-11-25')").fetchone()
    again = conn.execute("SELECT ensure_positions_partition('2026-11-25')").fetchone()
    bounds = conn.execute(
        "SELECT pg_get_expr(relpartbound, oid) AS bound FROM pg_class WHERE relname = 'positions_20261125'"
    ).fetchone()

    assert strategy == {"partstrat": "r"}
    assert created["ensure_positions_partition"] is True
    assert again["ensure_positions_partition"] is False
    assert "2026-11-25 00:00:00+00" in bounds["bound"] and "2026-11-26 00:00:00+00" in bounds["bound"]


def test_a_partition_created_late_takes_the_rows_that_reached_the_default_one(conn):
    vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = 'car-01'").fetchone()["id"]
    conn.execute(
        "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon)"
        " VALUES (%(vehicle_id)s, '2026-10-01T08:00:00Z', 'car-01', 43.7, -1.05)",
        {"vehicle_id": vehicle_id},
    )

    conn.execute("SELECT ensure_positions_partition('2026-10-01')")

    in_default = conn.execute("SELECT count(*) AS n FROM ONLY positions_default").fetchone()["n"]
    in_day = conn.execute("SELECT count(*) AS n FROM positions_20261001").fetchone()["n"]
    assert (in_default, in_day) == (0, 1)


def test_partitions_are_made_ahead_and_for_days_that_reached_the_default_one(conn):
    vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = 'car-01'").fetchone()["id"]
    conn.execute(
        "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon)"
        " VALUES (%(vehicle_id)s, now() - interval '20 days', 'car-01', 43.7, -1.05)",
        {"vehicle_id": vehicle_id},
    )

    created = conn.execute("SELECT maintain_positions_partitions(2) AS n").fetchone()["n"]
    again = conn.execute("SELECT maintain_positions_partitions(2) AS n").fetchone()["n"]
    days = conn.execute(
        "SELECT d::date AS day, to_regclass('positions_' || to_char(d, 'YYYYMMDD')) IS NOT NULL AS exists"
        " FROM generate_series((now() AT TIME ZONE 'UTC')::date - 1, (now() AT TIME ZONE 'UTC')::date + 2,"
        " interval '1 day') AS d"
    ).fetchall()

    assert created == 5 and again == 0
    assert all(row["exists"] for row in days)
    assert conn.execute("SELECT count(*) AS n FROM ONLY positions_default").fetchone()["n"] == 0


def test_expired_days_leave_daily_figures_and_their_partitions_are_dropped(conn):
    vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = 'ebike-01'").fetchone()["id"]
    old_day = conn.execute("SELECT ((now() AT TIME ZONE 'UTC')::date - 70) AS d").fetchone()["d"]
    conn.execute("SELECT ensure_positions_partition(%(d)s)", {"d": old_day})
    conn.execute(
        "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, ignition,"
        " effective_odometer_km, battery_pct)"
        " SELECT %(v)s, %(d)s::timestamp AT TIME ZONE 'UTC' + interval '8 hours' + i * interval '1 minute',"
        " 'ebike-01', 43.7, -1.05, 18, true, 100 + i * 0.3, 90 - i"
        " FROM generate_series(0, 60) AS i",
        {"v": vehicle_id, "d": old_day},
    )

    dropped = conn.execute("SELECT expire_positions(60) AS n").fetchone()["n"]

    stats = conn.execute("SELECT * FROM vehicle_daily_stats WHERE vehicle_id = %(v)s", {"v": vehicle_id}).fetchone()
    assert dropped >= 1
    assert conn.execute("SELECT to_regclass(%(p)s) AS r", {"p": f"positions_{old_day:%Y%m%d}"}).fetchone()["r"] is None
    assert stats["day"] == old_day and stats["fixes"] == 61
    assert abs(stats["distance_km"] - 18.0) < 1e-6
    assert abs(stats["moving_hours"] - 1.0) < 1e-6 and abs(stats["battery_used_pct"] - 60) < 1e-6


def test_a_partition_made_while_another_session_stores_that_days_rows_takes_them_all(new_database):
    url = new_database()
    with connect(url) as storing, connect(url) as making:
        vehicle_id = storing.execute("SELECT id FROM vehicles WHERE label = 'car-01'").fetchone()["id"]
        storing.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon)"
            " VALUES (%(vehicle_id)s, '2026-09-01T08:00:00Z', 'car-01', 43.7, -1.05)",
            {"vehicle_id": vehicle_id},
        )  # in positions_default, not committed yet
        outcome: list = []

        def make() -> None:
            try:
                outcome.append(making.execute("SELECT ensure_positions_partition('2026-09-01') AS made").fetchone())
                making.commit()
            except Exception as error:  # noqa: BLE001 - the assertion below shows it
                outcome.append(error)

        making_pid = making.info.backend_pid
        maker = threading.Thread(target=make)
        maker.start()
        with connect(url, autocommit=True) as watching:  # outside a transaction: a fresh view each time
            wait_until(
                lambda: (
                    watching.execute(
                        "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %(pid)s", {"pid": making_pid}
                    ).fetchone()["wait_event_type"]
                    == "Lock"
                ),
                timeout=30,
                message="the maker never waited for the storing transaction",
            )
        storing.commit()
        maker.join(timeout=10)

        assert outcome == [{"made": True}]
        assert storing.execute("SELECT count(*) AS n FROM positions_20260901").fetchone()["n"] == 1
        assert storing.execute("SELECT count(*) AS n FROM ONLY positions_default").fetchone()["n"] == 0
