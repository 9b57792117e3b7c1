"""Acknowledging alerts, one from the API or several at once from the Alertes page. No
FastAPI here; nothing commits. A role reaches only the alerts meant for it (`role` None:
the administrator, every alert)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from psycopg.rows import DictRow

from alerts import repository
from fleetbase.db import Conn
from fleetbase.errors import Conflict, InvalidInput, NotFound


def target_role(role: str) -> str | None:
    """The alerts a role sees: those meant for it; the administrator's None means all."""
    return None if role == "admin" else str(role)


def acknowledge_alert(conn: Conn, alert_id: int, *, role: str | None, user_id: int, now: datetime) -> DictRow:
    """Say the alert has been seen (again: no change); the alert. A resolved one is a Conflict."""
    alert = repository.get_alert(conn, alert_id, role=role)
    if alert is None:
        raise NotFound("Alerte inconnue.")
    if alert["status"] == "resolved":
        raise Conflict("Cette alerte est déjà close.")
    repository.acknowledge(conn, alert_id, user_id=user_id, now=now)
    acknowledged = repository.get_alert(conn, alert_id, role=role)
    if acknowledged is None:
        raise NotFound("Alerte inconnue.")
    return acknowledged


def acknowledge_alerts(conn: Conn, alert_ids: Iterable[int], *, role: str | None, user_id: int, now: datetime) -> int:
    """Acknowledge each alert of `alert_ids` the role may see and still open; how many were.

    One closed meanwhile (its situation over) is passed over: nothing is left to see."""
    ids = sorted(set(alert_ids))
    if not ids:
        raise InvalidInput("Cochez au moins une alerte.")
    acknowledged = 0
    for alert_id in ids:
        alert = repository.get_alert(conn, alert_id, role=role)
        if alert is None:
            raise NotFound("Alerte inconnue.")
        if alert["status"] == "open":
            repository.acknowledge(conn, alert_id, user_id=user_id, now=now)
            acknowledged += 1
    return acknowledged
