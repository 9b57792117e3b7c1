"""Every query of the ingest path. Nothing here commits: one transaction per batch."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from psycopg.rows import DictRow, class_row, tuple_row

from fleetbase.db import Conn, id_array, one

# Advisory-lock namespace for "this vehicle's state is being computed" (see lock_vehicles).
VEHICLE_LOCK_NAMESPACE = 7411
NOTIFY_CHANNEL = "vehicle_state"
EVENTS_CHANNEL = "fleet_events"


@dataclass(frozen=True, slots=True)
class TrackerInfo:
    tracker_id: str
    vehicle_id: int
    kind: str
    enabled: bool


@dataclass(slots=True)
class VehicleState:
    """A row of vehicle_state, in column order."""

    vehicle_id: int
    fix_time: datetime | None = None
    lat: float | None = None
    lon: float | None = None
    speed_kmh: float | None = None
    heading_deg: float | None = None
    alt_m: float | None = None
    acc_m: float | None = None
    odometer_km: float | None = None
    effective_odometer_km: float | None = None
    battery_pct: float | None = None
    fuel_pct: float | None = None
    tracker_battery_pct: float | None = None
    ignition: bool | None = None
    last_seen_at: datetime | None = None
    online: bool = True
    online_changed_at: datetime | None = None
    updated_at: datetime | None = None
    anchor_fix_time: datetime | None = None
    anchor_lat: float | None = None
    anchor_lon: float | None = None
    suspect_fix_time: datetime | None = None
    suspect_lat: float | None = None
    suspect_lon: float | None = None


STATE_COLUMNS = [field.name for field in fields(VehicleState)]
POSITION_COLUMNS = [
    "vehicle_id",
    "fix_time",
    "received_at",
    "tracker_id",
    "lat",
    "lon",
    "speed_kmh",
    "heading_deg",
    "alt_m",
    "acc_m",
    "odometer_km",
    "effective_odometer_km",
    "battery_pct",
    "fuel_pct",
    "tracker_battery_pct",
    "ignition",
    "seq",
    "attributes",
]
# Binary COPY (the fastest path here) needs each column's type spelled out.
POSITION_TYPES = [
    "int8",
    "timestamptz",
    "timestamptz",
    "text",
    "float8",
    "float8",
    "float4",
    "float4",
    "float4",
    "float4",
    "float8",
    "float8",
    "float4",
    "float4",
    "float4",
    "bool",
    "int8",
    "jsonb",
]
STATE_TYPES = [
    "int8",
    "timestamptz",
    "float8",
    "float8",
    "float4",
    "float4",
    "float4",
    "float4",
    "float8",
    "float8",
    "float4",
    "float4",
    "float4",
    "bool",
    "timestamptz",
    "bool",
    "timestamptz",
    "timestamptz",
    "timestamptz",
    "float8",
    "float8",
    "timestamptz",
    "float8",
    "float8",
]


def prepare_session(conn: Conn) -> None:
    """Per-connection staging tables that COPY fills and each commit (or rollback) empties;
    they exist once the caller commits (the worker does, before its first batch)."""
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS positions_staging (LIKE positions INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS vehicle_state_staging"
        " (LIKE vehicle_state INCLUDING DEFAULTS) ON COMMIT DELETE ROWS"
    )


def load_trackers(conn: Conn, *, tracker_ids: list[str] | None = None) -> dict[str, TrackerInfo]:
    """Every registered tracker, or those of `tracker_ids` that are registered."""
    with conn.cursor(row_factory=class_row(TrackerInfo)) as cursor:
        cursor.execute(
            "SELECT t.tracker_id, t.vehicle_id, v.kind, t.enabled"
            " FROM trackers t JOIN vehicles v ON v.id = t.vehicle_id"
            " WHERE %(ids)s::text[] IS NULL OR t.tracker_id = ANY(%(ids)s::text[])",
            {"ids": tracker_ids},
        )
        return {tracker.tracker_id: tracker for tracker in cursor}


def lock_vehicles(conn: Conn, vehicle_ids: list[int]) -> None:
    """Serialise work on these vehicles across workers until commit.

    Shared subscriptions hand a vehicle's messages to any worker; taking the locks in
    id order keeps two workers from computing one vehicle's state at once, without
    deadlocks between them.
    """
    conn.execute(
        "SELECT pg_advisory_xact_lock(%(namespace)s, v::int) FROM unnest(%(ids)s::bigint[]) AS v ORDER BY v",
        {"namespace": VEHICLE_LOCK_NAMESPACE, "ids": id_array(sorted(vehicle_ids))},
    )


def get_states(conn: Conn, vehicle_ids: list[int]) -> dict[int, tuple[str, VehicleState]]:
    """Each vehicle's state row with its version (xmin: every write to the row changes it)."""
    # Plain tuples: building the dataclass positionally is several times cheaper per row
    # than class_row.
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            f"SELECT xmin::text, {', '.join(STATE_COLUMNS)} FROM vehicle_state"
            " WHERE vehicle_id = ANY(%(ids)s::bigint[])",
            {"ids": id_array(vehicle_ids)},
        )
        return {row[1]: (row[0], VehicleState(*row[1:])) for row in cursor}


