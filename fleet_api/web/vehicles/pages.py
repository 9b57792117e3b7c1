"""Fiche véhicule (/vehicules/{id}): status, odometers, energy, tracker, maintenance due,
loans, repair tickets and alerts, from the services the API's routes use; and, for a
vehicle not on loan, its track and trips of a chosen day, drawn by `static/js/fiche.js`
from the API's history routes (which apply and audit the privacy policy themselves).
"""

from __future__ import annotations

import json
from datetime import date, datetime, time, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from alerts import repository as alerts
from fleet import vehicles as fleet_vehicles
from fleet_api.authz import Principal
from fleet_api.deps import DbConn, Id, Now, Settings
from fleet_api.web.nav import FLEET_WATCHERS
from fleet_api.web.pages import page_user
from fleet_api.web.repairs import forms as repair_forms
from fleet_api.web.templating import render
from fleetbase.local_time import local_today
from loans import repository as loans
from maintenance import ticket_repository
from maintenance.service import compute_due
from tracking.live import live_vehicles_json, live_view

router = APIRouter(include_in_schema=False)
Viewer = Annotated[Principal, page_user(*FLEET_WATCHERS)]
LOAN_STATES = {
    "requested": "Demandé",
    "validated": "Validé",
    "active": "En cours",
    "overdue": "En retard",
    "returned": "Rendu",
    "rejected": "Refusé",
    "cancelled": "Annulé",
}
DUE_LEVELS = {"ok": "À jour", "due_soon": "Bientôt", "due": "À faire", "overdue": "En retard"}


@router.get("/vehicules/{vehicle_id}")
def vehicle_page(
    vehicle_id: Id,
    request: Request,
    user: Viewer,
    conn: DbConn,
    now: Now,
    settings: Settings,
    jour: Annotated[date | None, Query()] = None,
) -> Response:
    vehicle = fleet_vehicles.get(conn, vehicle_id)
    live = json.loads(
        live_vehicles_json(conn, vehicle_ids=[vehicle_id], view=live_view(settings, follows_incidents=False), now=now)[
            0
        ][0]
    )
    today = local_today(now, settings.zone)
    day = min(jour or today, today)
    day_start = datetime.combine(day, time(0), tzinfo=settings.zone)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=settings.zone)
    vehicle_loans = loans.list_loans(
        conn, scope=None, status=None, vehicle_id=vehicle_id, start=None, end=None, limit=50
    )
    return render(
        request,
        "vehicles/fiche.html",
        {
            "vehicle": vehicle,
            "live": live,
            "lent": live["loan_status"] is not None,
            "due": compute_due(conn, now=now, zone=settings.zone, vehicle_ids=[vehicle_id]),
            "loans": {
                "current": [loan for loan in vehicle_loans if loan["status"] in ("active", "overdue")],
                "coming": [loan for loan in vehicle_loans if loan["status"] in ("requested", "validated")],
                "past": [loan for loan in vehicle_loans if loan["status"] in ("returned", "rejected", "cancelled")][
                    :10
                ],
            },
            "tickets": ticket_repository.list_tickets(
                conn, garage_id=None, status=None, vehicle_id=vehicle_id, limit=20
            ),
            "alerts": alerts.list_alerts(
                conn, role=None, statuses=["open", "acknowledged"], kind=None, vehicle_id=vehicle_id, limit=20
            ),
            "day": day,
            "today": today,
            "day_start": day_start.isoformat(),
            "day_end": day_end.isoformat(),
            "loan_states": LOAN_STATES,
            "due_levels": DUE_LEVELS,
            "ticket_statuses": repair_forms.STATUS_LABELS,
        },
    )
