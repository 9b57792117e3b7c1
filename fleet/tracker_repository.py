"""Every query on trackers. Nothing here commits."""

from __future__ import annotations

from datetime import datetime

from psycopg.rows import DictRow

from fleetbase.db import Conn, one
from fleetbase.integrity import refusals_as_errors

COLUMNS = (
    "tracker_id, vehicle_id, enabled, created_at, disabled_at,"
    " owntracks_key IS NOT NULL AS owntracks_encrypted, traccar_unique_id"
)
CONSTRAINT_MESSAGES = {
    "trackers_pkey": "Ce tracker est déjà enregistré.",
    "trackers_vehicle_id_key": "Ce véhicule a déjà un tracker.",
    "trackers_vehicle_id_fkey": "Ce véhicule n'existe pas.",
    "trackers_traccar_unique_id_key": "Cet identifiant Traccar est déjà celui d'un autre tracker.",
    "trackers_http_token_sha256_key": "Secret HTTP déjà pris : enregistrez le tracker à nouveau.",
}
# Serialises the rewriting of the broker's password file across API processes.
PASSWORD_FILE_LOCK = 7412


def list_trackers(conn: Conn) -> list[DictRow]:
    return conn.execute(f"SELECT {COLUMNS} FROM trackers ORDER BY tracker_id").fetchall()


def list_trackers_with_vehicles(conn: Conn) -> list[DictRow]:
    """Each tracker with its vehicle's label and its last message (for the administrators' page)."""
    return conn.execute(
        "SELECT t.tracker_id, t.vehicle_id, t.enabled, t.created_at, t.disabled_at, t.traccar_unique_id,"
        " t.owntracks_key IS NOT NULL AS owntracks_encrypted, v.label AS vehicle_label, s.last_seen_at"
        " FROM trackers t JOIN vehicles v ON v.id = t.vehicle_id"
        " LEFT JOIN vehicle_state s ON s.vehicle_id = t.vehicle_id ORDER BY t.tracker_id"
    ).fetchall()


def insert_tracker(
    conn: Conn,
    *,
    tracker_id: str,
    vehicle_id: int,
    mqtt_password_hash: str,
    http_token_sha256: bytes,
    mqtt_password_bcrypt: str | None = None,
    owntracks_key: str | None = None,
    traccar_unique_id: str | None = None,
    now: datetime,
) -> DictRow:
    with refusals_as_errors(CONSTRAINT_MESSAGES):
        return one(
            conn.execute(
                "INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash, mqtt_password_bcrypt, "
                "http_token_sha256,"
                " owntracks_key, traccar_unique_id, created_at)"
                " VALUES (%(tracker_id)s, %(vehicle_id)s, %(hash)s, %(bcrypt)s, %(http)s, %(owntracks_key)s, "
                "%(traccar)s,"
                " %(now)s)"
                f" RETURNING {COLUMNS}",
                {
                    "tracker_id": tracker_id,
                    "vehicle_id": vehicle_id,
                    "hash": mqtt_password_hash,
                    "bcrypt": mqtt_password_bcrypt,
                    "http": http_token_sha256,
                    "owntracks_key": owntracks_key,
                    "traccar": traccar_unique_id,
                    "now": now,
                },
            )
        )


def set_enabled(conn: Conn, tracker_id: str, *, enabled: bool, now: datetime) -> DictRow | None:
    return conn.execute(
        "UPDATE trackers SET enabled = %(enabled)s,"
        " disabled_at = CASE WHEN %(enabled)s THEN NULL ELSE coalesce(disabled_at, %(now)s) END"
        f" WHERE tracker_id = %(tracker_id)s RETURNING {COLUMNS}",
        {"tracker_id": tracker_id, "enabled": enabled, "now": now},
    ).fetchone()


def lock_password_file(conn: Conn) -> None:
    conn.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": PASSWORD_FILE_LOCK})
