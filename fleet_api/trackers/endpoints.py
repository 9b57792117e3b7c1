"""Routes: `/trackers` (admin registers a tracker and receives its MQTT password once)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request

from fleet import tracker_health as health
from fleet import tracker_repository as repository
from fleet import trackers as service
from fleet.broker_sync import sync_broker_logins
from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Now, Settings, after_commit
from fleet_api.trackers.schemas import (
    DeadLetter,
    Tracker,
    TrackerCreate,
    TrackerCredentials,
    TrackerHealth,
    TrackerId,
    TrackerUpdate,
)

router = APIRouter(prefix="/api/v1", tags=["trackers"])
Admin = Annotated[Principal, require(Role.ADMIN)]
Watcher = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER)]


def _sync_after_commit(request: Request) -> None:
    after_commit(request, partial(sync_broker_logins, request.app.state.pool, request.app.state.settings))


@router.get("/trackers", response_model=list[Tracker])
def list_trackers(watcher: Watcher, conn: DbConn):
    return repository.list_trackers(conn)


@router.get("/trackers/health", response_model=list[TrackerHealth])
def trackers_health(watcher: Watcher, conn: DbConn, now: Now):
    """Each tracker: last message, last fix, battery, readings stored and refused in the last 24 h."""
    return health.tracker_health(conn, now=now)


@router.get("/dead-letters", response_model=list[DeadLetter])
def list_dead_letters(
    watcher: Watcher,
    conn: DbConn,
    tracker_id: Annotated[TrackerId | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
):
    """The latest refused messages, newest first, with the reason in French and the raw payload
    (a lent vehicle's coordinates masked)."""
    return health.dead_letters(conn, tracker_id=tracker_id, limit=limit)


@router.post("/trackers", response_model=TrackerCredentials, status_code=201)
def register_tracker(data: TrackerCreate, admin: Admin, request: Request, conn: DbConn, now: Now, settings: Settings):
    """Register a tracker to a vehicle; the answer holds its MQTT password and its HTTP secret
    (in the OsmAnd and OwnTracks URLs), shown only this once."""
    credentials = service.register_tracker(conn, **data.model_dump(), settings=settings, now=now)
    _sync_after_commit(request)
    return credentials


@router.patch("/trackers/{tracker_id}", response_model=Tracker)
def update_tracker(tracker_id: TrackerId, data: TrackerUpdate, admin: Admin, request: Request, conn: DbConn, now: Now):
    """Disable (or re-enable) a tracker: the broker refuses (or accepts again) its login."""
    tracker = service.set_tracker_enabled(conn, tracker_id, enabled=data.enabled, now=now)
    _sync_after_commit(request)
    return tracker
