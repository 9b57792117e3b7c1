"""Routes: `/vehicles` (list, create) and `/vehicles/{id}` (read, change)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter

from fleet import vehicle_repository, vehicles
from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Id, Now
from fleet_api.vehicles.schemas import Vehicle, VehicleCreate, VehicleUpdate

router = APIRouter(prefix="/api/v1", tags=["vehicles"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]
Editor = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER)]


@router.get("/vehicles", response_model=list[Vehicle])
def list_vehicles(reader: Reader, conn: DbConn):
    return vehicle_repository.list_vehicles(conn)


@router.post("/vehicles", response_model=Vehicle, status_code=201)
def create_vehicle(data: VehicleCreate, editor: Editor, conn: DbConn, now: Now):
    vehicle_id = vehicle_repository.insert_vehicle(conn, values=data.model_dump(), now=now)
    return vehicles.get(conn, vehicle_id)


@router.get("/vehicles/{vehicle_id}", response_model=Vehicle)
def get_vehicle(vehicle_id: Id, reader: Reader, conn: DbConn):
    return vehicles.get(conn, vehicle_id)


@router.patch("/vehicles/{vehicle_id}", response_model=Vehicle)
def update_vehicle(vehicle_id: Id, data: VehicleUpdate, editor: Editor, conn: DbConn, now: Now):
    return vehicles.update(conn, vehicle_id, changes=data.model_dump(exclude_unset=True), now=now)
