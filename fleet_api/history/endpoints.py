"""Routes: a vehicle's track (`/positions`, `.csv`, `.gpx`) and its `/trips`.

Each reads the window [from, to) (default: the last 24 hours, at most 31 days) and, when
the vehicle was lent during it, needs `incident_id` (an incident open on the vehicle; not
under the `precise` policy) and writes the look to the audit log.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from fleet import vehicles as fleet_vehicles
from fleet_api.authz import Principal, Role, require
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.history.export import attachment, track_csv, track_gpx
from fleet_api.history.schemas import Track, TripsAndStops
from fleet_api.schemas import to_json
from fleetbase.errors import InvalidInput
from tracking import history

router = APIRouter(prefix="/api/v1", tags=["history"])
Viewer = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR)]
From = Annotated[datetime | None, Query(alias="from", description="start (RFC 3339; UTC if no offset)")]
To = Annotated[datetime | None, Query(alias="to", description="end, excluded (default: now)")]
IncidentId = Annotated[
    int | None,
    Query(
        ge=1,
        le=MAX_ID,
        description=(
            "an incident open on this vehicle: required while it was lent, unless the policy is precise "
            "(docs/PRIVACY.md)"
        ),
    ),
]
INCIDENT_ROLES = frozenset({Role.ADMIN, Role.FLEET_MANAGER})
MaxPoints = Annotated[int | None, Query(ge=2, le=100_000, description="downsample to at most this many fixes")]


def _look(request: Request, conn, vehicle_id, viewer: Principal, now, settings, start, end, incident_id, action):
    if "reason" in request.query_params:  # the old way: a typed reason no longer opens a lent vehicle's track
        raise InvalidInput(
            "Le paramètre « reason » n'existe plus : indiquez le numéro d'un incident ouvert "
            "sur ce véhicule (paramètre « incident_id »)."
        )
    vehicle = fleet_vehicles.get(conn, vehicle_id)
    start, end = history.window(start, end, now=now)
    start, end = history.authorize_look(
        conn,
        vehicle_id,
        start=start,
        end=end,
        incident_id=incident_id,
        follows_incidents=viewer.role in INCIDENT_ROLES,
        policy=settings.loan_location_policy,
        user_id=viewer.user_id,
        action=action,
        now=now,
        lookback=timedelta(hours=settings.incident_lookback_hours),
        auto_close_after=timedelta(days=settings.incident_auto_close_days),
    )
    return vehicle, start, end


@router.get("/vehicles/{vehicle_id}/positions", response_model=Track)
def positions(
    request: Request,
    vehicle_id: Id,
    viewer: Viewer,
    conn: DbConn,
    now: Now,
    settings: Settings,
    start: From = None,
    end: To = None,
    max_points: MaxPoints = None,
    incident_id: IncidentId = None,
) -> Response:
    """The track of the window, downsampled to `max_points` keeping its shape and both ends."""
    _, start, end = _look(request, conn, vehicle_id, viewer, now, settings, start, end, incident_id, "view_positions")
    points, total, returned = history.track_json(
        conn,
        vehicle_id,
        start=start,
        end=end,
        max_points=max_points or settings.history_default_points,
        max_fixes=settings.history_max_fixes,
    )
    head = to_json(
        {"vehicle_id": vehicle_id, "from": start, "to": end, "total_points": total, "downsampled": returned < total}
    )
    return Response(f'{head[:-1]},"positions":{points}}}', media_type="application/json")


def _export(request, conn, vehicle_id, viewer, now, settings, start, end, max_points, incident_id):
    """The audited look and the fixes both exports (CSV, GPX) are made of."""
    vehicle, start, end = _look(
        request, conn, vehicle_id, viewer, now, settings, start, end, incident_id, "export_positions"
    )
    points, _ = history.track(
        conn, vehicle_id, start=start, end=end, max_points=max_points, max_fixes=settings.history_max_fixes
    )
    return vehicle, start, end, points


@router.get(
    "/vehicles/{vehicle_id}/positions.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}}
)
def positions_csv(
    request: Request,
    vehicle_id: Id,
    viewer: Viewer,
    conn: DbConn,
    now: Now,
    settings: Settings,
    start: From = None,
    end: To = None,
    max_points: MaxPoints = None,
    incident_id: IncidentId = None,
) -> Response:
    """Every fix of the window (or `max_points` of them) as CSV."""
    vehicle, start, end, points = _export(
        request, conn, vehicle_id, viewer, now, settings, start, end, max_points, incident_id
    )
    return Response(
        track_csv(points),
        media_type="text/csv; charset=utf-8",
        headers=attachment(f"{vehicle['label']}-{start:%Y%m%dT%H%M}.csv"),
    )


@router.get(
    "/vehicles/{vehicle_id}/positions.gpx",
    response_class=Response,
    responses={200: {"content": {"application/gpx+xml": {}}}},
)
def positions_gpx(
    request: Request,
    vehicle_id: Id,
    viewer: Viewer,
    conn: DbConn,
    now: Now,
    settings: Settings,
    start: From = None,
    end: To = None,
    max_points: MaxPoints = None,
    incident_id: IncidentId = None,
) -> Response:
    """Every fix of the window (or `max_points` of them) as a GPX 1.1 track."""
    vehicle, start, end, points = _export(
        request, conn, vehicle_id, viewer, now, settings, start, end, max_points, incident_id
    )
    return Response(
        track_gpx(points, name=vehicle["label"]),
        media_type="application/gpx+xml",
        headers=attachment(f"{vehicle['label']}-{start:%Y%m%dT%H%M}.gpx"),
    )


@router.get("/vehicles/{vehicle_id}/trips", response_model=TripsAndStops)
def trips(
    request: Request,
    vehicle_id: Id,
    viewer: Viewer,
    conn: DbConn,
    now: Now,
    settings: Settings,
    start: From = None,
    end: To = None,
    incident_id: IncidentId = None,
):
    """Trips (from ignition and motion) with distance and duration, and the stops between them."""
    _, start, end = _look(request, conn, vehicle_id, viewer, now, settings, start, end, incident_id, "view_trips")
    found, stops = history.trips(conn, vehicle_id, start=start, end=end, max_fixes=settings.history_max_fixes)
    return {
        "vehicle_id": vehicle_id,
        "trips": [asdict(trip) for trip in found],
        "stops": [asdict(stop) for stop in stops],
    }
