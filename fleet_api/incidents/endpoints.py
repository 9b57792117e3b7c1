"""Routes: `/incidents` (list, open) and `/incidents/{id}` (read, renew, close).

Fleet managers and administrators open, renew and close incidents; coordinators read
them (a loan of theirs may be concerned). While one is open, the history routes show the
vehicle's positions to `incident_id` (fleet_api/history), and the live view shows it
precisely to those who opened it (fleet_api/live).
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.incidents.schemas import Incident, IncidentClose, IncidentCreate, IncidentDetail, IncidentRenew
from incidents import repository, service

router = APIRouter(prefix="/api/v1", tags=["incidents"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR)]
Handler = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER)]


def _limits(settings) -> tuple[timedelta, timedelta]:
    return timedelta(days=settings.incident_auto_close_days), timedelta(hours=settings.incident_lookback_hours)


def _out(incident, settings, conn=None) -> dict:
    _, lookback = _limits(settings)
    body = asdict(incident) | {"status": incident.status, "positions_from": incident.opened_at - lookback}
    if conn is not None:
        body["renewals"] = repository.renewals(conn, incident.id)
    return body


@router.get("/incidents", response_model=list[Incident])
def list_incidents(
    user: Reader,
    conn: DbConn,
    settings: Settings,
    status: Literal["open", "closed"] | None = None,
    vehicle_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    loan_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
):
    """Newest first."""
    auto_close_after, _ = _limits(settings)
    return [
        _out(incident, settings)
        for incident in repository.list_incidents(
            conn, status=status, vehicle_id=vehicle_id, loan_id=loan_id, auto_close_after=auto_close_after, limit=limit
        )
    ]


@router.post("/incidents", response_model=IncidentDetail, status_code=201)
def open_incident(data: IncidentCreate, user: Handler, conn: DbConn, now: Now, settings: Settings):
    """Open an incident on a vehicle, with a written reason (audited). 409 when one is open already."""
    auto_close_after, _ = _limits(settings)
    incident = service.open_incident(
        conn,
        vehicle_id=data.vehicle_id,
        kind=data.kind,
        reason=data.reason,
        loan_id=data.loan_id,
        alert_id=data.alert_id,
        user_id=user.user_id,
        now=now,
        auto_close_after=auto_close_after,
    )
    return _out(incident, settings, conn)


@router.get("/incidents/{incident_id}", response_model=IncidentDetail)
def get_incident(incident_id: Id, user: Reader, conn: DbConn, settings: Settings):
    auto_close_after, _ = _limits(settings)
    return _out(service.get_incident(conn, incident_id, auto_close_after=auto_close_after), settings, conn)


@router.post("/incidents/{incident_id}/renew", response_model=IncidentDetail)
def renew_incident(incident_id: Id, data: IncidentRenew, user: Handler, conn: DbConn, now: Now, settings: Settings):
    """Keep it open FLEET_INCIDENT_AUTO_CLOSE_DAYS more, with a written reason (audited). 409 once closed."""
    auto_close_after, _ = _limits(settings)
    return _out(
        service.renew_incident(
            conn, incident_id, reason=data.reason, user_id=user.user_id, now=now, auto_close_after=auto_close_after
        ),
        settings,
        conn,
    )


@router.post("/incidents/{incident_id}/close", response_model=IncidentDetail)
def close_incident(incident_id: Id, data: IncidentClose, user: Handler, conn: DbConn, now: Now, settings: Settings):
    """Close it with its outcome (audited): the vehicle's positions are no longer shown. 409 once closed."""
    auto_close_after, _ = _limits(settings)
    return _out(
        service.close_incident(
            conn, incident_id, outcome=data.outcome, user_id=user.user_id, now=now, auto_close_after=auto_close_after
        ),
        settings,
        conn,
    )