def get_state_versions(conn: Conn, vehicle_ids: list[int]) -> dict[int, str]:
    """The version (xmin) of each vehicle's state row: cheap to read, to check a copy against."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            "SELECT vehicle_id, xmin::text FROM vehicle_state WHERE vehicle_id = ANY(%(ids)s::bigint[])",
            {"ids": id_array(vehicle_ids)},
        )
        return dict(cursor.fetchall())


def transaction_version(conn: Conn) -> str:
    """The version that rows written by the current transaction carry (its xid, as xmin shows it)."""
    return str(one(conn.execute("SELECT pg_current_xact_id()::xid::text AS version"))["version"])


def maintain_partitions(conn: Conn, *, days_ahead: int = 2) -> int:
    """Create the coming days' partitions; give up (LockNotAvailable) rather than wait long."""
    conn.execute("SET LOCAL lock_timeout = '2s'")
    return int(
        one(conn.execute("SELECT maintain_positions_partitions(%(days)s) AS created", {"days": days_ahead}))["created"]
    )


def insert_positions(conn: Conn, rows: list[tuple[Any, ...]]) -> set[tuple[int, datetime]]:
    """COPY rows (POSITION_COLUMNS order) in; return the (vehicle, fix time) pairs that were new.

    COPY cannot skip conflicts, so rows go through a staging table and one
    INSERT … ON CONFLICT DO NOTHING: a reading delivered twice is stored once.
    """
    with conn.cursor(row_factory=tuple_row) as cursor:
        with cursor.copy(f"COPY positions_staging ({', '.join(POSITION_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(POSITION_TYPES)
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO positions ({', '.join(POSITION_COLUMNS)})"
            f" SELECT {', '.join(POSITION_COLUMNS)} FROM positions_staging"
            " ON CONFLICT (vehicle_id, fix_time) DO NOTHING RETURNING vehicle_id, fix_time"
        )
        return set(cursor.fetchall())


