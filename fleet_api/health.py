"""Health: `GET /healthz` (public: up or not) and `GET /api/v1/health` (administrator: details).

Both read the same probe of the database and the broker, made at most once every
FLEET_HEALTH_CACHE_S seconds per API process, by whichever request finds it stale (the
others meanwhile answer with the last result): a load balancer polling /healthz costs
one `SELECT 1` and one broker login every few seconds, not one per call. The public
answer says nothing of why a part is down; what failed is for an administrator.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

import paho.mqtt.client as mqtt
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from paho.mqtt.enums import CallbackAPIVersion
from pydantic import BaseModel, Field

from fleet_api.authz import Principal, Role, require
from fleet_api.settings import ApiSettings
from fleetbase.broker import use_tls

router = APIRouter()
Admin = Annotated[Principal, require(Role.ADMIN)]


def database_reachable(pool, *, timeout: float) -> tuple[bool, str]:
    try:
        with pool.connection(timeout=timeout) as conn:
            conn.execute("SELECT 1")
        return True, "ok"
    except Exception as error:  # any failure means "not reachable"; say which
        return False, f"{type(error).__name__}: {error}"


def broker_reachable(settings: ApiSettings) -> tuple[bool, str]:
    """Log in to the broker with the service credentials and disconnect."""
    answered = threading.Event()
    outcome: dict[str, str] = {}

    def on_connect(client, userdata, flags, reason_code, properties):
        outcome["reason"] = str(reason_code)
        answered.set()

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv311 if settings.mqtt_protocol == "3.1.1" else mqtt.MQTTv5
    )
    client.username_pw_set(settings.mqtt_username, settings.mqtt_password.get_secret_value())
    client.on_connect = on_connect
    use_tls(client, settings)
    try:
        client.connect(settings.mqtt_host, settings.mqtt_port, keepalive=10)
        client.loop_start()
        if not answered.wait(settings.health_timeout_s):
            return False, "no answer from the broker"
        reason = outcome.get("reason", "")
        return reason == "Success", "ok" if reason == "Success" else reason
    except OSError as error:
        return False, f"{type(error).__name__}: {error}"
    finally:
        client.disconnect()
        client.loop_stop()


@dataclass(frozen=True)
class Probe:
    checked_at: datetime
    database: tuple[bool, str]
    broker: tuple[bool, str]

    @property
    def healthy(self) -> bool:
        return self.database[0] and self.broker[0]


class HealthProbe:
    """The last probe of the database and the broker, renewed when older than `max_age_s`.

    `monotonic` measures the age (tests pass their own); `clock` stamps `checked_at`.
    """

    def __init__(
        self,
        probe: Callable[[], tuple[tuple[bool, str], tuple[bool, str]]],
        *,
        max_age_s: float,
        clock: Callable[[], datetime],
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._probe, self._max_age_s, self._clock, self._monotonic = probe, max_age_s, clock, monotonic
        self._last: Probe | None = None
        self._taken_at = 0.0
        self._renewing = threading.Lock()

    def current(self) -> Probe:
        last = self._last
        if last is not None and self._monotonic() - self._taken_at < self._max_age_s:
            return last
        # One request renews the probe; the others answer with the last one meanwhile
        # (or, before the first probe, wait for it).
        if last is None:
            self._renewing.acquire()
        elif not self._renewing.acquire(blocking=False):
            return last
        try:
            renewed = self._last
            if renewed is not None and renewed is not last:  # renewed while this request waited
                return renewed
            database, broker = self._probe()
            probe = Probe(self._clock(), database, broker)
            self._last, self._taken_at = probe, self._monotonic()
            return probe
        finally:
            self._renewing.release()


def health_probe(app) -> HealthProbe:
    """The app's probe of its own pool and broker (made once, in `create_app`)."""
    settings: ApiSettings = app.state.settings

    def probe():
        return (database_reachable(app.state.pool, timeout=settings.health_timeout_s), broker_reachable(settings))

    return HealthProbe(probe, max_age_s=settings.health_cache_s, clock=app.state.clock)


class Part(BaseModel):
    reachable: bool
    detail: str = Field(description="ok, or what failed")


class HealthDetails(BaseModel):
    status: str = Field(description="ok or degraded")
    checked_at: datetime = Field(description="when the parts were last probed")
    database: Part
    broker: Part


@router.get("/healthz", tags=["health"], responses={503: {"description": "a part is down (see /api/v1/health)"}})
def healthz(request: Request) -> JSONResponse:
    """Up (200, `{"status": "ok"}`) or not (503, `{"status": "degraded"}`); nothing more."""
    probe = request.app.state.health.current()
    return JSONResponse({"status": "ok" if probe.healthy else "degraded"}, status_code=200 if probe.healthy else 503)


@router.get("/api/v1/health", tags=["health"], response_model=HealthDetails)
def health_details(admin: Admin, request: Request):
    """What the last probe found, part by part, and when (always 200: this is a report)."""
    probe = request.app.state.health.current()
    return {
        "status": "ok" if probe.healthy else "degraded",
        "checked_at": probe.checked_at.astimezone(UTC),
        "database": {"reachable": probe.database[0], "detail": probe.database[1]},
        "broker": {"reachable": probe.broker[0], "detail": probe.broker[1]},
    }
