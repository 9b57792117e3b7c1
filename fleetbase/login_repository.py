"""The trackers' broker logins as the brokers' own files need them (Mosquitto's password
file, the NATS configuration): every enabled tracker and its password hash."""

from __future__ import annotations

from psycopg.rows import DictRow

from fleetbase.db import Conn

HASH_COLUMNS = ("mqtt_password_hash", "mqtt_password_bcrypt")  # Mosquitto's PBKDF2, NATS's bcrypt


def enabled_tracker_logins(conn: Conn, hash_column: str) -> list[DictRow]:
    """`tracker_id` and `hash_column`'s value of every enabled tracker, by tracker id."""
    if hash_column not in HASH_COLUMNS:
        raise ValueError(f"not a password hash column: {hash_column}")
    return conn.execute(f"SELECT tracker_id, {hash_column} FROM trackers WHERE enabled ORDER BY tracker_id").fetchall()
