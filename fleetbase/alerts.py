"""The one alert machinery: every part of the product opens and resolves alerts here.

An alert is a French message for one role about one situation. `dedup_key` names the
situation (``"maintenance:42:oil:due"``): while an alert with that key is open or
acknowledged, opening it again does nothing, so a rule may fire on every reading or
every scheduler run and still raise one alert. Resolving the key closes it; the next
occurrence of the situation opens a new one.

E-mail is not sent from here: whoever opens an alert does so inside its own
transaction, and the scheduler's notification job e-mails what was committed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import psycopg


@dataclass(frozen=True)
class AlertDraft:
    kind: str
    severity: str  # info, warning, critical
    target_role: str
    vehicle_id: int | None
    loan_id: int | None
    message: str
    dedup_key: str


def open_alerts(conn: psycopg.Connection, drafts: Sequence[AlertDraft], *, now: datetime) -> list[int]:
    """Open each alert unless one with its dedup_key is still open or acknowledged; the new ids.

    One statement for the whole batch: most drafts repeat a situation already open
    (a vehicle still away from its depot), and a round trip each would dominate.
    """
    if not drafts:
        return []
    rows = conn.execute(
        "INSERT INTO alerts (kind, severity, target_role, vehicle_id, loan_id, message, dedup_key, created_at)"
        " SELECT DISTINCT ON (d.dedup_key) d.kind, d.severity, d.target_role, d.vehicle_id, d.loan_id,"
        " d.message, d.dedup_key, %(now)s"
        " FROM unnest(%(kinds)s::text[], %(severities)s::text[], %(roles)s::text[], %(vehicles)s::bigint[],"
        " %(loans)s::bigint[], %(messages)s::text[], %(keys)s::text[])"
        " AS d(kind, severity, target_role, vehicle_id, loan_id, message, dedup_key)"
        " ORDER BY d.dedup_key"
        " ON CONFLICT (dedup_key) WHERE status <> 'resolved' DO NOTHING RETURNING id",
        {"kinds": [d.kind for d in drafts], "severities": [d.severity for d in drafts],
         "roles": [d.target_role for d in drafts], "vehicles": [d.vehicle_id for d in drafts],
         "loans": [d.loan_id for d in drafts], "messages": [d.message for d in drafts],
         "keys": [d.dedup_key for d in drafts], "now": now}).fetchall()
    return sorted(row["id"] for row in rows)


def resolve_alerts(conn: psycopg.Connection, dedup_keys: Iterable[str], *, now: datetime) -> list[str]:
    """Close the open alerts of situations that are over; the keys actually closed."""
    keys = list(dedup_keys)
    if not keys:
        return []
    rows = conn.execute("UPDATE alerts SET status = 'resolved', resolved_at = %(now)s"
                        " WHERE dedup_key = ANY(%(keys)s) AND status <> 'resolved' RETURNING dedup_key",
                        {"keys": keys, "now": now}).fetchall()
    return [row["dedup_key"] for row in rows]
