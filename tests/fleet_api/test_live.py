"""The live fleet and its stream, fed by a real ingest worker through a real broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import Server, api_settings
from tests.ingest.conftest import Worker, publish, worker_settings  # noqa: F401 (fixture)


@pytest.fixture
def pipeline_db(api_db) -> str:
    """The database the ingest worker (`worker_settings`) and the API share."""
    return api_db


def sse_events(response: httpx.Response):
    """(event, data) pairs of a Server-Sent Events response, as they arrive."""
    event, data = "message", []
    for line in response.iter_lines():
        if line == "":
            if data:
                yield event, json.loads("\n".join(data))
            event, data = "message", []
        elif line.startswith("event:"):
            event = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())


def sign_in(url: str, username: str) -> dict[str, str]:
    token = httpx.post(f"{url}/api/v1/auth/token", data={"username": username, "password": DEMO_PASSWORD}).json()[
        "access_token"
    ]
    return {"Authorization": f"Bearer {token}"}


def test_a_published_reading_reaches_a_connected_stream_client_and_a_reconnecting_one(
    pipeline_db, broker, worker_settings
):
    fix_time = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    reading = {
        "ts": fix_time.isoformat(),
        "lat": 43.7102,
        "lon": -1.0531,
        "speed_kmh": 37.5,
        "heading_deg": 212,
        "odometer_km": 10234.7,
        "fuel_pct": 64,
        "ignition": True,
    }
    with Worker(worker_settings), Server(create_app(api_settings(pipeline_db))) as server:
        headers = sign_in(server.url, "manager")
        with httpx.stream("GET", f"{server.url}/api/v1/fleet/stream", headers=headers, timeout=15) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = sse_events(response)
            kind, snapshot = next(events)
            assert kind == "snapshot" and len(snapshot) == 42
            assert next(v for v in snapshot if v["tracker_id"] == "car-01")["lat"] is None

            publish(broker.files.port, "car-01", json.dumps(reading))

            kind, vehicle = next(events)
            assert kind == "vehicle" and vehicle["tracker_id"] == "car-01"
            assert vehicle["lat"] == pytest.approx(43.7102) and vehicle["speed_kmh"] == pytest.approx(37.5)
            assert vehicle["fix_time"] == fix_time.isoformat() and vehicle["online"] is True

        with httpx.stream("GET", f"{server.url}/api/v1/fleet/stream", headers=headers, timeout=15) as response:
            kind, snapshot = next(sse_events(response))
            car = next(v for v in snapshot if v["tracker_id"] == "car-01")
            assert kind == "snapshot" and car["lat"] == pytest.approx(43.7102)
            assert car["effective_odometer_km"] == pytest.approx(10234.7) and car["fuel_pct"] == 64


def test_live_fleet_lists_every_vehicle_and_blurs_the_loaned_ones(api_db):
    now = datetime.now(UTC)
    with connect(api_db) as conn:
        conn.execute(
            "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, heading_deg, speed_kmh, last_seen_at)"
            " SELECT id, %(now)s, 43.712345, -1.054321, 90, 42, %(now)s FROM vehicles"
            " WHERE label IN ('car-01', 'car-02')",
            {"now": now},
        )
        conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until)"
            " SELECT id, 'active', %(start)s, %(end)s, %(end)s FROM vehicles WHERE label = 'car-02'",
            {"start": now - timedelta(days=1), "end": now + timedelta(days=6)},
        )
    with TestClient(create_app(api_settings(api_db))) as client:
        token = client.post("/api/v1/auth/token", data={"username": "coordinator", "password": DEMO_PASSWORD})
        response = client.get("/api/v1/fleet/live", headers={"Authorization": f"Bearer {token.json()['access_token']}"})

    assert response.status_code == 200
    fleet = {vehicle["label"]: vehicle for vehicle in response.json()}
    assert len(fleet) == 42
    assert fleet["car-01"]["lat"] == 43.712345 and fleet["car-01"]["position_precision"] == "precise"
    assert fleet["car-01"]["loan_status"] is None
    assert fleet["car-02"]["loan_status"] == "active" and fleet["car-02"]["position_precision"] == "coarse"
    assert (fleet["car-02"]["lat"], fleet["car-02"]["lon"], fleet["car-02"]["heading_deg"]) == (43.71, -1.05, None)
    assert fleet["car-01"]["speed_kmh"] == 42 and fleet["car-02"]["speed_kmh"] is None  # no speed while lent
    assert fleet["car-01"]["home_site_name"] == "Dépôt de Dax"
    assert fleet["scooter-01"]["online"] is False and fleet["scooter-01"]["fix_time"] is None


def test_after_losing_its_listen_connection_the_stream_resends_every_vehicle(api_db):
    with Server(create_app(api_settings(api_db))) as server:
        headers = sign_in(server.url, "admin")
        with httpx.stream("GET", f"{server.url}/api/v1/fleet/stream", headers=headers, timeout=15) as response:
            events = sse_events(response)
            assert next(events)[0] == "snapshot"
            with connect(api_db, autocommit=True) as conn:
                ended = conn.execute(
                    "SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity"
                    " WHERE application_name = 'fleet_api_live' AND datname = current_database()"
                ).fetchall()
            assert ended and all(row["ended"] for row in ended)

            resent = [next(events) for _ in range(42)]

    assert {kind for kind, _ in resent} == {"vehicle"}
    assert len({vehicle["vehicle_id"] for _, vehicle in resent}) == 42


def test_a_zone_transition_reaches_the_stream_as_a_fleet_event(pipeline_db, broker, worker_settings):
    with connect(pipeline_db) as conn:
        depot = conn.execute(
            "SELECT s.lat, s.lon, g.id AS zone FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
            " JOIN geofences g ON g.site_id = s.id WHERE v.label = 'car-04'"
        ).fetchone()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=10)
    track = [
        {
            "ts": (start + timedelta(seconds=20 * i)).isoformat(),
            "lat": depot["lat"] + max(0, i - 3) * 0.002,
            "lon": depot["lon"] + max(0, i - 3) * 0.002,
            "acc_m": 5,
            "ignition": i > 3,
        }
        for i in range(12)
    ]
    with Worker(worker_settings), Server(create_app(api_settings(pipeline_db))) as server:
        headers = sign_in(server.url, "manager")
        with httpx.stream("GET", f"{server.url}/api/v1/fleet/stream", headers=headers, timeout=15) as response:
            events = sse_events(response)
            assert next(events)[0] == "snapshot"

            publish(broker.files.port, "car-04", json.dumps(track))

            fleet_event = next(data for kind, data in events if kind == "fleet_event")
    assert fleet_event["type"] == "geofence_exit" and fleet_event["geofence_id"] == depot["zone"]
    assert "lat" not in fleet_event  # positions stay with the vehicle rows and their privacy rule
