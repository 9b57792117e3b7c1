"""Alertes (/alertes): the alerts meant for the signed-in role (the administrator sees every
role's), newest first, severity in colour and words, open or seen; acknowledge one, or
several ticked at once. The form works as a plain POST; htmx posts it and swaps the list.

New alerts appear without a reload: the page asks `/alertes/nouvelles?apres=<newest id>`
every FLEET_WEB_ALERTS_REFRESH_S seconds, which answers the rows raised since (added at the
top of the table, out of band) and the poller again with the new newest id. Rows already on
the page are left alone, so boxes being ticked stay ticked.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from alerts import acknowledgement as service
from alerts import repository
from fleet_api.authz import Principal
from fleet_api.deps import MAX_ID, DbConn, Now, Settings
from fleet_api.web.nav import ALERTED, FLEET_WATCHERS
from fleet_api.web.pages import check_csrf, page_user
from fleet_api.web.templating import render
from fleetbase.errors import InvalidInput

router = APIRouter(include_in_schema=False)
Alerted = Annotated[Principal, page_user(*ALERTED)]
SEVERITIES = {"critical": "Urgent", "warning": "Attention", "info": "Information"}
STATUSES = {"open": "Ouverte", "acknowledged": "Vue"}
SHOWN = 200


def _context(user: Principal, conn, settings) -> dict:
    role = service.target_role(user.role)
    return {
        "severities": SEVERITIES,
        "statuses": STATUSES,
        "refresh_s": settings.web_alerts_refresh_s,
        "counts": repository.count_alerts(conn, role=role),
        "vehicle_links": user.role in FLEET_WATCHERS,
        "all_roles": role is None,
    }


def _list_page(
    request: Request,
    user: Principal,
    conn,
    settings,
    *,
    notice: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    alerts = repository.list_alerts(
        conn,
        role=service.target_role(user.role),
        statuses=["open", "acknowledged"],
        kind=None,
        vehicle_id=None,
        limit=SHOWN,
    )
    return render(
        request,
        "alerts/alertes.html",
        _context(user, conn, settings)
        | {
            "alerts": alerts,
            "newest": max((alert["id"] for alert in alerts), default=0),
            "notice": notice,
            "error": error,
        },
        status_code=status_code,
    )


@router.get("/alertes")
def alert_list(
    request: Request,
    user: Alerted,
    conn: DbConn,
    settings: Settings,
    vues: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> Response:
    plural = "s" if (vues or 0) > 1 else ""
    notice = (
        None
        if vues is None
        else (
            "Aucune alerte à marquer : déjà vues ou closes."
            if vues == 0
            else f"{vues} alerte{plural} marquée{plural} comme vue{plural}."
        )
    )
    return _list_page(request, user, conn, settings, notice=notice)


@router.get("/alertes/nouvelles")
def new_alerts(
    request: Request, user: Alerted, conn: DbConn, settings: Settings, apres: Annotated[int, Query(ge=0, le=MAX_ID)] = 0
) -> Response:
    """The poller's answer: the rows raised since alert `apres`, and the poller itself."""
    alerts = repository.alerts_after(conn, role=service.target_role(user.role), after_id=apres, limit=SHOWN)
    return render(
        request,
        "alerts/nouvelles.html",
        _context(user, conn, settings)
        | {"alerts": alerts, "newest": max((alert["id"] for alert in alerts), default=apres)},
    )


@router.post("/alertes/vues")
def acknowledge(
    request: Request,
    user: Alerted,
    conn: DbConn,
    now: Now,
    settings: Settings,
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    alerte: Annotated[list[int], Form()] = [],  # noqa: B006 (FastAPI's default)
    une: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> Response:
    """The alerts ticked (`alerte`), or the one whose own button was pressed (`une`), seen."""
    check_csrf(request, csrf_token)
    ids = [une] if une is not None else [alert_id for alert_id in alerte if 1 <= alert_id <= MAX_ID]
    try:
        count = service.acknowledge_alerts(
            conn, ids, role=service.target_role(user.role), user_id=user.user_id, now=now
        )
    except InvalidInput as refused:  # htmx swaps only a 2xx answer
        return _list_page(
            request,
            user,
            conn,
            settings,
            error=refused.detail,
            status_code=200 if request.headers.get("HX-Request") == "true" else 422,
        )
    return RedirectResponse(f"/alertes?vues={count}", status_code=303)
