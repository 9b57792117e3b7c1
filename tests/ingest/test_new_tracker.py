"""A tracker registered through the API and publishing at once loses none of its first readings.

The real API (TestClient on the worker's database, rewriting the real broker's password
file and sending it SIGHUP), the real Mosquitto, a real paho client with the login the
API just returned, and a worker whose tracker cache was loaded before the registration.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt
import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from tests.fleet_api.conftest import api_settings, bearer, token_for
from tests.ingest.conftest import publish, query, scalar, wait_until

BASE = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
READINGS = 300


def reading(seconds: int) -> str:
    return json.dumps(
        {
            "ts": (BASE + timedelta(seconds=seconds)).isoformat(),
            "lat": 43.71 + seconds * 1e-5,
            "lon": -1.05,
            "seq": seconds,
            "odometer_km": 500 + seconds * 0.01,
        }
    )


class Tracker:
    """A freshly installed box: a paho client that logs in as soon as it is given a login
    (retrying while the broker still refuses it) and publishes at once, QoS 1."""

    def __init__(self, port: int, username: str, password: str) -> None:
        self.acked: set[int] = set()
        self.lock = threading.Lock()
        self.connected = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"box-{username}", protocol=mqtt.MQTTv5)
        self.client.username_pw_set(username, password)
        self.client.max_queued_messages_set(0)
        self.client.reconnect_delay_set(min_delay=0.05, max_delay=0.2)
        self.client.on_connect = lambda client, userdata, flags, reason, props: (
            None if reason.is_failure else self.connected.set()
        )
        self.client.on_publish = self._on_publish
        self.mids: dict[int, int] = {}
        self.client.connect_async("127.0.0.1", port)
        self.client.loop_start()

    def _on_publish(self, client, userdata, mid, reason, properties) -> None:
        with self.lock:
            if not reason.is_failure:
                self.acked.add(mid)

    def publish_all(self, topic: str, count: int) -> list[int]:
        assert self.connected.wait(10), "the broker never accepted the new tracker's login"
        return [self.client.publish(topic, reading(seconds), qos=1).mid for seconds in range(count)]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def api(pipeline_db, broker, tmp_path):
    pid_file = tmp_path / "mosquitto.pid"
    pid_file.write_text(str(broker.process.pid))
    settings = api_settings(
        pipeline_db,
        mqtt_url=f"mqtt://127.0.0.1:{broker.files.port}",
        mqtt_password_file=broker.files.password_file,
        mqtt_broker_pid_file=pid_file,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_tracker_registered_through_the_api_and_publishing_at_once_has_every_reading_stored_once(
    pipeline_db, broker, worker, api
):
    # The worker is running and has read its trackers already (it stored car-01's reading).
    publish(broker.files.port, "car-01", reading(0))
    wait_until(lambda: scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'car-01'") == 1)
    admin = bearer(token_for(api, "admin"))

    vehicle = api.post(
        "/api/v1/vehicles",
        headers=admin,
        json={"label": "ecar-02", "kind": "ecar", "energy": "electric", "plate": "GE-002-LD", "home_site_id": 1},
    )
    registered = api.post(
        "/api/v1/trackers", headers=admin, json={"tracker_id": "ecar-02", "vehicle_id": vehicle.json()["id"]}
    )
    assert registered.status_code == 201, registered.text
    credentials = registered.json()
    tracker = Tracker(broker.files.port, credentials["mqtt_username"], credentials["mqtt_password"])
    try:
        mids = tracker.publish_all("fleet/ecar-02/telemetry", READINGS)
        wait_until(lambda: tracker.acked >= set(mids), timeout=30, message="the broker did not acknowledge all")
    finally:
        tracker.close()

    def stored() -> int:
        return scalar(pipeline_db, "SELECT count(DISTINCT seq) FROM positions WHERE tracker_id = 'ecar-02'")

    wait_until(
        lambda: stored() == READINGS,
        timeout=60,
        message=lambda: (
            f"{stored()} of {READINGS} stored; dead letters: "
            + str(query(pipeline_db, "SELECT reason, count(*) FROM dead_letters GROUP BY reason"))
        ),
    )
    assert scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'ecar-02'") == READINGS
    assert (
        scalar(pipeline_db, "SELECT count(*) FROM dead_letters WHERE tracker_id = 'ecar-02' AND replayed_at IS NULL")
        == 0
    )


def last_counters_save(url: str, client_id: str):
    """When the worker last saved its counters (every housekeeping round does)."""
    return scalar(url, "SELECT max(updated_at) FROM ingest_counters WHERE worker_id = %(w)s", {"w": client_id})


def test_readings_dead_lettered_while_their_tracker_was_unknown_are_stored_once_it_is_registered(
    pipeline_db, broker, worker
):
    # What a worker whose cache was behind wrote (before this fix): the whole message, kept.
    batch = json.dumps(
        [json.loads(reading(seconds)) for seconds in range(1, 4)]
        + [{"ts": BASE.isoformat(), "lat": 123.0, "lon": -1.05}]
    )
    letters = [
        ("fleet/ecar-03/telemetry", "ecar-03", reading(0).encode()),
        ("fleet/ecar-03/telemetry", "ecar-03", batch.encode()),
        ("fleet/ghost-02/telemetry", "ghost-02", reading(0).encode()),
    ]
    for topic, tracker_id, payload in letters:
        query(
            pipeline_db,
            "INSERT INTO dead_letters (topic, tracker_id, payload, reason, detail)"
            " VALUES (%(topic)s, %(tracker)s, %(payload)s, 'unknown_tracker', 'not registered')"
            " RETURNING id",
            {"topic": topic, "tracker": tracker_id, "payload": payload},
        )

    query(
        pipeline_db,
        "WITH v AS (INSERT INTO vehicles (label, kind, energy, home_site_id)"
        " VALUES ('ebike-30', 'ebike', 'electric', 1) RETURNING id)"
        " INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash)"
        " SELECT 'ecar-03', id, 'x' FROM v RETURNING 1",
    )

    wait_until(
        lambda: scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'ecar-03'") == 4, timeout=30
    )
    replayed = query(
        pipeline_db,
        "SELECT tracker_id, replayed_at IS NOT NULL AS replayed FROM dead_letters"
        " WHERE reason = 'unknown_tracker' ORDER BY id",
    )
    assert replayed == [
        {"tracker_id": "ecar-03", "replayed": True},
        {"tracker_id": "ecar-03", "replayed": True},
        {"tracker_id": "ghost-02", "replayed": False},
    ]
    # The bad reading of the batch is judged now, once, with its own reason.
    assert query(
        pipeline_db, "SELECT reason FROM dead_letters WHERE tracker_id = 'ecar-03' AND reason <> 'unknown_tracker'"
    ) == [{"reason": "out_of_range"}]
    assert scalar(
        pipeline_db,
        "SELECT last_seen_at IS NOT NULL FROM vehicle_state s JOIN trackers t"
        " USING (vehicle_id) WHERE t.tracker_id = 'ecar-03'",
    )

    # Later rounds replay nothing again.
    client_id = worker.settings.ingest_client_id
    for _ in range(2):
        seen = last_counters_save(pipeline_db, client_id)
        wait_until(lambda seen=seen: last_counters_save(pipeline_db, client_id) > seen)
    assert worker.worker.counters.get("ingest_replayed_total") == 2
    assert scalar(pipeline_db, "SELECT count(*) FROM positions WHERE tracker_id = 'ecar-03'") == 4
    assert scalar(pipeline_db, "SELECT count(*) FROM dead_letters WHERE tracker_id = 'ecar-03'") == 3
