"""Every request gets an id (the caller's `X-Request-ID` when it is a sane one, else a new
one), answered in `X-Request-ID` and carried by every log line written while it is
served; one log line per request says what was answered and how long it took."""

from __future__ import annotations

import logging
import re
import time
import uuid

from fleetbase.logs import request_id

log = logging.getLogger("fleet_api.requests")
SANE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        current = given if SANE.match(given) else uuid.uuid4().hex
        token = request_id.set(current)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = scope.get("route")
            log.info(
                "%s %s %s",
                scope["method"],
                logged_path(scope),
                status["code"],
                extra={
                    "method": scope["method"],
                    "path": getattr(route, "path", scope["path"]),
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id.reset(token)


def logged_path(scope) -> str:
    """The path as requested, but a secret in it (a display link's or a calendar's token) never
    reaches the log: such a route is logged by its template (`/ecran/{token}`)."""
    template = getattr(scope.get("route"), "path", "")
    return template if "{token}" in template else scope["path"]
