"""The activity report's queries. `months` are (label, start, end) with local month bounds (aware datetimes).

A loan counts from its check-out to its check-in (or `now` while it runs); its
kilometres count in the month it came back; loans keep their intercommunality after
the participant's erasure, so these figures never need the person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.rows import DictRow

from fleetbase.db import Conn

MONTHS = (
    "WITH months AS (SELECT * FROM unnest(%(labels)s::text[], %(starts)s::timestamptz[],"
    " %(ends)s::timestamptz[]) AS m(month, starts, ends))"
)


def _params(months: list[tuple[str, datetime, datetime]], now: datetime) -> dict[str, Any]:
    return {
        "labels": [m[0] for m in months],
        "starts": [m[1] for m in months],
        "ends": [m[2] for m in months],
        "now": now,
    }


def activity_by_intercommunality(
    conn: Conn, *, months: list[tuple[str, datetime, datetime]], now: datetime
) -> list[DictRow]:
    """Per month and intercommunality (the participant's): people followed, loans started and
    ended, loan-days, kilometres. The loans of an erased person share a random key and still
    count as one person; a loan with neither (kept from before that key) counts as one."""
    return conn.execute(
        MONTHS + ", ran AS (SELECT id,"
        " COALESCE(participant_id::text, erased_person_key::text, 'loan:' || id) AS person,"
        " COALESCE(intercommunality, 'inconnue') AS intercommunality,"
        " checked_out_at, checked_in_at, COALESCE(checked_in_at, %(now)s) AS back_at,"
        " COALESCE(odometer_km_driven, telemetry_km_driven, 0) AS km FROM loans WHERE checked_out_at IS NOT NULL)"
        " SELECT m.month, r.intercommunality,"
        " count(DISTINCT r.person) AS participants,"
        " count(*) FILTER (WHERE r.checked_out_at >= m.starts AND r.checked_out_at < m.ends) AS loans_started,"
        " count(*) FILTER (WHERE r.checked_in_at >= m.starts AND r.checked_in_at < m.ends) AS loans_ended,"
        " sum(extract(epoch FROM least(r.back_at, m.ends) - greatest(r.checked_out_at, m.starts))) / 86400.0"
        "   AS loan_days,"
        " COALESCE(sum(r.km) FILTER (WHERE r.checked_in_at >= m.starts AND r.checked_in_at < m.ends), 0) AS km"
        " FROM months m JOIN ran r ON r.checked_out_at < m.ends AND r.back_at > m.starts"
        " GROUP BY m.month, r.intercommunality ORDER BY m.month, r.intercommunality",
        _params(months, now),
    ).fetchall()


def utilisation(conn: Conn, *, months: list[tuple[str, datetime, datetime]], now: datetime) -> list[DictRow]:
    """Per month, intercommunality of the vehicles' depot and vehicle kind: vehicles and loan-days."""
    return conn.execute(
        MONTHS + " SELECT m.month, s.intercommunality, v.kind AS vehicle_kind, count(DISTINCT v.id) AS vehicles,"
        " extract(epoch FROM (m.ends - m.starts)) / 86400.0 AS days,"
        " COALESCE(sum((SELECT sum(extract(epoch FROM least(COALESCE(l.checked_in_at, %(now)s), m.ends)"
        "   - greatest(l.checked_out_at, m.starts))) FROM loans l WHERE l.vehicle_id = v.id"
        "   AND l.checked_out_at IS NOT NULL AND l.checked_out_at < m.ends"
        "   AND COALESCE(l.checked_in_at, %(now)s) > m.starts)), 0) / 86400.0 AS loan_days"
        " FROM months m CROSS JOIN vehicles v JOIN sites s ON s.id = v.home_site_id"
        " GROUP BY m.month, m.starts, m.ends, s.intercommunality, v.kind"
        " ORDER BY m.month, s.intercommunality, v.kind",
        _params(months, now),
    ).fetchall()
