"""Routes: `/fleet/live` (every vehicle now) and `/fleet/stream` (Server-Sent Events).

A stream starts with one `snapshot` event holding every vehicle, then sends a `vehicle`
event per changed vehicle and a `fleet_event` per zone transition (enter, exit). A
client that reconnects gets a fresh snapshot first, so it never misses the current state.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Now, Settings
from fleet_api.live.hub import DROPPED
from fleet_api.live.schemas import LiveVehicle
from tracking.live import INCIDENT_FOLLOWERS, live_fleet_json, live_view, record_looks

router = APIRouter(prefix="/api/v1", tags=["live fleet"])
Watcher = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]


@router.get("/fleet/live", response_model=list[LiveVehicle])
def fleet_live(watcher: Watcher, conn: DbConn, now: Now, settings: Settings) -> Response:
    """Every vehicle with its last fix, energy, odometer, online flag and loan status; a lent
    vehicle as FLEET_LOAN_LOCATION_POLICY says (precise during an incident, to those who follow it)."""
    view = live_view(settings, follows_incidents=watcher.role in INCIDENT_FOLLOWERS)
    fleet, looks = live_fleet_json(conn, view=view, now=now)
    record_looks(conn, looks, user_id=watcher.user_id, policy=view.policy, now=now)
    return Response(fleet, media_type="application/json")


@router.get(
    "/fleet/stream",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`snapshot` event (list of LiveVehicle), then `vehicle` and `fleet_event` events",
        }
    },
)
async def fleet_stream(watcher: Watcher, request: Request, conn: DbConn, now: Now, settings: Settings):
    hub = request.app.state.live_hub
    view = live_view(settings, follows_incidents=watcher.role in INCIDENT_FOLLOWERS)
    subscription = hub.subscribe(follows_incidents=view.follows_incidents)  # before the snapshot: no change lost
    snapshot, looks = await run_in_threadpool(live_fleet_json, conn, view=view, now=now)
    await run_in_threadpool(record_looks, conn, looks, user_id=watcher.user_id, policy=view.policy, now=now)
    audited = set(looks)  # one entry per vehicle, loan and incident for the stream's life
    pool, clock = request.app.state.pool, request.app.state.clock

    def audit_new(new_looks):
        with pool.connection() as audit_conn:
            record_looks(audit_conn, new_looks, user_id=watcher.user_id, policy=view.policy, now=clock())

    async def events():
        try:
            yield f"retry: 2000\nevent: snapshot\ndata: {snapshot}\n\n"
            while True:
                try:
                    rows = await asyncio.wait_for(subscription.queue.get(), settings.stream_keepalive_s)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if rows is DROPPED:
                    return
                new_looks = [look for _, _, look in rows if look is not None and look not in audited]
                if new_looks:  # audited before it is sent
                    await run_in_threadpool(audit_new, new_looks)
                    audited.update(new_looks)
                for name, data, _ in rows:
                    yield f"event: {name}\ndata: {data}\n\n"
        finally:
            hub.unsubscribe(subscription)

    return StreamingResponse(
        events(), media_type="text/event-stream", headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
