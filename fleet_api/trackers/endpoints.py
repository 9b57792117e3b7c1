"""Routes: `/trackers` (admin registers a tracker and receives its MQTT password once)."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Query, Request

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Now, Settings, after_commit
from fleet_api.trackers import health, repository
from fleet_api.trackers.broker_sync import sync_broker_logins
from fleet_api.trackers.schemas import (
    DeadLetter,
    Tracker,
    TrackerCreate,
    TrackerCredentials,
    TrackerHealth,
    TrackerId,
    TrackerUpdate,
)
from fleetbase.broker import reserved_logins
from fleetbase.errors import InvalidInput, NotFound
from fleetbase.nats import hash_nats_password
from fleetbase.passwords import hash_mqtt_password, http_token_digest, new_http_token, new_mqtt_password

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
def list_dead_letters(watcher: Watcher, conn: DbConn,
                      tracker_id: Annotated[TrackerId | None, Query()] = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 100):
    """The latest refused messages, newest first, with the reason in French and the raw payload
    (a lent vehicle's coordinates masked)."""
    return health.dead_letters(conn, tracker_id=tracker_id, limit=limit)


@router.post("/trackers", response_model=TrackerCredentials, status_code=201)
def register_tracker(data: TrackerCreate, admin: Admin, request: Request, conn: DbConn, now: Now,
                     settings: Settings):
    """Register a tracker to a vehicle; the answer holds its MQTT password and its HTTP secret
    (in the OsmAnd and OwnTracks URLs), shown only this once."""
    if data.tracker_id in reserved_logins(settings):
        raise InvalidInput(f"« {data.tracker_id} » est un identifiant réservé aux services de la plateforme :"
                           " choisissez-en un autre.")
    password, http_secret = new_mqtt_password(), new_http_token()
    tracker = repository.insert_tracker(conn, tracker_id=data.tracker_id, vehicle_id=data.vehicle_id,
                                        mqtt_password_hash=hash_mqtt_password(password),
                                        mqtt_password_bcrypt=hash_nats_password(password),
                                        http_token_sha256=http_token_digest(http_secret),
                                        owntracks_key=data.owntracks_key, traccar_unique_id=data.traccar_unique_id,
                                        now=now)
    _sync_after_commit(request)
    ingress = settings.http_ingress_public_url.rstrip("/")
    return tracker | {"mqtt_username": data.tracker_id, "mqtt_password": password,
                      "mqtt_host": settings.mqtt_host, "mqtt_port": settings.mqtt_port, "http_secret": http_secret,
                      "osmand_url": f"{ingress}/osmand/{http_secret}",
                      "owntracks_http_url": f"{ingress}/owntracks/{http_secret}"}


@router.patch("/trackers/{tracker_id}", response_model=Tracker)
def update_tracker(tracker_id: TrackerId, data: TrackerUpdate, admin: Admin, request: Request,
                   conn: DbConn, now: Now):
    """Disable (or re-enable) a tracker: the broker refuses (or accepts again) its login."""
    tracker = repository.set_enabled(conn, tracker_id, enabled=data.enabled, now=now)
    if tracker is None:
        raise NotFound("Tracker inconnu.")
    _sync_after_commit(request)
    return tracker
