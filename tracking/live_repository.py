"""The query behind the live fleet, answering JSON built by PostgreSQL. Nothing here commits.

For 10,000 vehicles, building the JSON in the database and passing the text through is
several times faster than loading rows into Python and encoding them again. The privacy
rule of `tracking.live` is applied here, in the one query every view uses.
Times come out in RFC 3339 because the API's sessions run in UTC (`fleet_api.app`).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from fleetbase.db import Conn, one

# One row per vehicle: its latest state (if any fix yet), the loan it is on now (if any) and
# the incident in force on it (if any). A vehicle on loan shows its position as the policy
# says (see tracking.live), precise during an incident to those who follow
# incidents, and never its speed or heading.
LIVE_ROWS = """
    SELECT v.id AS vehicle_id, v.label, v.kind, v.status, t.tracker_id,
           v.home_site_id, site.name AS home_site_name,
           s.fix_time,
           CASE WHEN w.precise THEN s.lat
                WHEN %(policy)s = 'coarse' THEN round(s.lat::numeric, %(digits)s::int)::float8 END AS lat,
           CASE WHEN w.precise THEN s.lon
                WHEN %(policy)s = 'coarse' THEN round(s.lon::numeric, %(digits)s::int)::float8 END AS lon,
           CASE WHEN w.precise THEN 'precise' WHEN %(policy)s = 'coarse' THEN 'coarse' ELSE 'hidden' END
               AS position_precision,
           CASE WHEN l.status IS NULL THEN s.speed_kmh END AS speed_kmh,
           CASE WHEN l.status IS NULL THEN s.heading_deg END AS heading_deg,
           s.battery_pct, s.fuel_pct, s.tracker_battery_pct,
           CASE WHEN w.precise OR %(policy)s <> 'incident_only' THEN s.ignition END AS ignition,
           s.effective_odometer_km, s.odometer_km,
           s.last_seen_at,
           coalesce(s.online, false) AS online, l.id AS loan_id, l.status AS loan_status, i.id AS incident_id
    FROM vehicles v
    JOIN sites site ON site.id = v.home_site_id
    LEFT JOIN trackers t ON t.vehicle_id = v.id
    LEFT JOIN vehicle_state s ON s.vehicle_id = v.id
    LEFT JOIN (
        SELECT DISTINCT ON (vehicle_id) vehicle_id, id, status FROM loans
        WHERE status IN ('active', 'overdue')
        ORDER BY vehicle_id, starts_at DESC
    ) l ON l.vehicle_id = v.id
    LEFT JOIN incidents i ON i.vehicle_id = v.id AND i.closed_at IS NULL
        AND coalesce(i.renewed_at, i.opened_at) + %(auto_close_after)s::interval > %(now)s
    CROSS JOIN LATERAL (SELECT l.status IS NULL OR %(policy)s = 'precise'
                               OR (i.id IS NOT NULL AND %(follows_incidents)s) AS precise) w
    WHERE %(ids)s::bigint[] IS NULL OR v.id = ANY(%(ids)s::bigint[])
"""
# A lent vehicle shown precisely is a look at its position: audited (tracking.live).
LOOKED_AT = "r.loan_id IS NOT NULL AND r.position_precision = 'precise'"


def live_json(conn: Conn, *, view: dict[str, Any]) -> tuple[str, list[tuple[int, int, int | None]]]:
    """Every vehicle, as one JSON array (id order) on one line (it goes into an SSE `data:` line),
    and the lent vehicles it shows precisely: (vehicle id, loan id, incident id)."""
    row = one(
        conn.execute(
            "SELECT coalesce(json_agg(r ORDER BY r.vehicle_id), '[]')::text AS fleet,"
            f" coalesce(json_agg(json_build_array(r.vehicle_id, r.loan_id, r.incident_id)) FILTER (WHERE {LOOKED_AT}),"
            f" '[]')::text AS looks FROM ({LIVE_ROWS}) r",
            view | {"ids": None},
        )
    )
    # json_agg puts a newline between elements; JSON strings never hold a raw one.
    return row["fleet"].replace("\n", ""), [tuple(look) for look in json.loads(row["looks"])]


def live_json_each(
    conn: Conn, *, view: dict[str, Any], vehicle_ids: list[int] | None
) -> list[tuple[str, tuple[int, int, int | None] | None]]:
    """One JSON object per vehicle (all when `vehicle_ids` is None), id order, each with its
    look (vehicle id, loan id, incident id) when it shows a lent vehicle precisely."""
    rows = conn.execute(
        f"SELECT row_to_json(r)::text AS vehicle, {LOOKED_AT} AS looked_at, r.vehicle_id, r.loan_id, r.incident_id"
        f" FROM ({LIVE_ROWS}) r ORDER BY r.vehicle_id",
        view | {"ids": vehicle_ids},
    ).fetchall()
    return [
        (row["vehicle"], (row["vehicle_id"], row["loan_id"], row["incident_id"]) if row["looked_at"] else None)
        for row in rows
    ]


def reporting_odometers(conn: Conn) -> int:
    """How many vehicles the telemetry has given an odometer."""
    return int(
        one(conn.execute("SELECT count(*) AS n FROM vehicle_state WHERE effective_odometer_km IS NOT NULL"))["n"]
    )


def latest_fix_time(conn: Conn) -> datetime | None:
    """The newest fix of the whole fleet."""
    latest: datetime | None = one(conn.execute("SELECT max(fix_time) AS latest FROM vehicle_state"))["latest"]
    return latest
