"""Opening, renewing and closing incidents, and what an open incident lets staff see.

An incident is the one stated reason for which a lent vehicle's precise position may be
looked at (docs/PRIVACY.md, CNIL SAN-2022-015): theft suspected, an accident, a request
for help, a vehicle not returned. It is opened by a fleet manager or an administrator
with a written reason, renewed with a reason, closed with an outcome — or closes by
itself `auto_close_after` after it was opened or last renewed. Each step is written to
the audit log in the caller's transaction. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from psycopg.rows import DictRow

from alerts.raising import AlertDraft, open_alerts
from fleet import vehicles
from fleetbase import audit_repository as audit
from fleetbase.db import Conn
from fleetbase.errors import Conflict, InvalidInput, NotFound
from incidents import repository
from incidents.repository import Incident
from loans.rules import when

AUTO_CLOSE_OUTCOME = "Clos automatiquement : non renouvelé dans le délai prévu."


class IncidentKind(StrEnum):
    THEFT_SUSPECTED = "theft_suspected"
    ACCIDENT = "accident"
    ASSISTANCE_REQUESTED = "assistance_requested"
    NOT_RETURNED = "not_returned"


# The alerts that offer to open an incident, and the kind they suggest.
OFFERED_BY_ALERT = {
    "possible_theft": IncidentKind.THEFT_SUSPECTED,
    "vehicle_not_returned": IncidentKind.NOT_RETURNED,
    "loan_overdue": IncidentKind.NOT_RETURNED,
}


def incident_offer(alert: DictRow) -> dict[str, Any] | None:
    """What to send to open the incident an alert suggests (None: it suggests none, is over,
    or its vehicle has an incident open already — `alert["incident_id"]`)."""
    kind = OFFERED_BY_ALERT.get(alert["kind"])
    if kind is None or alert["status"] == "resolved" or alert.get("incident_id") is not None:
        return None
    return {
        "method": "POST",
        "href": "/api/v1/incidents",
        "body": {
            "vehicle_id": alert["vehicle_id"],
            "loan_id": alert["loan_id"],
            "kind": str(kind),
            "alert_id": alert["id"],
            "reason": "",
        },
    }


def not_returned_alerts(conn: Conn, *, now: datetime, after: timedelta, zone: ZoneInfo) -> list[int]:
    """For the scheduler: one alert to the fleet manager per loan still overdue `after` its end,
    offering a "vehicle not returned" incident (the text names no place). Resolved at check-in."""
    drafts = [
        AlertDraft(
            "vehicle_not_returned",
            "critical",
            "fleet_manager",
            loan["vehicle_id"],
            loan["id"],
            f"Véhicule non rendu : {loan['vehicle_label']} (prêt n° {loan['id']}) devait être rendu le "
            f"{when(loan['ends_at'], zone)}. Vous pouvez ouvrir un incident « véhicule non rendu » pour le localiser.",
            f"vehicle_not_returned:{loan['id']}",
        )
        for loan in repository.loans_not_returned(conn, ended_before=now - after)
    ]
    return open_alerts(conn, drafts, now=now)


def _written(text: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(f"{what} est obligatoire : écrivez-le en quelques mots.")
    return text


def open_incident(
    conn: Conn,
    *,
    vehicle_id: int,
    kind: IncidentKind,
    reason: str,
    loan_id: int | None,
    alert_id: int | None,
    user_id: int,
    now: datetime,
    auto_close_after: timedelta,
) -> Incident:
    """Open an incident on a vehicle (on its loan out now, unless `loan_id` names another of its loans).

    A vehicle not returned is one whose loan is overdue. One open incident per vehicle.
    """
    reason = _written(reason, "Le motif")
    vehicles.get(conn, vehicle_id)
    loan = repository.vehicle_loan(conn, vehicle_id, loan_id=loan_id)
    if loan_id is not None and loan is None:
        raise InvalidInput(f"Le prêt n° {loan_id} ne concerne pas ce véhicule.")
    if kind is IncidentKind.NOT_RETURNED and (loan is None or loan["status"] != "overdue"):
        raise Conflict("« Véhicule non rendu » ne s'ouvre que sur un prêt en retard.")
    if alert_id is not None:
        alert = repository.alert_vehicle(conn, alert_id)
        if alert is None or alert["vehicle_id"] != vehicle_id:
            raise InvalidInput(f"L'alerte n° {alert_id} ne concerne pas ce véhicule.")
    try:
        with conn.transaction():  # a savepoint: a second open incident must not spoil the caller's transaction
            incident_id = repository.insert_incident(
                conn,
                vehicle_id=vehicle_id,
                loan_id=loan["id"] if loan else None,
                kind=kind,
                reason=reason,
                alert_id=alert_id,
                opened_by=user_id,
                now=now,
            )
    except psycopg.errors.UniqueViolation:
        current = repository.list_incidents(
            conn, status="open", vehicle_id=vehicle_id, loan_id=None, auto_close_after=auto_close_after, limit=1
        )
        number = f" (n° {current[0].id})" if current else ""
        raise Conflict(f"Un incident est déjà ouvert sur ce véhicule{number} : renouvelez-le ou closez-le.") from None
    incident = get_incident(conn, incident_id, auto_close_after=auto_close_after)
    _audit(conn, incident, action="incident_opened", user_id=user_id, now=now, reason=reason)
    repository.notify_vehicle_changed(conn, [vehicle_id])
    return incident


def renew_incident(
    conn: Conn, incident_id: int, *, reason: str, user_id: int, now: datetime, auto_close_after: timedelta
) -> Incident:
    """Keep an open incident open for another `auto_close_after`, with a written reason."""
    reason = _written(reason, "Le motif du renouvellement")
    incident = _open_or_conflict(conn, incident_id, now=now, auto_close_after=auto_close_after)
    repository.insert_renewal(conn, incident_id, renewed_by=user_id, reason=reason, now=now)
    incident = get_incident(conn, incident_id, auto_close_after=auto_close_after)
    _audit(conn, incident, action="incident_renewed", user_id=user_id, now=now, reason=reason)
    return incident


def close_incident(
    conn: Conn, incident_id: int, *, outcome: str, user_id: int, now: datetime, auto_close_after: timedelta
) -> Incident:
    """Close an open incident with its outcome (vehicle found, participant reached…)."""
    outcome = _written(outcome, "L'issue de l'incident")
    incident = _open_or_conflict(conn, incident_id, now=now, auto_close_after=auto_close_after)
    repository.close_incident(conn, incident_id, closed_by=user_id, outcome=outcome, at=now)
    closed = get_incident(conn, incident_id, auto_close_after=auto_close_after)
    _audit(conn, closed, action="incident_closed", user_id=user_id, now=now, reason=outcome)
    repository.notify_vehicle_changed(conn, [incident.vehicle_id])
    return closed


def close_expired_incidents(conn: Conn, *, now: datetime, auto_close_after: timedelta) -> list[int]:
    """The scheduler's job: close every incident neither renewed nor closed in time; their ids.

    Each is closed at its expiry (not at the job's run): from then on it showed nothing.
    """
    expired = repository.expired_open(conn, now=now, auto_close_after=auto_close_after)
    for incident in expired:
        repository.close_incident(conn, incident.id, closed_by=None, outcome=AUTO_CLOSE_OUTCOME, at=incident.expires_at)
        closed = get_incident(conn, incident.id, auto_close_after=auto_close_after)
        _audit(
            conn,
            closed,
            action="incident_closed",
            user_id=None,
            now=now,
            reason=AUTO_CLOSE_OUTCOME,
            extra={"automatic": True},
        )
    repository.notify_vehicle_changed(conn, [incident.vehicle_id for incident in expired])
    return [incident.id for incident in expired]


def get_incident(conn: Conn, incident_id: int, *, auto_close_after: timedelta) -> Incident:
    incident = repository.get_incident(conn, incident_id, auto_close_after=auto_close_after)
    if incident is None:
        raise NotFound(f"Incident n° {incident_id} inconnu.")
    return incident


def is_in_force(incident: Incident | None, *, now: datetime) -> bool:
    """Open and not past its expiry (the scheduler may not have closed it yet)."""
    return incident is not None and incident.closed_at is None and incident.expires_at > now


def _open_or_conflict(conn: Conn, incident_id: int, *, now: datetime, auto_close_after: timedelta) -> Incident:
    incident = repository.get_incident(conn, incident_id, auto_close_after=auto_close_after, lock=True)
    if incident is None:
        raise NotFound(f"Incident n° {incident_id} inconnu.")
    if not is_in_force(incident, now=now):
        raise Conflict(f"L'incident n° {incident_id} est clos : ouvrez-en un nouveau si besoin.")
    return incident


def _audit(
    conn: Conn,
    incident: Incident,
    *,
    action: str,
    user_id: int | None,
    now: datetime,
    reason: str,
    extra: dict[str, Any] | None = None,
) -> None:
    """On the vehicle (the audit log is read by vehicle), naming the incident and its loan."""
    audit.record(
        conn,
        user_id=user_id,
        action=action,
        subject_type="vehicle",
        subject_id=incident.vehicle_id,
        now=now,
        reason=reason,
        details={
            "incident_id": incident.id,
            "loan_id": incident.loan_id,
            "kind": incident.kind,
            "expires_at": incident.expires_at.isoformat(),
        }
        | (extra or {}),
    )
