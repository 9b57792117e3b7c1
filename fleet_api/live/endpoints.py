"""Routes: `/fleet/live` (every vehicle now) and `/fleet/stream` (Server-Sent Events).

A stream starts with one `snapshot` event holding every vehicle, then sends a `vehicle`
event per changed vehicle and a `fleet_event` per zone transition (enter, exit). A client that reconnects gets a fresh snapshot first, so it
never misses the current state.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from fleet_api.authz import Principal, Role, require
from fleet_api.deps import DbConn, Settings
from fleet_api.live.hub import DROPPED
from fleet_api.live.schemas import LiveVehicle
from fleet_api.live.service import live_fleet_json

router = APIRouter(prefix="/api/v1", tags=["live fleet"])
Watcher = Annotated[Principal, require(Role.ADMIN, Role.FLEET_MANAGER, Role.COORDINATOR, Role.MECHANIC)]


@router.get("/fleet/live", response_model=list[LiveVehicle])
def fleet_live(watcher: Watcher, conn: DbConn) -> Response:
    """Every vehicle with its last fix, energy, odometer, online flag and loan status."""
    return Response(live_fleet_json(conn), media_type="application/json")


@router.get("/fleet/stream", response_class=StreamingResponse,
            responses={200: {"content": {"text/event-stream": {}},
                             "description": "`snapshot` event (list of LiveVehicle), then `vehicle` and "
                                            "`fleet_event` events"}})
async def fleet_stream(watcher: Watcher, request: Request, conn: DbConn, settings: Settings):
    hub = request.app.state.live_hub
    subscription = hub.subscribe()  # before the snapshot: no change can fall in between
    snapshot = await run_in_threadpool(live_fleet_json, conn)

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
                for name, data in rows:
                    yield f"event: {name}\ndata: {data}\n\n"
        finally:
            hub.unsubscribe(subscription)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
