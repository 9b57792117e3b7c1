"""Tells the project's Mosquitto about changed tracker logins, without restarting it.

Mosquitto reads its `password_file` at start and again on SIGHUP (existing connections
stay up). After a tracker is registered or disabled and the change committed, the API
rewrites that file from the trackers table and signals the broker whose pid is in
FLEET_MQTT_BROKER_PID_FILE. An advisory lock keeps two API processes from writing the
file at once; the last writer reads the latest committed table, so no change is lost.
"""

from __future__ import annotations

import logging
import os
import signal

from psycopg_pool import ConnectionPool

from fleet_api.settings import ApiSettings
from fleet_api.trackers.repository import lock_password_file
from fleetbase.broker import service_logins, write_password_file

log = logging.getLogger(__name__)


def sync_broker_logins(pool: ConnectionPool, settings: ApiSettings) -> bool:
    """Rewrite the password file and reload the broker; False when not configured."""
    if settings.mqtt_password_file is None:
        log.warning("FLEET_MQTT_PASSWORD_FILE is not set: the broker was not told of the change")
        return False
    with pool.connection() as conn:
        lock_password_file(conn)
        write_password_file(conn, settings.mqtt_password_file, service_logins=service_logins(settings))
        if settings.mqtt_broker_pid_file is not None:
            pid = int(settings.mqtt_broker_pid_file.read_text().strip())
            os.kill(pid, signal.SIGHUP)
    return True