def save_states(conn: Conn, states: list[VehicleState]) -> None:
    """Write whole rows computed under the vehicles' locks (see lock_vehicles)."""
    updates = ", ".join(f"{column} = EXCLUDED.{column}" for column in STATE_COLUMNS[1:])
    row_of = attrgetter(*STATE_COLUMNS)
    with conn.cursor() as cursor:
        with cursor.copy(f"COPY vehicle_state_staging ({', '.join(STATE_COLUMNS)}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(STATE_TYPES)
            for state in states:
                copy.write_row(row_of(state))
        cursor.execute(
            f"INSERT INTO vehicle_state ({', '.join(STATE_COLUMNS)})"
            f" SELECT {', '.join(STATE_COLUMNS)} FROM vehicle_state_staging"
            f" ON CONFLICT (vehicle_id) DO UPDATE SET {updates}"
        )


def insert_dead_letters(conn: Conn, letters: list[tuple[str, str | None, bytes, str, str]]) -> None:
    """Rows of (topic, tracker_id, payload, reason, detail)."""
    if not letters:
        return
    with conn.cursor() as cursor:
        with cursor.copy("COPY dead_letters (topic, tracker_id, payload, reason, detail) FROM STDIN") as copy:
            for topic, tracker_id, payload, reason, detail in letters:
                copy.write_row((_text(topic), tracker_id, payload, reason, _text(detail)))


@dataclass(frozen=True, slots=True)
class AwaitingLetter:
    """An `unknown_tracker` dead letter whose tracker is registered now."""

    id: int
    topic: str
    payload: bytes
    received_at: datetime


def letters_of_registered_trackers(conn: Conn, *, limit: int) -> list[AwaitingLetter]:
    """`unknown_tracker` letters not replayed yet whose tracker now exists, oldest first,
    locked (another worker replaying at the same time skips them)."""
    with conn.cursor(row_factory=class_row(AwaitingLetter)) as cursor:
        return cursor.execute(
            "SELECT d.id, d.topic, d.payload, d.received_at FROM dead_letters d"
            " WHERE d.reason = 'unknown_tracker' AND d.replayed_at IS NULL"
            "   AND EXISTS (SELECT 1 FROM trackers t WHERE t.tracker_id = d.tracker_id)"
            " ORDER BY d.id LIMIT %(limit)s FOR UPDATE OF d SKIP LOCKED",
            {"limit": limit},
        ).fetchall()


def mark_replayed(conn: Conn, letter_ids: list[int], *, now: datetime) -> None:
    conn.execute(
        "UPDATE dead_letters SET replayed_at = %(now)s WHERE id = ANY(%(ids)s::bigint[])",
        {"now": now, "ids": id_array(letter_ids)},
    )


def expire_positions(conn: Conn, *, retention_days: int) -> int:
    """Roll up and drop the days past retention; return how many day partitions went."""
    conn.execute("SET LOCAL lock_timeout = '2s'")
    return int(one(conn.execute("SELECT expire_positions(%(days)s) AS dropped", {"days": retention_days}))["dropped"])


def mark_silent_offline(conn: Conn, *, silent_since: datetime, now: datetime) -> list[int]:
    """Vehicles whose tracker has said nothing since `silent_since` go offline."""
    rows = conn.execute(
        "UPDATE vehicle_state SET online = false, online_changed_at = %(now)s, updated_at = %(now)s"
        " WHERE online AND last_seen_at < %(silent_since)s RETURNING vehicle_id",
        {"silent_since": silent_since, "now": now},
    ).fetchall()
    return [row["vehicle_id"] for row in rows]


def notify_changed(conn: Conn, vehicle_ids: Iterable[int]) -> None:
    """Tell live-stream listeners (any API process) which vehicles changed; sent at commit."""
    ids = sorted(set(vehicle_ids))
    for start in range(0, len(ids), 500):  # NOTIFY payloads stay well under 8,000 bytes
        conn.execute(
            "SELECT pg_notify(%(channel)s, %(payload)s)",
            {"channel": NOTIFY_CHANNEL, "payload": json.dumps({"vehicle_ids": ids[start : start + 500]})},
        )


def notify_events(conn: Conn, events: list[dict[str, Any]]) -> None:
    """Tell live-stream listeners of the batch's zone events (without positions); sent at commit."""
    for start in range(0, len(events), 40):  # NOTIFY payloads stay well under 8,000 bytes
        conn.execute(
            "SELECT pg_notify(%(channel)s, %(payload)s)",
            {"channel": EVENTS_CHANNEL, "payload": json.dumps({"events": events[start : start + 40]})},
        )


def load_counters(conn: Conn, worker_id: str) -> dict[str, float]:
    rows = conn.execute(
        "SELECT name, value FROM ingest_counters WHERE worker_id = %(worker_id)s", {"worker_id": worker_id}
    ).fetchall()
    return {row["name"]: row["value"] for row in rows}


def save_counters(conn: Conn, worker_id: str, values: dict[str, float]) -> None:
    if not values:
        return
    names = list(values)
    conn.execute(
        "INSERT INTO ingest_counters (worker_id, name, value)"
        " SELECT %(worker_id)s, n, v FROM unnest(%(names)s::text[], %(values)s::float8[]) AS c(n, v)"
        " ON CONFLICT (worker_id, name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()",
        {"worker_id": worker_id, "names": names, "values": [values[name] for name in names]},
    )


def counters_over_workers(conn: Conn) -> list[DictRow]:
    """Each counter summed over every ingest worker (what `/metrics` shows)."""
    return conn.execute("SELECT name, sum(value) AS value FROM ingest_counters GROUP BY name ORDER BY name").fetchall()


def _text(value: str) -> str:
    """PostgreSQL text cannot hold NUL; everything else is kept as received."""
    return value.replace("\x00", "\\x00")
