"""Routes: `/maintenance/due`, `/maintenance/plans` (per kind), a vehicle's own plan overrides,
and `/vehicles/{id}/service-records` (a vehicle's history in one call)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query

from fleet import vehicles as fleet_vehicles
from fleet_api.authz import Principal, Role, require
from fleet_api.deps import MAX_ID, DbConn, Id, Now, Settings
from fleet_api.maintenance.schemas import MaintenancePlanUpdate, ServiceRecord, ServiceRecordCreate, TaskName
from fleet_api.schemas import VehicleKind
from maintenance import records, repository
from maintenance.due import DueState, Level
from maintenance.plans import Plan
from maintenance.service import compute_due

router = APIRouter(prefix="/api/v1", tags=["maintenance"])
Reader = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]
Planner = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.MECHANIC)]
Task = Annotated[TaskName, Path()]


@router.get("/maintenance/due", response_model=list[DueState])
def list_due(
    reader: Reader,
    conn: DbConn,
    now: Now,
    settings: Settings,
    level: Annotated[list[Level] | None, Query(description="default: due_soon, due, overdue")] = None,
    vehicle_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
):
    """What is due or soon due, most urgent first (worst level, then earliest forecast)."""
    wanted = set(level or ("due_soon", "due", "overdue"))
    states = compute_due(conn, now=now, zone=settings.zone, vehicle_ids=[vehicle_id] if vehicle_id else None)
    return [asdict(state) for state in states if state.level in wanted]


@router.get("/maintenance/plans", response_model=list[Plan])
def list_plans(reader: Reader, conn: DbConn, vehicle_kind: VehicleKind | None = None):
    return repository.list_plans(conn, vehicle_kind=vehicle_kind)


@router.put("/maintenance/plans/{vehicle_kind}/{task}", response_model=Plan)
def put_plan(
    vehicle_kind: VehicleKind, task: Task, data: MaintenancePlanUpdate, planner: Planner, conn: DbConn, now: Now
):
    """Create or replace a task of every vehicle of a kind."""
    return repository.upsert_plan(
        conn, vehicle_kind=vehicle_kind, vehicle_id=None, task=task, now=now, **data.model_dump()
    )


@router.get("/vehicles/{vehicle_id}/maintenance-plans", response_model=list[Plan])
def vehicle_plans(vehicle_id: Id, reader: Reader, conn: DbConn):
    """The plan this vehicle follows: its kind's tasks, with its own overrides in their place."""
    fleet_vehicles.get(conn, vehicle_id)
    return repository.effective_plans(conn, vehicle_ids=[vehicle_id])[vehicle_id]


@router.put("/vehicles/{vehicle_id}/maintenance-plans/{task}", response_model=Plan)
def put_vehicle_plan(vehicle_id: Id, task: Task, data: MaintenancePlanUpdate, planner: Planner, conn: DbConn, now: Now):
    vehicle = fleet_vehicles.get(conn, vehicle_id)
    return repository.upsert_plan(
        conn, vehicle_kind=vehicle["kind"], vehicle_id=vehicle_id, task=task, now=now, **data.model_dump()
    )


@router.delete("/vehicles/{vehicle_id}/maintenance-plans/{task}", status_code=204)
def delete_vehicle_plan(vehicle_id: Id, task: Task, planner: Planner, conn: DbConn):
    """Back to the kind's task (nothing to do when the vehicle had no override for it)."""
    fleet_vehicles.get(conn, vehicle_id)
    repository.delete_override(conn, vehicle_id=vehicle_id, task=task)


@router.get("/vehicles/{vehicle_id}/service-records", response_model=list[ServiceRecord])
def list_service_records(vehicle_id: Id, reader: Reader, conn: DbConn):
    return records.history(conn, vehicle_id=vehicle_id)


@router.post("/vehicles/{vehicle_id}/service-records", response_model=ServiceRecord, status_code=201)
def create_service_record(
    vehicle_id: Id, data: ServiceRecordCreate, planner: Planner, conn: DbConn, now: Now, settings: Settings
):
    """Record a service; it resets the tasks it covers (and closes their alerts)."""
    return records.record_service(
        conn, vehicle_id=vehicle_id, by_user_id=planner.user_id, now=now, zone=settings.zone, **data.model_dump()
    )
