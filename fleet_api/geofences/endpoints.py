"""Routes: `/geofences` (GeoJSON Features in and out) and `/events`. The checks live in
geofence.service; a bad shape is an InvalidZone, answered 422 with its reason."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import MAX_ID, DbConn, Id, Now
from fleet_api.geofences.schemas import Event, ZoneChanges, ZoneCollection, ZoneCreate, ZoneFeature
from fleet_api.schemas import ServiceTime
from fleetbase.errors import InvalidInput, NotFound
from geofence import repository, service

router = APIRouter(prefix="/api/v1", tags=["geofences"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]
Editor = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER)]
EventReader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR)]
MAX_EVENT_WINDOW = timedelta(days=92)


@router.get("/geofences", response_model=ZoneCollection)
def list_geofences(reader: Reader, conn: DbConn):
    return {"type": "FeatureCollection", "features": [service.to_feature(zone) for zone in repository.list_zones(conn)]}


@router.post("/geofences", response_model=ZoneFeature, status_code=201)
def create_geofence(feature: ZoneCreate, editor: Editor, conn: DbConn):
    return service.to_feature(service.create_zone(conn, feature.model_dump(exclude_unset=True)))


@router.get("/geofences/{geofence_id}", response_model=ZoneFeature)
def get_geofence(geofence_id: Id, reader: Reader, conn: DbConn):
    zone = repository.get_zone(conn, geofence_id)
    if zone is None:
        raise NotFound("Zone inconnue.")
    return service.to_feature(zone)


@router.patch("/geofences/{geofence_id}", response_model=ZoneFeature)
def update_geofence(geofence_id: Id, changes: ZoneChanges, editor: Editor, conn: DbConn, now: Now):
    return service.to_feature(service.update_zone(conn, geofence_id, changes.model_dump(exclude_unset=True), now=now))


@router.delete("/geofences/{geofence_id}", status_code=204)
def delete_geofence(geofence_id: Id, editor: Editor, conn: DbConn) -> None:
    service.delete_zone(conn, geofence_id)


@router.get("/events", response_model=list[Event])
def list_events(
    reader: EventReader,
    conn: DbConn,
    now: Now,
    vehicle_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    type: Annotated[str | None, Query(max_length=64)] = None,
    from_: Annotated[ServiceTime | None, Query(alias="from")] = None,
    to: ServiceTime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
):
    end = to or now
    start = from_ or end - timedelta(days=7)
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("from et to doivent porter un fuseau (par exemple 2026-11-25T08:00:00Z).")
    if start >= end or end - start > MAX_EVENT_WINDOW:
        raise InvalidInput("La période doit être croissante et durer au plus 92 jours.")
    return repository.list_events(conn, vehicle_id=vehicle_id, event_type=type, start=start, end=end, limit=limit)
