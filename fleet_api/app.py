"""The FastAPI application: one pool per process, opened and closed in the lifespan."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI

from fleet_api import health, metrics
from fleet_api.accounts import endpoints as accounts
from fleet_api.alerts import endpoints as alerts
from fleet_api.audit import endpoints as audit
from fleet_api.authz import document_roles
from fleet_api.bookings import endpoints as bookings
from fleet_api.bookings import planning as bookings_planning
from fleet_api.deps import system_clock
from fleet_api.errors import ERROR_RESPONSES, install_error_handlers
from fleet_api.garages import endpoints as garages
from fleet_api.geofences import endpoints as geofences
from fleet_api.geofences import rules as geofence_rules
from fleet_api.history import endpoints as history
from fleet_api.incidents import endpoints as incidents
from fleet_api.limits import BodyLimitMiddleware
from fleet_api.live import endpoints as live
from fleet_api.live.hub import LiveHub
from fleet_api.maintenance import endpoints as maintenance
from fleet_api.participants import endpoints as participants
from fleet_api.photos import endpoints as photos
from fleet_api.repair_tickets import endpoints as repair_tickets
from fleet_api.request_ids import RequestIdMiddleware
from fleet_api.settings import ApiSettings
from fleet_api.trackers import endpoints as trackers
from fleet_api.vehicles import endpoints as vehicles
from fleet_api.web.mount import install_web
from fleetbase.db import open_pool
from tracking.live import live_vehicles_json, live_view

# Every router of the API, in the order they are matched; `fleet_api/ROUTES.md` lists their roles.
ROUTERS = (
    health.router,
    metrics.router,
    accounts.router,
    vehicles.router,
    trackers.router,
    live.router,
    history.router,
    incidents.router,
    geofences.router,
    geofence_rules.router,
    participants.router,
    bookings.router,
    bookings_planning.router,
    photos.router,
    maintenance.router,
    alerts.router,
    repair_tickets.router,
    garages.router,
    audit.router,
)
for _router in ROUTERS:
    document_roles(_router)


def create_app(settings: ApiSettings, *, clock: Callable[[], datetime] = system_clock) -> FastAPI:
    """`clock` gives "now" to every route (tests pass their own to drive time)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.pool = open_pool(settings, name="fleet_api")
        app.state.database_slots = asyncio.Semaphore(settings.db_pool_max)  # see fleet_api.deps
        app.state.live_hub = LiveHub(
            database_url=settings.database_url, fetch=lambda ids, follows: _fetch_live(app, ids, follows)
        )
        listener = asyncio.create_task(app.state.live_hub.run())
        try:
            yield
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            app.state.pool.close()

    app = FastAPI(title="Fleet telematics and vehicle loans", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.clock = clock
    app.state.health = health.health_probe(app)
    app.state.metrics = metrics.RequestMetrics()
    app.add_middleware(metrics.MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.api_body_max_bytes, photo_max_bytes=settings.photo_max_bytes
    )
    app.add_middleware(RequestIdMiddleware)  # outermost: every answer has its id, every line its request
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, responses=ERROR_RESPONSES)
    install_web(app)
    return app


def _fetch_live(app: FastAPI, vehicle_ids: list[int] | None, follows_incidents: bool) -> list[tuple[str, tuple | None]]:
    view = live_view(app.state.settings, follows_incidents=follows_incidents)
    with app.state.pool.connection() as conn:
        return live_vehicles_json(conn, vehicle_ids=vehicle_ids, view=view, now=app.state.clock())
