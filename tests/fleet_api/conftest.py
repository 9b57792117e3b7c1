"""API fixtures: the app on a fresh seeded database (routes commit), signed-in clients, a clock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import uvicorn
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleet_api.settings import ApiSettings
from localbrokers.ports import free_port
from tests.conftest import DEMO_PASSWORD, database_url
from tests.processes import wait_until

# Demo username of each role (fleetbase.seed_data.DEMO_USERS).
DEMO_LOGINS = {
    "admin": "admin",
    "fleet_manager": "manager",
    "coordinator": "coordinator",
    "mechanic": "mechanic",
    "garage_partner": "garage",
    "prescriber": "prescriber",
}


def api_settings(url: str, **overrides) -> ApiSettings:
    values = dict(
        database_url=url,
        demo_mode=True,
        demo_password=DEMO_PASSWORD,
        mqtt_password="ingest-password-for-tests",
        health_timeout_s=2,
        db_pool_min=1,
        db_pool_max=4,
    )
    return ApiSettings(**(values | overrides))


class Clock:
    """A wall clock the test moves by hand."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def token_for(client: TestClient, username: str, password: str = DEMO_PASSWORD) -> str:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def api_db(databases, seeded_template) -> Iterator[str]:
    name = create_from_template(databases, seeded_template)
    yield database_url(name)
    databases.drop(name)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(api_db, clock) -> Iterator[TestClient]:
    with TestClient(create_app(api_settings(api_db), clock=clock)) as test_client:
        yield test_client


@pytest.fixture
def as_role(client) -> dict[str, dict[str, str]]:
    """Authorization headers of the demo user of each role, by role code."""
    return {role: bearer(token_for(client, username)) for role, username in DEMO_LOGINS.items()}


@pytest.fixture(scope="module")
def module_db(databases, seeded_template) -> str:
    """One seeded database shared by a module (its tests' writes do not disturb each other)."""
    return database_url(create_from_template(databases, seeded_template))


def create_from_template(databases, template: str) -> str:
    """A copy of the template (which takes no connection: tests/conftest.py)."""
    return databases.create(template=template)


class Server:
    """The app served by a real uvicorn on a free loopback port, in a thread."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", timeout_graceful_shutdown=1)
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        wait_until(lambda: self.server.started, timeout=30, interval=0.02, message="uvicorn did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
