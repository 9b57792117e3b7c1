"""The queries behind tracker health and dead letters. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn

# A loan holds a vehicle from check-out to check-in: what it sent then is the participant's.
LENT_AT = """EXISTS (SELECT 1 FROM loans l WHERE l.vehicle_id = t.vehicle_id
                     AND l.checked_out_at <= {moment} AND coalesce(l.checked_in_at, 'infinity') > {moment})"""


def tracker_health(conn: Conn, *, since: datetime) -> list[DictRow]:
    """Each tracker: its vehicle, last message and fix, tracker battery, readings stored and
    messages refused since `since`. Positions are counted on the partitions of that period."""
    return conn.execute(
        """
        SELECT t.tracker_id, t.enabled, t.vehicle_id, v.label, v.kind,
               s.last_seen_at, s.fix_time AS last_fix_at, s.tracker_battery_pct, coalesce(s.online, false) AS online,
               (SELECT count(*) FROM positions p WHERE p.vehicle_id = t.vehicle_id
                  AND p.fix_time >= %(since)s - interval '1 day' AND p.received_at >= %(since)s) AS received_24h,
               (SELECT count(*) FROM dead_letters d WHERE d.tracker_id = t.tracker_id
                  AND d.received_at >= %(since)s) AS refused_24h
        FROM trackers t
        JOIN vehicles v ON v.id = t.vehicle_id
        LEFT JOIN vehicle_state s ON s.vehicle_id = t.vehicle_id
        ORDER BY t.tracker_id
        """,
        {"since": since},
    ).fetchall()


def dead_letters(conn: Conn, *, tracker_id: str | None, limit: int) -> list[DictRow]:
    """The latest refused messages (of one tracker, or all), newest first, each with `lent`:
    whether its vehicle was on loan when it arrived (then its content is not shown)."""
    lent = LENT_AT.format(moment="d.received_at")
    return conn.execute(
        f"""
        SELECT d.id, d.received_at, d.topic, d.tracker_id, d.reason, d.detail, d.payload,
               coalesce({lent}, false) AS lent
        FROM dead_letters d
        LEFT JOIN trackers t ON t.tracker_id = d.tracker_id
        WHERE %(tracker_id)s::text IS NULL OR d.tracker_id = %(tracker_id)s
        ORDER BY d.received_at DESC, d.id DESC
        LIMIT %(limit)s
        """,
        {"tracker_id": tracker_id, "limit": limit},
    ).fetchall()
