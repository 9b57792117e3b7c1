"""Tells the project's Mosquitto about changed tracker logins, without restarting it.

Mosquitto reads its `password_file` at start and again on SIGHUP (existing connections
stay up). After a tracker is registered or disabled and the change committed, the API
rewrites that file from the trackers table and signals the broker whose pid is in
FLEET_MQTT_BROKER_PID_FILE. An advisory lock keeps two API processes from writing the
file at once; the last writer reads the latest committed table, so no change is lost.

A pid file outlives its broker: after a crash or a reboot the pid may belong to any
process, which SIGHUP would kill. The signal goes only to a `mosquitto` whose
configuration (`-c`) reads our password file; otherwise the change waits in the file for
the broker's next start, and the skip is logged.
"""

from __future__ import annotations

import logging
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from psycopg_pool import ConnectionPool

from fleet.tracker_repository import lock_password_file
from fleetbase.broker import service_logins, write_password_file
from fleetbase.db import Conn

if TYPE_CHECKING:  # the API's settings and input schemas, as parameter types only
    from fleet_api.settings import ApiSettings

log = logging.getLogger(__name__)


def sync_broker_logins(pool: ConnectionPool[Conn], settings: ApiSettings) -> bool:
    """Rewrite the password file and reload the broker; False when not configured."""
    if settings.mqtt_password_file is None:
        log.warning("FLEET_MQTT_PASSWORD_FILE is not set: the broker was not told of the change")
        return False
    with pool.connection() as conn:
        lock_password_file(conn)
        write_password_file(conn, settings.mqtt_password_file, service_logins=service_logins(settings))
        if settings.mqtt_broker_pid_file is not None:
            pid = broker_pid(settings.mqtt_broker_pid_file, password_file=settings.mqtt_password_file)
            if pid is not None:
                os.kill(pid, signal.SIGHUP)
    return True


def broker_pid(pid_file: Path, *, password_file: Path) -> int | None:
    """The pid written in `pid_file` when it is a mosquitto reading `password_file`; else None (logged)."""
    try:
        pid = int(pid_file.read_text().strip())
    except (OSError, ValueError) as error:
        log.warning("broker pid file %s unreadable (%s): the broker was not reloaded", pid_file, error)
        return None
    config = _mosquitto_config(pid)
    if config is None or _password_file_of(config) != password_file.resolve():
        log.warning(
            "pid %s in %s is not the broker reading %s (stale pid file?): not signalled", pid, pid_file, password_file
        )
        return None
    return pid


def _mosquitto_config(pid: int) -> Path | None:
    """The configuration file of process `pid` if it is a mosquitto started with `-c`."""
    if pid <= 0:
        return None
    try:
        argv = [part.decode(errors="replace") for part in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")]
    except OSError:  # no such process
        return None
    if not argv or Path(argv[0]).name != "mosquitto":
        return None
    for flag in ("-c", "--config-file"):
        if flag in argv[:-1]:
            config = Path(argv[argv.index(flag) + 1])
            try:
                return config if config.is_absolute() else Path(os.readlink(f"/proc/{pid}/cwd")) / config
            except OSError:  # not ours to inspect
                return None
    return None


def _password_file_of(config: Path) -> Path | None:
    try:
        lines = config.read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        name, _, value = line.strip().partition(" ")
        if name == "password_file" and value.strip():
            return (config.parent / value.strip()).resolve()
    return None
