"""Every query of a vehicle's history and of the audit log. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

import psycopg
from psycopg.rows import tuple_row

POSITION_COLUMNS = ("fix_time", "lat", "lon", "speed_kmh", "heading_deg", "alt_m", "effective_odometer_km",
                    "battery_pct", "fuel_pct", "ignition")


def positions(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
              limit: int) -> list[tuple]:
    """Fixes in [start, end), oldest first, as tuples in POSITION_COLUMNS order."""
    with conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(
            f"SELECT {', '.join(POSITION_COLUMNS)} FROM positions"
            " WHERE vehicle_id = %(vehicle_id)s AND fix_time >= %(start)s AND fix_time < %(end)s"
            " ORDER BY fix_time LIMIT %(limit)s",
            {"vehicle_id": vehicle_id, "start": start, "end": end, "limit": limit},
        )
        return cursor.fetchall()


def loans_during(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime) -> list[int]:
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


def track_shape(conn: psycopg.Connection, vehicle_id: int, *, start: datetime,
                end: datetime) -> tuple[int, list[float], list[float]]:
    """How many fixes the window holds, and their latitudes and longitudes in time order."""
    with conn.cursor(row_factory=tuple_row, binary=True) as cursor:
        cursor.execute(f"SELECT count(*), array_agg(lat ORDER BY fix_time), array_agg(lon ORDER BY fix_time)"
                       f" FROM positions WHERE {WINDOW}", {"vehicle_id": vehicle_id, "start": start, "end": end})
        count, lats, lons = cursor.fetchone()
    return count, lats or [], lons or []


def track_json(conn: psycopg.Connection, vehicle_id: int, *, start: datetime, end: datetime,
               indices: list[int] | None) -> str:
    """The window's fixes as a JSON array built by PostgreSQL: all, or those at `indices`
    (0-based positions in time order, joined rather than searched so 1,000 of 86,400 is cheap)."""
    params = {"vehicle_id": vehicle_id, "start": start, "end": end, "indices": indices}
    if indices is None:
        query = f"SELECT coalesce(json_agg({POINT_JSON} ORDER BY fix_time), '[]')::text FROM positions WHERE {WINDOW}"
    else:
        query = (f"WITH ordered AS (SELECT *, row_number() OVER (ORDER BY fix_time) - 1 AS n"
                 f" FROM positions WHERE {WINDOW})"
                 f" SELECT coalesce(json_agg({POINT_JSON} ORDER BY fix_time), '[]')::text"
                 " FROM ordered JOIN unnest(%(indices)s::bigint[]) AS kept(n) USING (n)")
    with conn.cursor(row_factory=tuple_row) as cursor:
        cursor.execute(query, params)
        return cursor.fetchone()[0]
