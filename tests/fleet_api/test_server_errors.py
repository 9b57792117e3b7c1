"""No input, however bad, gives a 5xx: badly typed zone properties, times at the edge of the
calendar on every route that takes one, and the database's refusals wherever they escape."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleet_api.deps import DbConn
from tests.fleet_api.conftest import DEMO_LOGINS, api_settings, bearer, token_for

# Times Python parses but cannot shift by a day or move to UTC, and naive ones.
EDGE_TIMES = (
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-01:00",
    "9999-12-31T23:59:59",
)
EDGE_DATES = ("0001-01-01", "9999-12-31")


@pytest.fixture
def raw_client(api_db, clock) -> Iterator[TestClient]:
    """A client that answers a server error as a 500 instead of raising it in the test."""
    with TestClient(create_app(api_settings(api_db), clock=clock), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def admin(raw_client) -> dict[str, str]:
    return bearer(token_for(raw_client, DEMO_LOGINS["admin"]))


def assert_refused(response, status: int = 422) -> None:
    assert response.status_code == status, (response.request.url, response.status_code, response.text)
    assert set(response.json()) == {"error", "detail"}


@pytest.mark.parametrize("site_id", [True, False, {}, [], "1", 1.5])
def test_a_zone_whose_site_id_is_not_an_id_is_refused(raw_client, admin, site_id):
    feature = {
        "type": "Feature",
        "properties": {"name": "Dépôt bizarre", "kind": "depot", "site_id": site_id, "radius_m": 100},
        "geometry": {"type": "Point", "coordinates": [-1.05, 43.7]},
    }

    assert_refused(raw_client.post("/api/v1/geofences", headers=admin, json=feature))
    assert_refused(raw_client.patch("/api/v1/geofences/1", headers=admin, json={"site_id": site_id}))


def test_a_zone_with_a_real_site_is_still_a_depot(raw_client, admin):
    # around site 1 (Dax): a depot zone must hold its site
    feature = {
        "type": "Feature",
        "properties": {"name": "Second dépôt", "kind": "depot", "site_id": 1, "radius_m": 100},
        "geometry": {"type": "Point", "coordinates": [-1.0496, 43.7089]},
    }

    created = raw_client.post("/api/v1/geofences", headers=admin, json=feature)

    assert created.status_code == 201, created.text
    assert created.json()["properties"]["site_id"] == 1


@pytest.mark.parametrize("moment", EDGE_TIMES)
def test_every_route_taking_a_time_refuses_one_it_cannot_compute_with(raw_client, admin, moment):
    routes = [
        ("/api/v1/events", "from"),
        ("/api/v1/events", "to"),
        ("/api/v1/bookings", "from"),
        ("/api/v1/bookings", "to"),
        ("/api/v1/vehicles/1/positions", "from"),
        ("/api/v1/vehicles/1/positions", "to"),
        ("/api/v1/vehicles/1/positions.csv", "to"),
        ("/api/v1/vehicles/1/positions.gpx", "to"),
        ("/api/v1/vehicles/1/trips", "from"),
        ("/api/v1/vehicles/1/trips", "to"),
    ]
    for path, name in routes:
        response = raw_client.get(path, headers=admin, params={name: moment})
        assert response.status_code < 500, (path, name, response.text)
        if response.status_code != 200:
            assert_refused(response)
    for name, other in (("from", "2026-01-01T00:00:00Z"), ("to", "2026-01-01T00:00:00Z")):
        params = {name: moment, ("to" if name == "from" else "from"): other}
        assert_refused(raw_client.get("/api/v1/availability", headers=admin, params=params))
    booking = {"participant_id": 1, "vehicle_id": 1, "starts_at": moment, "ends_at": "2026-01-10T00:00:00Z"}
    assert_refused(raw_client.post("/api/v1/bookings", headers=admin, json=booking))
    assert_refused(
        raw_client.post(
            "/api/v1/bookings", headers=admin, json=booking | {"starts_at": "2026-01-01T00:00:00Z", "ends_at": moment}
        )
    )
    assert_refused(raw_client.post("/api/v1/bookings/1/extend", headers=admin, json={"ends_at": moment}))


def test_the_events_window_far_in_the_past_is_refused_not_a_crash(raw_client, admin):
    response = raw_client.get("/api/v1/events", headers=admin, params={"to": "0001-01-01T00:00:00Z"})

    assert_refused(response)


@pytest.mark.parametrize("day", EDGE_DATES)
def test_every_route_taking_a_date_refuses_one_out_of_range(raw_client, admin, day):
    assert_refused(raw_client.patch("/api/v1/vehicles/1", headers=admin, json={"insurance_expires_on": day}))
    assert_refused(
        raw_client.post(
            "/api/v1/vehicles/1/service-records",
            headers=admin,
            json={"performed_on": day, "odometer_km": 10, "tasks": ["service"]},
        )
    )
    assert_refused(
        raw_client.post(
            "/api/v1/participants",
            headers=admin,
            json={"first_name": "Alex", "last_name": "Date", "licences": [{"category": "B", "checked_on": day}]},
        )
    )
    for month in ("0001-01", "9999-12"):
        assert_refused(raw_client.get("/api/v1/reports/activity", headers=admin, params={"from": month}))


# A route of the test's own that provokes each kind of refusal on the real database, the
# way a repository that forgot `refusals_as_errors` would let it escape.
REFUSALS = {
    "unique": ("UPDATE vehicles SET label = (SELECT label FROM vehicles WHERE id = 2) WHERE id = 1", 409),
    "foreign_key": ("UPDATE vehicles SET home_site_id = 999999 WHERE id = 1", 422),
    "check": ("UPDATE vehicles SET kind = 'tank' WHERE id = 1", 422),
    "not_null": ("UPDATE vehicles SET label = NULL WHERE id = 1", 422),
    "exclusion": (
        "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until)"
        " SELECT 1, 'validated', t, t + interval '2 days', t + interval '2 days'"
        " FROM (VALUES (timestamptz '2030-01-01'), (timestamptz '2030-01-02')) AS s(t)",
        409,
    ),
    "data": ("SELECT 1 / 0", 422),
    "too_long_for_an_index": (
        "UPDATE vehicles SET label = (SELECT string_agg(md5(i::text), '')"
        " FROM generate_series(1, 400) AS i) WHERE id = 1",
        422,
    ),
}


@pytest.fixture
def refusing_client(api_db) -> Iterator[TestClient]:
    router = APIRouter()

    @router.post("/test/refusal/{kind}")
    def refuse(kind: str, conn: DbConn) -> dict:
        conn.execute(REFUSALS[kind][0])
        return {}

    app = create_app(api_settings(api_db))
    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.mark.parametrize("kind", sorted(REFUSALS))
def test_a_refusal_of_the_database_anywhere_answers_4xx_in_french(refusing_client, kind):
    response = refusing_client.post(f"/test/refusal/{kind}")

    assert_refused(response, REFUSALS[kind][1])
    detail = response.json()["detail"]
    assert detail.endswith(".") and any(word in detail for word in ("Cette", "Une", "Valeur", "Ces", "Cet"))
