"""Every query of a vehicle's history and of the audit log. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import TupleRow, tuple_row

from fleetbase.db import Conn, one

POSITION_COLUMNS = (
    "fix_time",
    "lat",
    "lon",
    "speed_kmh",
    "heading_deg",
    "alt_m",
    "effective_odometer_km",
    "battery_pct",
    "fuel_pct",
    "ignition",
)


def positions(conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, limit: int) -> list[TupleRow]:
    """Fixes in [start, end), oldest first, as tuples in POSITION_COLUMNS order."""
    with conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(
            f"SELECT {', '.join(POSITION_COLUMNS)} FROM positions"
            " WHERE vehicle_id = %(vehicle_id)s AND fix_time >= %(start)s AND fix_time < %(end)s"
            " ORDER BY fix_time LIMIT %(limit)s",
            {"vehicle_id": vehicle_id, "start": start, "end": end, "limit": limit},
        )
        return cursor.fetchall()


def loans_during(conn: Conn, vehicle_id: int, *, start: datetime, end: datetime) -> list[int]:
    """Loans that had the vehicle in a participant's hands at some time of [start, end).

    Out from check-out (or planned start) until check-in — or still out, for an active
    or overdue loan.
    """
    rows = conn.execute(
        """
        SELECT id FROM loans
        WHERE vehicle_id = %(vehicle_id)s AND status IN ('active', 'overdue', 'returned')
          AND tstzrange(coalesce(checked_out_at, starts_at),
                        CASE WHEN status = 'returned' THEN coalesce(checked_in_at, ends_at)
                             ELSE 'infinity' END) && tstzrange(%(start)s, %(end)s)
        ORDER BY id
        """,
        {"vehicle_id": vehicle_id, "start": start, "end": end},
    ).fetchall()
    return [row["id"] for row in rows]


WINDOW = "vehicle_id = %(vehicle_id)s AND fix_time >= %(start)s AND fix_time < %(end)s"
POINT_JSON = """json_build_object(
    'fix_time', fix_time,
    'lat', lat, 'lon', lon, 'speed_kmh', speed_kmh, 'heading_deg', heading_deg, 'alt_m', alt_m,
    'effective_odometer_km', effective_odometer_km, 'battery_pct', battery_pct, 'fuel_pct', fuel_pct,
    'ignition', ignition)"""


def count_fixes(conn: Conn, vehicle_id: int, *, start: datetime, end: datetime) -> int:
    """How many fixes the window holds (from the index, without reading them)."""
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            f"SELECT count(*) FROM positions WHERE {WINDOW}", {"vehicle_id": vehicle_id, "start": start, "end": end}
        )
        return int(one(cursor)[0])


# A fix's time as microseconds after `origin` (whole epoch seconds), in float8: exact once
# rounded, and cheap (date_part is float8; extract's numeric costs several times more per row).
MICROSECONDS_AFTER_ORIGIN = "(date_part('epoch', fix_time) - %(origin)s) * 1000000"


def track_shape(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, origin: int, limit: int
) -> list[tuple[int, float, float]]:
    """Every fix of the window (at most `limit`) as (µs after `origin`, lat, lon), in time order."""
    with conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(
            f"SELECT round({MICROSECONDS_AFTER_ORIGIN})::bigint, lat, lon FROM positions"
            f" WHERE {WINDOW} ORDER BY fix_time LIMIT %(limit)s",
            {"vehicle_id": vehicle_id, "start": start, "end": end, "origin": origin, "limit": limit},
        )
        return cursor.fetchall()


def track_candidates(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, origin: int, total: int, buckets: int
) -> list[tuple[int, float, float]]:
    """A few fixes per run of the track, chosen by the database: (µs after `origin`, lat, lon), in time order.

    The window's `total` fixes are cut into `buckets` equal runs in time order; from each
    come its first and last fixes and its southern-, northern-, western- and eastern-most
    (where the fixes downsampling keeps mostly lie). One pass, a few thousand groups in
    memory, whatever the window holds.
    """
    query = f"""
        WITH numbered AS (
            SELECT lat, lon, {MICROSECONDS_AFTER_ORIGIN} AS us,
                   (row_number() OVER (ORDER BY fix_time) - 1) * %(buckets)s / %(total)s AS bucket
            FROM positions WHERE {WINDOW}
        ), extremes AS (
            SELECT min(ARRAY[us, lat, lon]) AS first_fix, max(ARRAY[us, lat, lon]) AS last_fix,
                   min(ARRAY[lat, us, lon]) AS south, max(ARRAY[lat, us, lon]) AS north,
                   min(ARRAY[lon, us, lat]) AS west, max(ARRAY[lon, us, lat]) AS east
            FROM numbered GROUP BY bucket
        )
        SELECT DISTINCT round(fix.us)::bigint, fix.lat, fix.lon FROM extremes, LATERAL (VALUES
            (first_fix[1], first_fix[2], first_fix[3]), (last_fix[1], last_fix[2], last_fix[3]),
            (south[2], south[1], south[3]), (north[2], north[1], north[3]),
            (west[2], west[3], west[1]), (east[2], east[3], east[1])) AS fix(us, lat, lon)
        ORDER BY 1
    """
    with conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(
            query,
            {
                "vehicle_id": vehicle_id,
                "start": start,
                "end": end,
                "origin": origin,
                "total": total,
                "buckets": buckets,
            },
        )
        return cursor.fetchall()


def positions_at(
    conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, times: list[datetime]
) -> list[TupleRow]:
    """The fixes at `times` (of the window), oldest first, as tuples in POSITION_COLUMNS order."""
    with conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(
            f"SELECT {', '.join(POSITION_COLUMNS)} FROM positions"
            f" WHERE {WINDOW} AND fix_time = ANY(%(times)s::timestamptz[]) ORDER BY fix_time",
            {"vehicle_id": vehicle_id, "start": start, "end": end, "times": times},
        )
        return cursor.fetchall()


def track_json(conn: Conn, vehicle_id: int, *, start: datetime, end: datetime, times: list[datetime] | None) -> str:
    """The window's fixes as a JSON array built by PostgreSQL: all, or those at `times`."""
    params = {"vehicle_id": vehicle_id, "start": start, "end": end, "times": times}
    chosen = "" if times is None else " AND fix_time = ANY(%(times)s::timestamptz[])"
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(
            f"SELECT coalesce(json_agg({POINT_JSON} ORDER BY fix_time), '[]')::text"
            f" FROM positions WHERE {WINDOW}{chosen}",
            params,
        )
        return str(one(cursor)[0])
