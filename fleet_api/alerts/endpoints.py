"""Routes: `/alerts` — each role sees the alerts meant for it (the administrator sees all),
and acknowledges them. Alerts are opened by the product's rules (alerts.raising)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import StringConstraints

from alerts import acknowledgement as service
from alerts import repository
from fleet_api.alerts.schemas import Alert, Status
from fleet_api.authz import AnyUser, Principal
from fleet_api.deps import MAX_ID, DbConn, Id, Now
from incidents.service import incident_offer

router = APIRouter(prefix="/api/v1", tags=["alerts"])
Kind = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]


def _role_filter(principal: Principal) -> str | None:
    return service.target_role(principal.role)


@router.get("/alerts", response_model=list[Alert])
def list_alerts(
    user: AnyUser,
    conn: DbConn,
    status: Annotated[list[Status] | None, Query(description="default: open and acknowledged")] = None,
    kind: Kind | None = None,
    vehicle_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
):
    return [
        _with_offer(alert)
        for alert in repository.list_alerts(
            conn,
            role=_role_filter(user),
            statuses=list(status or ("open", "acknowledged")),
            kind=kind,
            vehicle_id=vehicle_id,
            limit=limit,
        )
    ]


def _with_offer(alert: dict) -> dict:
    return alert | {"incident_offer": incident_offer(alert)}


@router.post("/alerts/{alert_id}/ack", response_model=Alert)
def acknowledge_alert(alert_id: Id, user: AnyUser, conn: DbConn, now: Now):
    """Say the alert has been seen (again: no change). A resolved alert answers 409."""
    return _with_offer(
        service.acknowledge_alert(conn, alert_id, role=_role_filter(user), user_id=user.user_id, now=now)
    )
