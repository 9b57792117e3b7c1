"""`GET /healthz`: can this API process reach the database and the broker?"""

from __future__ import annotations

import threading

import paho.mqtt.client as mqtt
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from fleet_api.settings import ApiSettings

router = APIRouter()


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

    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    client.username_pw_set(settings.mqtt_username, settings.mqtt_password.get_secret_value())
    client.on_connect = on_connect
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


@router.get("/healthz", tags=["health"])
def healthz(request: Request) -> JSONResponse:
    settings: ApiSettings = request.app.state.settings
    db_ok, db_detail = database_reachable(request.app.state.pool, timeout=settings.health_timeout_s)
    broker_ok, broker_detail = broker_reachable(settings)
    healthy = db_ok and broker_ok
    body = {
        "status": "ok" if healthy else "degraded",
        "database": {"reachable": db_ok, "detail": db_detail},
        "broker": {"reachable": broker_ok, "detail": broker_detail},
    }
    return JSONResponse(body, status_code=200 if healthy else 503)
