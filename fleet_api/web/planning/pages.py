"""Planning (/planning): vehicles × days of a week or a month, loans as bars by status and
repair immobilisations, for coordinators, the fleet manager and the administrator; and a
loan's own page (/prets/{id}), where each bar leads.

The fleet manager reads loans without personal data: no participant's name reaches the
page for that role (`with_names`).
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from fleet_api.authz import Principal, Role
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.web.pages import page_user
from fleet_api.web.templating import render
from fleetbase.errors import NotFound
from fleetbase.local_time import local_today
from loans import calendar_feeds, participant_repository, periods, planning, service

router = APIRouter(include_in_schema=False)
PLANNERS = (Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR)
CALENDAR_KEEPERS = frozenset({Role.ADMIN, Role.COORDINATOR})
Planner = Annotated[Principal, page_user(*PLANNERS)]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def planning_url(period: periods.Period, **filters) -> str:
    query = {"semaine" if period.kind == "week" else "mois": period.key}
    query |= {name: value for name, value in filters.items() if value is not None}
    return "/planning?" + urlencode(query)


@router.get("/planning")
def planning_page(
    request: Request,
    user: Planner,
    conn: DbConn,
    now: Now,
    settings: Settings,
    semaine: Annotated[str | None, Query(max_length=10)] = None,
    mois: Annotated[str | None, Query(max_length=7)] = None,
    vehicule: OptionalId = None,
    depot: OptionalId = None,
    revoque: Annotated[str | None, Query(max_length=1)] = None,
) -> Response:
    today = local_today(now, settings.zone)
    period = periods.parse_period(week=semaine, month=mois, today=today)
    depots = planning.planning(
        conn,
        period=period,
        now=now,
        zone=settings.zone,
        site_id=depot,
        vehicle_id=vehicule,
        with_names=user.role != Role.FLEET_MANAGER,
    )
    if vehicule is not None and not depots:
        raise NotFound("Ce véhicule n'existe pas.")
    filters = {"vehicule": vehicule, "depot": depot}
    other_kind = periods.around(
        "month" if period.kind == "week" else "week",
        today if period.first_day <= today <= period.last_day else period.first_day,
    )
    keeper = user.role in CALENDAR_KEEPERS
    return render(
        request,
        "planning/planning.html",
        {
            "period": period,
            "today": today,
            "depots": depots,
            "sites": planning.depot_choices(conn),
            "vehicle": depots[0]["vehicles"][0]["vehicle"] if vehicule else None,
            "depot_id": depot,
            "links": {
                "previous": planning_url(period.previous(), **filters),
                "next": planning_url(period.next(), **filters),
                "today": planning_url(periods.around(period.kind, today), **filters),
                "other": planning_url(other_kind, **filters),
                "all": planning_url(period),
            },
            "status_words": planning.STATUS_WORDS,
            "feeds": calendar_feeds.live_feeds(conn) if keeper else None,
            "keeper": keeper,
            "vehicles": planning.vehicle_choices(conn) if keeper else [],
            "revoked": bool(revoque),
        },
    )


@router.get("/prets/{loan_id}")
def loan_page(loan_id: Id, request: Request, user: Planner, conn: DbConn, now: Now, settings: Settings) -> Response:
    loan = service.loan_detail(conn, loan_id, scope=None)
    participant = None
    if user.role != Role.FLEET_MANAGER and loan["participant_id"]:
        participant = participant_repository.get_participant(conn, loan["participant_id"])
    week = periods.around("week", loan["starts_at"].astimezone(settings.zone).date())
    return render(
        request,
        "planning/pret.html",
        {
            "loan": loan,
            "participant": participant,
            "status_words": planning.STATUS_WORDS | {"rejected": "Refusé", "cancelled": "Annulé"},
            "planning_link": planning_url(week, vehicule=loan["vehicle_id"]),
            "coordinator": user.role in CALENDAR_KEEPERS,
        },
    )
