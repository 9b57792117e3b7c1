"""Where the positions time series lives: plain PostgreSQL day partitions or a TimescaleDB
hypertable, chosen explicitly by `FLEET_STORAGE_BACKEND` and checked against the server.

- `auto` (default): TimescaleDB when the server really offers it (the extension is
  installed *and* preloaded), plain PostgreSQL otherwise, saying why.
- `plain`: day partitions, whatever the server offers.
- `timescaledb`: a hypertable; refuses to migrate, with what is missing, on a server that
  does not offer it, rather than half-migrating.

Compression needs TimescaleDB's TSL part (`timescaledb.license = 'timescale'`); a server
with the Apache-only build gets a hypertable without compression. Retention is ours on
both paths (`expire_positions`, `FLEET_RETENTION_DAYS`), so `vehicle_daily_stats` is filled
the same way whichever back end holds the raw fixes.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import psycopg

from fleetbase.errors import ConfigurationError

log = logging.getLogger(__name__)

# The session setting through which `apply_migrations` tells 0002_positions.py its choice.
CHOICE_SETTING = "fleet.storage_backend"


class StorageBackend(StrEnum):
    AUTO = "auto"
    PLAIN = "plain"
    TIMESCALEDB = "timescaledb"


@dataclass(frozen=True)
class ServerOffer:
    """What the PostgreSQL server can give the positions table."""

    available: bool  # the extension's files are installed (pg_available_extensions)
    preloaded: bool  # timescaledb is in shared_preload_libraries
    license: str | None  # 'timescale' (with TSL: compression) or 'apache', None if unknown

    @property
    def compression(self) -> bool:
        return self.license == "timescale"

    def missing(self) -> list[str]:
        """Why TimescaleDB cannot be used on this server (empty when it can)."""
        reasons = []
        if not self.available:
            reasons.append("the timescaledb extension is not installed on the server")
        if not self.preloaded:
            reasons.append("timescaledb is not in the server's shared_preload_libraries")
        return reasons


def _scalar(conn: psycopg.Connection[Any], query: str, params: list[str] | None = None) -> str | None:
    """First column of the first row as text (None for no row or NULL), whatever the
    connection's row factory (the migrations get yoyo's tuple rows, the services dict rows)."""
    cursor = conn.cursor()
    cursor.execute(query, params)
    row = cursor.fetchone()
    if row is None:
        return None
    value = next(iter(row.values())) if isinstance(row, dict) else row[0]
    return None if value is None else str(value)


def read_offer(conn: psycopg.Connection[Any]) -> ServerOffer:
    available = _scalar(conn, "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'") is not None
    libraries = _scalar(conn, "SELECT current_setting('shared_preload_libraries')") or ""
    preloaded = any(name.strip().strip('"').startswith("timescaledb") for name in libraries.split(","))
    license = _scalar(conn, "SELECT current_setting('timescaledb.license', true)")
    return ServerOffer(available=available, preloaded=preloaded, license=license or None)


def choose(setting: StorageBackend | str, offer: ServerOffer) -> StorageBackend:
    """The back end to create, or ConfigurationError when the setting asks the impossible."""
    setting = StorageBackend(setting)
    if setting is StorageBackend.PLAIN:
        return StorageBackend.PLAIN
    missing = offer.missing()
    if setting is StorageBackend.TIMESCALEDB:
        if missing:
            raise ConfigurationError(
                "FLEET_STORAGE_BACKEND=timescaledb but "
                + "; ".join(missing)
                + " (set FLEET_STORAGE_BACKEND=plain, or install and preload TimescaleDB)"
            )
        return StorageBackend.TIMESCALEDB
    if missing:
        if offer.available:  # worth saying: it looks usable but is not
            log.warning("TimescaleDB not used: %s; positions use plain PostgreSQL partitions", "; ".join(missing))
        return StorageBackend.PLAIN
    return StorageBackend.TIMESCALEDB


def database_backend(conn: psycopg.Connection[Any]) -> StorageBackend | None:
    """What the migrated database holds (None before 0002_positions ran)."""
    if _scalar(conn, "SELECT to_regclass('positions_default')::text") is not None:
        return StorageBackend.PLAIN
    if _scalar(conn, "SELECT to_regclass('positions')::text") is None:
        return None
    return StorageBackend.TIMESCALEDB


def check_database(conn: psycopg.Connection[Any], setting: StorageBackend | str) -> StorageBackend | None:
    """At a process's start-up: the database's back end agrees with the setting and the
    server still offers it (a TimescaleDB database on a server that stopped preloading the
    extension would fail on the first chunk, far from the cause)."""
    setting = StorageBackend(setting)
    present = database_backend(conn)
    if present is None:
        return None
    if setting is not StorageBackend.AUTO and present is not setting:
        raise ConfigurationError(
            f"FLEET_STORAGE_BACKEND={setting.value} but the database's positions use {present.value}"
            " (a back end is chosen when the database is first migrated)"
        )
    if present is StorageBackend.TIMESCALEDB:
        missing = read_offer(conn).missing()
        if missing:
            raise ConfigurationError("the database's positions are a TimescaleDB hypertable but " + "; ".join(missing))
    return present


def announce_choice(conn: psycopg.Connection[Any], setting: StorageBackend | str) -> StorageBackend:
    """Choose for this server and leave the choice in the session for the migrations."""
    chosen = choose(setting, read_offer(conn))
    _scalar(conn, "SELECT set_config(%s, %s, false)", [CHOICE_SETTING, chosen.value])
    return chosen


def announced_choice(conn: psycopg.Connection[Any]) -> StorageBackend:
    """For 0002_positions.py: the choice `announce_choice` left, or `auto`'s when migrations
    run without it (yoyo called directly)."""
    value = _scalar(conn, "SELECT current_setting(%s, true)", [CHOICE_SETTING])
    if value:
        return StorageBackend(value)
    return choose(StorageBackend.AUTO, read_offer(conn))
