"""Tracker health and dead letters, fed by a real ingest worker through a real broker."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.fleet_api.conftest import Server, api_settings
from tests.fleet_api.test_live import sign_in
from tests.ingest.conftest import Worker, publish, worker_settings  # noqa: F401 (fixture)
from tests.processes import wait_until


@pytest.fixture
def pipeline_db(api_db) -> str:
    return api_db


def test_health_counts_received_and_refused_messages_and_dead_letters_say_why_in_french(
    pipeline_db, broker, worker_settings
):
    now = datetime.now(UTC).replace(microsecond=0)
    good = {"ts": (now - timedelta(seconds=30)).isoformat(), "lat": 43.7102, "lon": -1.0531, "fuel_pct": 50}
    with connect(pipeline_db) as conn:  # car-02 is lent: what it sends is the participant's
        conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " SELECT id, 'active', %(start)s, %(end)s, %(end)s, %(start)s FROM vehicles"
            " WHERE label = 'car-02'",
            {"start": now - timedelta(days=1), "end": now + timedelta(days=6)},
        )
    with Worker(worker_settings), Server(create_app(api_settings(pipeline_db))) as server:
        headers = sign_in(server.url, "manager")
        publish(broker.files.port, "car-01", json.dumps(good))
        publish(broker.files.port, "car-01", "{not json")
        publish(broker.files.port, "car-02", json.dumps({"ts": good["ts"], "lat": 43.71, "lon": 200.0}))

        def letters():
            answer = httpx.get(f"{server.url}/api/v1/dead-letters", headers=headers)
            assert answer.status_code == 200, answer.text
            return answer.json() if len(answer.json()) == 2 else None

        by_tracker = {letter["tracker_id"]: letter for letter in wait_until(letters, timeout=20)}
        health = {
            row["tracker_id"]: row for row in httpx.get(f"{server.url}/api/v1/trackers/health", headers=headers).json()
        }
        only_car_01 = httpx.get(
            f"{server.url}/api/v1/dead-letters", params={"tracker_id": "car-01"}, headers=headers
        ).json()
        coordinator = httpx.get(f"{server.url}/api/v1/dead-letters", headers=sign_in(server.url, "coordinator"))

    assert by_tracker["car-01"]["reason_text"] == "Contenu illisible (JSON invalide)"
    assert by_tracker["car-01"]["payload_text"] == "{not json" and by_tracker["car-01"]["lent"] is False
    lent = by_tracker["car-02"]
    assert lent["lent"] is True and lent["reason_text"] == "Valeur hors limites"
    assert "43.71" not in lent["payload_text"] and "200" not in lent["payload_text"]
    assert "43.71" not in lent["detail"] and "200" not in lent["detail"] and "masqué" in lent["detail"]
    assert json.loads(lent["payload_text"])["lat"] == "masqué : véhicule en prêt"
    assert health["car-01"]["received_24h"] == 1 and health["car-01"]["refused_24h"] == 1
    assert datetime.fromisoformat(health["car-01"]["last_fix_at"]) == datetime.fromisoformat(good["ts"])
    assert health["car-02"]["refused_24h"] == 1
    assert health["scooter-01"]["received_24h"] == 0 and health["scooter-01"]["last_seen_at"] is None
    assert [letter["tracker_id"] for letter in only_car_01] == ["car-01"]
    assert coordinator.status_code == 403
