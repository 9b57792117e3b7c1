"""What the live fleet and its stream show of a lent vehicle: the location policy, an open
incident (precise, for those who follow it, audited), and never a speed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.fleet_api.conftest import Server, api_settings, bearer, token_for
from tests.fleet_api.test_live import sign_in, sse_events


@pytest.fixture
def lent_car(api_db) -> int:
    """car-02, seen a moment ago driving at 42 km/h, on an active loan."""
    now = datetime.now(UTC)
    with connect(api_db) as conn:
        car = conn.execute("SELECT id FROM vehicles WHERE label = 'car-02'").fetchone()["id"]
        conn.execute(
            "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, heading_deg, speed_kmh, ignition,"
            " battery_pct, effective_odometer_km, online, last_seen_at)"
            " VALUES (%(id)s, %(now)s, 43.712345, -1.054321, 90, 42, true, 77, 12000.5, true, %(now)s)",
            {"id": car, "now": now},
        )
        conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " VALUES (%(id)s, 'active', %(start)s, %(end)s, %(end)s, %(start)s)",
            {"id": car, "start": now - timedelta(days=1), "end": now + timedelta(days=6)},
        )
    return car


def live_as(api_db, username: str, **settings) -> dict:
    with TestClient(create_app(api_settings(api_db, **settings))) as client:
        response = client.get("/api/v1/fleet/live", headers=bearer(token_for(client, username)))
    assert response.status_code == 200
    return next(vehicle for vehicle in response.json() if vehicle["label"] == "car-02")


def looks(api_db) -> list[dict]:
    with connect(api_db) as conn:
        return conn.execute(
            "SELECT a.action, u.username, a.subject_id, a.reason, a.details FROM audit_log a"
            " JOIN users u ON u.id = a.user_id WHERE a.action = 'view_live' ORDER BY a.id"
        ).fetchall()


def test_coarse_by_default_about_a_kilometre_and_no_speed(api_db, lent_car):
    car = live_as(api_db, "manager")
    assert (car["lat"], car["lon"], car["position_precision"]) == (43.71, -1.05, "coarse")
    assert car["speed_kmh"] is None and car["heading_deg"] is None
    assert looks(api_db) == []  # a coarse position is no look at the participant's


def test_incident_only_shows_no_position_only_energy_odometer_and_online_state(api_db, lent_car):
    car = live_as(api_db, "admin", loan_location_policy="incident_only")
    assert (car["lat"], car["lon"], car["position_precision"]) == (None, None, "hidden")
    assert car["speed_kmh"] is None and car["heading_deg"] is None and car["ignition"] is None
    assert (car["battery_pct"], car["effective_odometer_km"], car["online"]) == (77, 12000.5, True)


def test_precise_shows_the_position_without_speed_and_each_look_is_audited(api_db, lent_car):
    car = live_as(api_db, "coordinator", loan_location_policy="precise")
    assert (car["lat"], car["lon"], car["position_precision"]) == (43.712345, -1.054321, "precise")
    assert car["speed_kmh"] is None and car["heading_deg"] is None
    (look,) = looks(api_db)
    assert (look["username"], look["subject_id"], look["reason"]) == ("coordinator", str(lent_car), "precise_policy")


def test_during_an_incident_the_manager_sees_the_vehicle_precisely_and_others_do_not(api_db, lent_car):
    with TestClient(create_app(api_settings(api_db, loan_location_policy="incident_only"))) as client:
        opened = client.post(
            "/api/v1/incidents",
            headers=bearer(token_for(client, "admin")),
            json={"vehicle_id": lent_car, "kind": "assistance_requested", "reason": "Panne signalée par téléphone."},
        )
        assert opened.status_code == 201
    manager = live_as(api_db, "manager", loan_location_policy="incident_only")
    mechanic = live_as(api_db, "mechanic", loan_location_policy="incident_only")

    assert (manager["lat"], manager["position_precision"], manager["incident_id"]) == (
        43.712345,
        "precise",
        opened.json()["id"],
    )
    assert manager["speed_kmh"] is None
    assert (mechanic["lat"], mechanic["position_precision"]) == (None, "hidden")
    (look,) = looks(api_db)
    assert (look["username"], look["reason"], look["details"]["incident_id"]) == (
        "manager",
        "incident",
        opened.json()["id"],
    )


def test_a_stream_shows_the_vehicle_precisely_once_an_incident_opens_and_audits_it_once(api_db, lent_car):
    with Server(create_app(api_settings(api_db))) as server:
        manager, admin = sign_in(server.url, "manager"), sign_in(server.url, "admin")
        with httpx.stream("GET", f"{server.url}/api/v1/fleet/stream", headers=manager, timeout=15) as response:
            events = sse_events(response)
            kind, snapshot = next(events)
            assert next(v for v in snapshot if v["vehicle_id"] == lent_car)["position_precision"] == "coarse"

            opened = httpx.post(
                f"{server.url}/api/v1/incidents",
                headers=admin,
                json={"vehicle_id": lent_car, "kind": "theft_suspected", "reason": "Vol déclaré à la gendarmerie."},
            )
            assert opened.status_code == 201

            kind, car = next((kind, data) for kind, data in events if kind == "vehicle")
            assert car["vehicle_id"] == lent_car and car["lat"] == 43.712345 and car["speed_kmh"] is None
            assert car["incident_id"] == opened.json()["id"]
    (look,) = looks(api_db)
    assert look["username"] == "manager" and look["details"]["incident_id"] == opened.json()["id"]
