"""Aujourd'hui au dépôt (/depot): the day's departures and returns at each depot, for the
coordinator's tablet; each leads to the loan's check-out or check-in (/prets/{id}/depart,
/prets/{id}/retour). `?depot=<id>` keeps one depot (a tablet that stays there)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.web.pages import page_user
from fleet_api.web.planning.pages import OptionalId
from fleet_api.web.templating import render
from fleetbase import formatting
from fleetbase.errors import NotFound
from fleetbase.local_time import local_today
from loans import planning

router = APIRouter(include_in_schema=False)
DepotStaff = Annotated[Principal, page_user(Role.ADMIN, Role.COORDINATOR)]


@router.get("/depot")
def depot_page(
    request: Request, user: DepotStaff, conn: DbConn, now: Now, settings: Settings, depot: OptionalId = None
) -> Response:
    days = planning.depot_day(conn, now=now, zone=settings.zone, site_id=depot)
    if depot is not None and not days:
        raise NotFound("Ce dépôt n'existe pas.")
    today = local_today(now, settings.zone)
    return render(
        request,
        "planning/depot.html",
        {
            "days": days,
            "sites": planning.depot_choices(conn),
            "depot_id": depot,
            "today_text": formatting.day(today, "EEEE d MMMM yyyy"),
        },
    )
