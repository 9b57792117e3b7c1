"""Each tracker logs in with its own login, announces its status, and keeps its
readings while the broker is away. Real Mosquitto, real subscriber."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime

from device_sim.link import Link
from device_sim.publisher import link_options
from fleetbase.passwords import demo_tracker_password
from tests.conftest import DEMO_PASSWORD
from tests.device_sim.conftest import readings_of
from tests.processes import wait_until


def distinct(messages) -> list:
    """The payloads received, each once, in the order first received."""
    seen: list = []
    for message in messages:
        if message.json() not in seen:
            seen.append(message.json())
    return seen


def test_each_tracker_publishes_with_its_own_login_on_its_own_topic(broker, sim_settings, subscribe, open_publisher):
    trackers = ["car-01", "scooter-07", "ebike-03"]
    subscriber = subscribe("fleet/+/telemetry")
    publisher = open_publisher(sim_settings(), trackers)
    sent = {tracker_id: readings_of(tracker_id, 5) for tracker_id in trackers}

    for tracker_id, readings in sent.items():
        for reading in readings:
            publisher.send(tracker_id, reading)

    subscriber.wait_for(lambda messages: len(messages) == 15)
    for tracker_id, readings in sent.items():
        received = subscriber.on(f"fleet/{tracker_id}/telemetry")
        assert [message.json() for message in received] == [reading.to_json() for reading in readings]
    broker_log = broker.files.log_file.read_text()
    assert all(f"u'{tracker_id}'" in broker_log for tracker_id in trackers)
    # a subscriber's copy can arrive before the publisher's PUBACK does: wait for the acks
    wait_until(lambda: publisher.totals()["acknowledged"] == 15 + 3)
    assert publisher.totals()["published"] == 15 + 3


def test_a_connected_tracker_has_a_retained_online_status(sim_settings, subscribe, open_publisher):
    link = open_publisher(sim_settings(), ["ebike-02"]).links["ebike-02"]
    wait_until(lambda: link.acknowledged == 1)  # the broker holds the status

    later = subscribe("fleet/+/status")  # subscribes after the fact: gets the retained status
    [status] = later.wait_for(lambda messages: len(messages) == 1)

    assert status.topic == "fleet/ebike-02/status" and status.retain
    assert status.json()["online"] is True
    assert abs((datetime.now(UTC) - datetime.fromisoformat(status.json()["ts"])).total_seconds()) < 10


def test_a_tracker_that_stops_cleanly_leaves_a_retained_offline_status(sim_settings, subscribe, open_publisher):
    publisher = open_publisher(sim_settings(), ["car-04"])

    publisher.close()

    [status] = subscribe("fleet/car-04/status").wait_for(lambda messages: len(messages) == 1)
    assert status.retain and status.json()["online"] is False


def test_a_tracker_cut_off_abruptly_leaves_its_will(sim_settings, subscribe):
    link = Link("car-02", demo_tracker_password(DEMO_PASSWORD, "car-02"), options=link_options(sim_settings()))
    link.start()
    assert link.connected.wait(5)
    watcher = subscribe("fleet/car-02/status")
    watcher.wait_for(lambda messages: any(message.json()["online"] for message in messages))

    link.client.loop_stop()  # the tracker loses power: no DISCONNECT, the socket just closes
    link.client.socket().shutdown(socket.SHUT_RDWR)
    link.client.socket().close()

    messages = watcher.wait_for(lambda messages: any(not message.json()["online"] for message in messages))
    assert json.loads(messages[-1].payload)["online"] is False
    assert [
        message.json()["online"]
        for message in subscribe("fleet/car-02/status").wait_for(lambda messages: len(messages) == 1)
    ] == [False]  # the will was retained


def test_readings_made_while_the_broker_is_down_arrive_as_one_batch(broker, sim_settings, subscribe, open_publisher):
    subscriber = subscribe("fleet/+/telemetry", persistent=True)
    publisher = open_publisher(sim_settings(), ["scooter-04"])
    link = publisher.links["scooter-04"]
    first, *while_down, after = readings_of("scooter-04", 8)
    publisher.send("scooter-04", first)
    subscriber.wait_for(lambda messages: len(messages) == 1)

    broker.stop()
    wait_until(lambda: not link.connected.is_set())
    for reading in while_down:
        publisher.send("scooter-04", reading)
    kept = link.buffered
    broker.start()
    wait_until(link.connected.is_set, timeout=10)
    publisher.send("scooter-04", after)

    # At least once: a message the broker had not seen acknowledged when it stopped comes again.
    messages = subscriber.wait_for(lambda messages: len(distinct(messages)) == 3)
    assert kept == 6
    assert distinct(messages) == [first.to_json(), [reading.to_json() for reading in while_down], after.to_json()]
    assert link.buffered == 0 and link.batches_sent == 1
