"""Applies the schema's migrations with yoyo-migrations.

Migrations live in `fleetbase/migrations/`, one file each, applied in name order and
recorded in yoyo's own tables, so running `python -m fleetbase migrate` again applies
nothing. SQL files hold plain SQL; the few that must branch (TimescaleDB present or
not) are Python files using yoyo's `step`.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from yoyo import get_backend, read_migrations

from fleetbase.storage import StorageBackend, announce_choice, check_database

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def yoyo_url(database_url: str) -> str:
    """yoyo picks its driver from the URL scheme: ask for psycopg 3."""
    parts = urlsplit(database_url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise ValueError(f"not a PostgreSQL URL: {database_url!r}")
    return urlunsplit(parts._replace(scheme="postgresql+psycopg"))


def apply_migrations(database_url: str, *, storage_backend: StorageBackend | str = StorageBackend.AUTO) -> list[str]:
    """Apply every pending migration; return the ids applied (empty when up to date).

    The positions' back end (fleetbase/storage.py) is checked first against the server
    and the database: a setting the server cannot honour fails before anything changes."""
    backend = get_backend(yoyo_url(database_url))
    try:
        connection = backend.connection
        if check_database(connection, storage_backend) is None:
            announce_choice(connection, storage_backend)  # read by 0002_positions.py
        connection.commit()
        migrations = read_migrations(str(MIGRATIONS_DIR))
        with backend.lock():
            pending = backend.to_apply(migrations)
            backend.apply_migrations(pending)
        return [migration.id for migration in pending]
    finally:
        # yoyo keeps its connection open; an open session blocks CREATE DATABASE … TEMPLATE
        backend.connection.close()


def pending_migrations(database_url: str) -> list[str]:
    backend = get_backend(yoyo_url(database_url))
    try:
        return [m.id for m in backend.to_apply(read_migrations(str(MIGRATIONS_DIR)))]
    finally:
        backend.connection.close()
