"""Nothing that holds a coordinate outlives FLEET_RETENTION_DAYS (docs/PRIVACY.md).

The schema is read, not trusted: every column whose name or type could hold a coordinate
or a raw payload must be in one of the lists below, so a column added later without a rule
for it fails `test_every_column_that_can_hold_a_coordinate_has_a_rule`.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from scheduler.jobs import JobContext, retention
from tests.factories import vehicle_id
from tests.fleet_api.conftest import Clock
from tests.outside import maintenance_settings

RETENTION_DAYS = 60

# Columns whose rows are deleted, or whose coordinates are cleared, past retention: the SQL
# selecting the rows that must no longer hold the column once `cutoff` has passed.
EXPIRED = {
    ("positions", "lat"): "fix_time < %(cutoff)s",
    ("positions", "lon"): "fix_time < %(cutoff)s",
    ("positions", "attributes"): "fix_time < %(cutoff)s",
    ("events", "lat"): "occurred_at < %(cutoff)s",
    ("events", "lon"): "occurred_at < %(cutoff)s",
    ("events", "details"): "occurred_at < %(cutoff)s",
    ("dead_letters", "payload"): "received_at < %(cutoff)s",
    ("vehicle_state", "lat"): "fix_time < %(cutoff)s",
    ("vehicle_state", "lon"): "fix_time < %(cutoff)s",
    ("vehicle_state", "anchor_lat"): "coalesce(anchor_fix_time, '-infinity') < %(cutoff)s",
    ("vehicle_state", "anchor_lon"): "coalesce(anchor_fix_time, '-infinity') < %(cutoff)s",
    ("vehicle_state", "suspect_lat"): "coalesce(suspect_fix_time, '-infinity') < %(cutoff)s",
    ("vehicle_state", "suspect_lon"): "coalesce(suspect_fix_time, '-infinity') < %(cutoff)s",
    # what an alert says of where a vehicle went (geofence/rules.py), and the e-mails of alerts
    ("alerts", "message"): "created_at < %(cutoff)s AND alert_kind_is_positional(kind) AND status = 'resolved'",
    ("mail_outbox", "body"): "created_at < %(cutoff)s AND (sent_at IS NOT NULL OR failed_at IS NOT NULL)",
}

# Columns that refuse a coordinate outright (a CHECK on holds_coordinates, 0065): they may
# be kept longer than the positions.
NO_COORDINATES = {
    ("audit_log", "details"),
    ("inspections", "checklist"),
    ("inspections", "damages"),
    ("repair_tickets", "parts"),
    ("scheduler_job_runs", "outcome"),
    ("webhook_deliveries", "body"),
}

# Not a vehicle's whereabouts: the association's own places, images, hashes of secrets.
NOT_POSITIONS = {
    ("sites", "lat"): "a depot's address",
    ("sites", "lon"): "a depot's address",
    ("geofences", "geometry"): "a zone drawn by staff, not a trip",
    ("inspection_photos", "content"): "a damage photo, stored without its metadata (loans/photos.py)",
    ("photo_uploads", "content"): "a photo waiting for its inspection, stored without its metadata",
    ("repair_ticket_photos", "content"): "a fault's or a repair's photo, stored without its metadata",
    ("inspection_signatures", "content"): "a signature drawn on the tablet (a PNG the page makes: no place)",
    ("calendar_feeds", "token_sha256"): "SHA-256 of a calendar feed's secret",
    ("service_record_photos", "content"): "an invoice photo, stored without its metadata (maintenance/invoices.py)",
    ("maintenance_displays", "token_sha256"): "SHA-256 of a wall screen's display link",
    ("api_tokens", "token_hash"): "SHA-256 of a token",
    ("web_sessions", "session_hash"): "SHA-256 of a session cookie",
    ("trackers", "http_token_sha256"): "SHA-256 of a tracker's secret",
}

COORDINATE_NAME = re.compile(
    r"(^|_)(lat|lon|lng|latitude|longitude|geom|geometry|coordinates?|location|position"
    r"|point)s?$"
)
PAYLOAD_NAME = re.compile(r"(^|_)(payload|body|message|raw|attributes)$")
PAYLOAD_TYPES = {"json", "jsonb", "bytea", "point", "USER-DEFINED"}
NUMBER_ARRAYS = {"_float4", "_float8", "_numeric"}


def columns_that_can_hold_a_coordinate(conn: psycopg.Connection) -> set[tuple[str, str]]:
    """Every column of the schema's tables and views (partitions count as their table)
    named like a coordinate or a payload, or typed to hold one."""
    rows = conn.execute(
        "SELECT c.table_name, c.column_name, c.data_type, c.udt_name FROM information_schema.columns c"
        " JOIN pg_class k ON k.relname = c.table_name AND k.relnamespace = 'public'::regnamespace"
        " WHERE c.table_schema = 'public' AND k.relkind IN ('r', 'p', 'v', 'm', 'f') AND NOT k.relispartition"
        "   AND c.table_name !~ '^_?yoyo'"
    ).fetchall()
    return {
        (row["table_name"], row["column_name"])
        for row in rows
        if COORDINATE_NAME.search(row["column_name"])
        or PAYLOAD_NAME.search(row["column_name"])
        or row["data_type"] in PAYLOAD_TYPES
        or row["udt_name"] in NUMBER_ARRAYS
    }


def test_every_column_that_can_hold_a_coordinate_has_a_rule(conn):
    known = set(EXPIRED) | NO_COORDINATES | set(NOT_POSITIONS)
    found = columns_that_can_hold_a_coordinate(conn)
    assert found - known == set(), "columns that can hold a coordinate with no retention rule"
    assert known - found == set(), "rules for columns the schema no longer has"


def test_a_column_added_later_is_noticed(conn):
    conn.execute("ALTER TABLE loans ADD COLUMN return_lat double precision, ADD COLUMN extra jsonb")
    conn.execute("CREATE TABLE trip_notes (id bigint, raw bytea)")
    found = columns_that_can_hold_a_coordinate(conn)
    assert {("loans", "return_lat"), ("loans", "extra"), ("trip_notes", "raw")} <= found


def test_columns_kept_longer_refuse_a_coordinate(conn):
    for table, column in NO_COORDINATES:
        definitions = [
            row["definition"]
            for row in conn.execute(
                "SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint"
                " WHERE conrelid = %(table)s::regclass AND contype = 'c'",
                {"table": table},
            )
        ]
        assert any(re.search(rf"holds_coordinates\(\(?{column}\)?", d) for d in definitions), (table, column)
    with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
        conn.execute(
            "INSERT INTO audit_log (user_id, action, subject_type, subject_id, details)"
            " VALUES (NULL, 'view_positions', 'vehicle', '1', '{\"fix\": {\"lat\": 43.7, \"lon\": -1.05}}')"
        )
    with pytest.raises(psycopg.errors.CheckViolation), conn.transaction():
        conn.execute(
            "INSERT INTO scheduler_job_runs (job, slot, started_at, runner, outcome)"
            " VALUES ('retention', now(), now(), 'test', '{\"last\": {\"Latitude\" : 43.7}}')"
        )


def _leave_positional_traces(conn: psycopg.Connection, *, vehicle: int, at: datetime) -> None:
    """A day of what the pipeline, the zone rules, the scheduler and the mailer leave behind."""
    for minute in range(0, 60, 5):
        conn.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, ignition,"
            " effective_odometer_km, battery_pct, attributes)"
            " VALUES (%(v)s, %(t)s, 'car-01', 43.71, -1.05, 40, true, %(km)s, 80, '{\"cell\": \"208-01\"}')",
            {"v": vehicle, "t": at + timedelta(minutes=minute), "km": 1000 + minute / 2},
        )
    conn.execute(
        "INSERT INTO events (vehicle_id, type, occurred_at, lat, lon, details)"
        " VALUES (%(v)s, 'exit', %(t)s, 43.71, -1.05, '{\"confirm_fixes\": 2}')",
        {"v": vehicle, "t": at},
    )
    conn.execute(
        "INSERT INTO dead_letters (received_at, topic, tracker_id, payload, reason)"
        " VALUES (%(t)s, 'fleet/car-01/telemetry', 'car-01', %(p)s, 'too_old')",
        {"t": at, "p": b'{"ts": 1, "lat": 43.71, "lon": -1.05}'},
    )
    conn.execute(
        "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, speed_kmh, effective_odometer_km, last_seen_at,"
        " anchor_fix_time, anchor_lat, anchor_lon, suspect_fix_time, suspect_lat, suspect_lon)"
        " VALUES (%(v)s, %(t)s, 43.71, -1.05, 40, 1030, %(t)s, %(t)s, 43.71, -1.05, %(t)s, 43.8, -1.1)"
        " ON CONFLICT (vehicle_id) DO UPDATE SET fix_time = EXCLUDED.fix_time, lat = EXCLUDED.lat,"
        " lon = EXCLUDED.lon, speed_kmh = EXCLUDED.speed_kmh, effective_odometer_km = EXCLUDED.effective_odometer_km,"
        " last_seen_at = EXCLUDED.last_seen_at, anchor_fix_time = EXCLUDED.anchor_fix_time,"
        " anchor_lat = EXCLUDED.anchor_lat, anchor_lon = EXCLUDED.anchor_lon,"
        " suspect_fix_time = EXCLUDED.suspect_fix_time, suspect_lat = EXCLUDED.suspect_lat,"
        " suspect_lon = EXCLUDED.suspect_lon",
        {"v": vehicle, "t": at},
    )
    conn.execute(
        "INSERT INTO alerts (kind, severity, target_role, vehicle_id, message, dedup_key, status, created_at,"
        " resolved_at) VALUES ('left_service_area', 'warning', 'coordinator', %(v)s,"
        " 'car-01 a quitté la zone « Zone de service »', 'test-retention', 'resolved', %(t)s, %(t)s)",
        {"v": vehicle, "t": at},
    )
    conn.execute(
        "INSERT INTO mail_outbox (recipients, subject, body, created_at, sent_at)"
        " VALUES ('{coordinator@example.org}', 'Alerte', 'car-01 a quitté la zone', %(t)s, %(t)s)",
        {"t": at},
    )


def _left(conn: psycopg.Connection, cutoff: datetime) -> dict[tuple[str, str], int]:
    """Rows still holding an expired column past `cutoff`, by column."""
    return {
        (table, column): conn.execute(
            f"SELECT count(*) AS n FROM {table} WHERE ({condition}) AND {column} IS NOT NULL", {"cutoff": cutoff}
        ).fetchone()["n"]
        for (table, column), condition in EXPIRED.items()
    }


def test_no_coordinate_survives_the_retention_period_but_the_daily_figures_do(conn, seeded_url):
    clock = Clock(datetime.now(UTC).replace(microsecond=0))
    context = JobContext(settings=maintenance_settings(seeded_url, retention_days=RETENTION_DAYS), mailer=print)
    car = vehicle_id(conn, "car-01")
    day = clock.now.replace(hour=0, minute=0, second=0) - timedelta(days=1)
    _leave_positional_traces(conn, vehicle=car, at=day + timedelta(hours=9))

    retention(conn, now=clock(), context=context)  # a day later: everything is still there
    recent = _left(conn, cutoff=clock.now)
    assert all(recent.values()), {column: n for column, n in recent.items() if not n}

    clock.advance(days=RETENTION_DAYS + 2)
    removed = retention(conn, now=clock(), context=context)
    assert _left(conn, cutoff=clock.now - timedelta(days=RETENTION_DAYS)) == dict.fromkeys(EXPIRED, 0)
    assert removed["events"] == 1 and removed["dead_letters"] == 1 and removed["positional_alerts"] == 1
    # nothing of that day anywhere, whatever the column's rule says
    assert (
        conn.execute(
            "SELECT count(*) AS n FROM positions WHERE vehicle_id = %(v)s AND fix_time < %(end)s",
            {"v": car, "end": day + timedelta(days=1)},
        ).fetchone()["n"]
        == 0
    )
    state = conn.execute("SELECT * FROM vehicle_state WHERE vehicle_id = %(v)s", {"v": car}).fetchone()
    assert (state["lat"], state["lon"], state["speed_kmh"], state["anchor_lat"], state["suspect_lat"]) == (None,) * 5
    assert state["effective_odometer_km"] == 1030 and state["last_seen_at"] is not None  # not positions
    stats = conn.execute(
        "SELECT fixes, distance_km, moving_hours FROM vehicle_daily_stats WHERE vehicle_id = %(v)s AND day = %(day)s",
        {"v": car, "day": day.date()},
    ).fetchone()
    assert stats["fixes"] == 12 and stats["distance_km"] == pytest.approx(27.5)
    assert stats["moving_hours"] == pytest.approx(55 / 60)
