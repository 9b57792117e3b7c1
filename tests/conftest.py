"""Fixtures on the real PostgreSQL server and real Mosquitto broker.

- `seeded_template`: one database per test session, migrated and seeded, used as the
  template for every database a test asks for.
- `conn`: a connection to the session's seeded database inside a transaction that is
  rolled back at the end of the test, so no test sees another's rows.
- `new_database`: a factory of fresh databases (seeded copies, or empty) for tests whose
  code under test commits (workers, API processes); each is dropped at session end.
- `broker`: a Mosquitto process run with the project's configuration on a free port.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from psycopg import sql

from fleetbase.broker import BrokerFiles, service_logins, write_config, write_password_file
from fleetbase.db import connect
from fleetbase.migrate import apply_migrations
from fleetbase.seed import seed_demo
from fleetbase.settings import FleetSettings
from localbrokers.mosquitto import BrokerProcess
from localbrokers.ports import free_port

ADMIN_URL = os.environ.get("FLEET_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "demo-password-for-tests"


def database_url(name: str) -> str:
    return urlunsplit(urlsplit(ADMIN_URL)._replace(path=f"/{name}"))


def demo_settings(url: str, **overrides) -> FleetSettings:
    return FleetSettings(
        database_url=url,
        demo_mode=True,
        demo_password=DEMO_PASSWORD,
        mqtt_password="ingest-password-for-tests",
        **overrides,
    )


class Databases:
    """Creates test databases on the real server and drops them all at the end."""

    def __init__(self) -> None:
        self.created: list[str] = []
        self.admin = psycopg.connect(ADMIN_URL, autocommit=True)

    def create(self, *, template: str | None = None) -> str:
        name = f"fleet_test_{uuid.uuid4().hex[:12]}"
        statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        if template:
            statement += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
        self.admin.execute(statement)
        self.created.append(name)
        return name

    def close_to_connections(self, name: str) -> None:
        """A template no session may hold: CREATE DATABASE … TEMPLATE fails with ObjectInUse
        while one does, and TimescaleDB's background scheduler opens one on every database
        with the extension. Copying a database needs no connection to it."""
        self.admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS false").format(sql.Identifier(name)))
        self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [name],
        )

    def drop(self, name: str) -> None:
        """A test's own database, dropped when the test ends: hundreds of drops left to the
        session's end took longer than a test may (pytest-timeout) on a busy server."""
        self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.created.remove(name)

    def drop_all(self) -> None:
        for name in reversed(self.created):
            self.admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        self.created.clear()
        self.admin.close()


@pytest.fixture(scope="session")
def databases() -> Iterator[Databases]:
    registry = Databases()
    yield registry
    registry.drop_all()


@pytest.fixture(scope="session")
def seeded_template(databases: Databases) -> str:
    """Name of a migrated and seeded database that no test connects to directly."""
    name = databases.create()
    url = database_url(name)
    apply_migrations(url)
    with connect(url) as conn:
        seed_demo(conn, settings=demo_settings(url))
    databases.close_to_connections(name)
    return name


@pytest.fixture(scope="session")
def seeded_url(databases: Databases, seeded_template: str) -> str:
    return database_url(databases.create(template=seeded_template))


@pytest.fixture
def conn(seeded_url: str) -> Iterator[psycopg.Connection]:
    with connect(seeded_url) as connection:
        with connection.transaction(force_rollback=True):
            yield connection


@pytest.fixture
def new_database(databases: Databases, seeded_template: str) -> Iterator[Callable[..., str]]:
    """`new_database()` → URL of a fresh seeded copy; `new_database(empty=True)` → empty.
    Each is dropped when the test ends."""
    made: list[str] = []

    def make(*, empty: bool = False) -> str:
        made.append(databases.create(template=None if empty else seeded_template))
        return database_url(made[-1])

    yield make
    for name in made:
        databases.drop(name)


@pytest.fixture
def broker(tmp_path, seeded_url: str) -> Iterator[BrokerProcess]:
    """A Mosquitto with the project's configuration, logins from the seeded trackers."""
    files = BrokerFiles(tmp_path / "broker", port=free_port(), autosave_interval=1)
    write_config(files)
    with connect(seeded_url) as connection:
        write_password_file(connection, files.password_file, service_logins=service_logins(demo_settings(seeded_url)))
    process = BrokerProcess(files)
    process.start()
    yield process
    process.stop()
