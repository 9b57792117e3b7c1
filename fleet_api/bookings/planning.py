"""Routes: `/availability` (free vehicles for the coordinator's choice), `/loan-rules`
(turnaround and maximum length per vehicle kind) and the funders' `/reports/activity`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Response
from pydantic import StringConstraints

from fleet_api.authz import Principal, Role, require
from fleet_api.bookings.schemas import ActivityReport, AvailableVehicle, LoanRules, LoanRulesUpdate, Moment
from fleet_api.deps import MAX_ID, DbConn, Now, Settings
from fleet_api.schemas import VehicleKind
from fleetbase.errors import NotFound
from fleetbase.local_time import local_today
from loans import availability, report, repository

router = APIRouter(prefix="/api/v1", tags=["bookings"])
Planner = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.PRESCRIBER)]
Staff = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR)]
Admin = Annotated[Principal, require(Role.ADMIN)]
Month = Annotated[str, StringConstraints(pattern=r"^20[0-9]{2}-(0[1-9]|1[0-2])$")]
FirstMonth = Annotated[
    Month | None, Query(alias="from", description="first month, YYYY-MM (in the plateforme's time zone)")
]
LastMonth = Annotated[Month | None, Query(alias="to", description="last month, YYYY-MM (default: the first)")]


@router.get("/availability", response_model=list[AvailableVehicle])
def available_vehicles(
    user: Planner,
    conn: DbConn,
    start: Annotated[Moment, Query(alias="from")],
    end: Annotated[Moment, Query(alias="to")],
    kind: VehicleKind | None = None,
    site_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    max_distance_km: Annotated[float | None, Query(ge=0, le=1000)] = None,
):
    """Vehicles free over [from, to) (their turnaround included), nearest `site_id` first."""
    return availability.available_vehicles(
        conn, kind=kind, starts_at=start, ends_at=end, site_id=site_id, max_distance_km=max_distance_km
    )


@router.get("/loan-rules", response_model=list[LoanRules])
def list_loan_rules(user: Staff, conn: DbConn):
    return sorted(repository.get_rules(conn).values(), key=lambda rules: rules.vehicle_kind)


@router.patch("/loan-rules/{vehicle_kind}", response_model=LoanRules)
def update_loan_rules(vehicle_kind: VehicleKind, data: LoanRulesUpdate, user: Admin, conn: DbConn, now: Now):
    if not repository.update_rules(
        conn, vehicle_kind, turnaround_hours=data.turnaround_hours, max_days=data.max_days, now=now
    ):
        raise NotFound("Aucune règle pour ce type de véhicule.")
    return repository.get_rules(conn)[vehicle_kind]


def _report(conn, now: datetime, zone: ZoneInfo, first: str | None, last: str | None) -> tuple[str, str, list[dict]]:
    current = local_today(now, zone).strftime("%Y-%m")
    first, last = first or current, last or first or current
    rows = report.activity_report(
        conn, first=date.fromisoformat(first + "-01"), last=date.fromisoformat(last + "-01"), now=now, zone=zone
    )
    return first, last, rows


@router.get("/reports/activity", response_model=ActivityReport)
def activity_report(
    user: Staff, conn: DbConn, now: Now, settings: Settings, first: FirstMonth = None, last: LastMonth = None
):
    """Per month and intercommunality: people followed, loans started and ended, loan-days,
    kilometres and fleet utilisation per vehicle kind (default: the current month)."""
    first, last, rows = _report(conn, now, settings.zone, first, last)
    return {"first_month": first, "last_month": last, "rows": rows}


@router.get("/reports/activity.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def activity_report_csv(
    user: Staff, conn: DbConn, now: Now, settings: Settings, first: FirstMonth = None, last: LastMonth = None
) -> Response:
    first, last, rows = _report(conn, now, settings.zone, first, last)
    return Response(
        report.report_csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="activite-{first}-{last}.csv"'},
    )
