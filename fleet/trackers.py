"""Registering a tracker and turning it off or on: what the API's routes and the
administrators' page (Véhicules et balises) both call. No FastAPI here; nothing commits.

The broker learns of the change only after the commit: the caller then runs
`fleet.broker_sync.sync_broker_logins` (the API queues it with `after_commit`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from psycopg.rows import DictRow

from fleet import tracker_repository as repository
from fleetbase.broker import reserved_logins
from fleetbase.db import Conn
from fleetbase.errors import InvalidInput, NotFound
from fleetbase.nats import hash_nats_password
from fleetbase.passwords import hash_mqtt_password, http_token_digest, new_http_token, new_mqtt_password

if TYPE_CHECKING:  # the API's settings, as a parameter type only
    from fleet_api.settings import ApiSettings


def register_tracker(
    conn: Conn,
    *,
    tracker_id: str,
    vehicle_id: int,
    owntracks_key: str | None = None,
    traccar_unique_id: str | None = None,
    settings: ApiSettings,
    now: datetime,
) -> DictRow:
    """The new tracker with its credentials: its MQTT password and HTTP secret exist only in
    this answer (the table keeps their hashes), to be shown once."""
    if tracker_id in reserved_logins(settings):
        raise InvalidInput(
            f"« {tracker_id} » est un identifiant réservé aux services de la plateforme : choisissez-en un autre."
        )
    password, http_secret = new_mqtt_password(), new_http_token()
    tracker = repository.insert_tracker(
        conn,
        tracker_id=tracker_id,
        vehicle_id=vehicle_id,
        mqtt_password_hash=hash_mqtt_password(password),
        mqtt_password_bcrypt=hash_nats_password(password),
        http_token_sha256=http_token_digest(http_secret),
        owntracks_key=owntracks_key,
        traccar_unique_id=traccar_unique_id,
        now=now,
    )
    ingress = settings.http_ingress_public_url.rstrip("/")
    host, port, _tls = settings.tracker_broker
    return tracker | {
        "mqtt_username": tracker_id,
        "mqtt_password": password,
        "mqtt_host": host,
        "mqtt_port": port,
        "http_secret": http_secret,
        "osmand_url": f"{ingress}/osmand/{http_secret}",
        "owntracks_http_url": f"{ingress}/owntracks/{http_secret}",
    }


def set_tracker_enabled(conn: Conn, tracker_id: str, *, enabled: bool, now: datetime) -> DictRow:
    """Disable (the broker then refuses its login) or enable again a tracker."""
    tracker = repository.set_enabled(conn, tracker_id, enabled=enabled, now=now)
    if tracker is None:
        raise NotFound("Balise inconnue.")
    return tracker
