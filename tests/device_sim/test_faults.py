"""Each fault switch makes the trackers send its fault, through the real broker, to a
real subscriber logged in as the ingest workers; with the switches off nothing is
altered."""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta

import pytest

from device_sim.faults import FaultInjector
from device_sim.roads import distance_m
from tests.device_sim.conftest import readings_of

TRACKER = "car-03"


def publish_with(fault: str, sim_settings, subscribe, open_publisher, *, count: int = 12):
    """Send `count` readings of TRACKER with one fault at rate 1; return (sent, subscriber)."""
    subscriber = subscribe("fleet/+/telemetry")
    publisher = open_publisher(sim_settings(**{f"sim_fault_{fault}": True, "sim_fault_rate": 1.0}), [TRACKER])
    readings = readings_of(TRACKER, count)
    for reading in readings:
        publisher.send(TRACKER, reading)
    assert publisher.faults[fault] > 0
    return [reading.to_json() for reading in readings], subscriber


def test_gps_jumps_put_fixes_at_0_0_or_hundreds_of_km_away(sim_settings, subscribe, open_publisher):
    sent, subscriber = publish_with("gps_jump", sim_settings, subscribe, open_publisher)

    received = [message.json() for message in subscriber.wait_for(lambda messages: len(messages) == len(sent))]
    for original, jumped in zip(sent, received):
        assert jumped["seq"] == original["seq"] and jumped["ts"] == original["ts"]
        away_km = distance_m((original["lat"], original["lon"]), (jumped["lat"], jumped["lon"])) / 1000
        assert (jumped["lat"], jumped["lon"]) == (0.0, 0.0) or away_km > 200


def test_duplicates_send_the_same_reading_twice(sim_settings, subscribe, open_publisher):
    sent, subscriber = publish_with("duplicate", sim_settings, subscribe, open_publisher)

    received = [message.json() for message in subscriber.wait_for(lambda messages: len(messages) == 2 * len(sent))]
    assert received == [reading for reading in sent for _ in range(2)]


def test_out_of_order_batches_arrive_shuffled(sim_settings, subscribe, open_publisher):
    sent, subscriber = publish_with("out_of_order", sim_settings, subscribe, open_publisher, count=20)

    batches = [
        message.json()
        for message in subscriber.wait_for(lambda messages: sum(len(message.json()) for message in messages) >= 12)
    ]
    assert all(isinstance(batch, list) and len(batch) >= 3 for batch in batches)
    assert all(
        [reading["seq"] for reading in batch] != sorted(reading["seq"] for reading in batch) for batch in batches
    )
    assert all(reading in sent for batch in batches for reading in batch)


def test_clock_skew_moves_fix_times_days_ahead_or_back_a_gps_week_rollover(sim_settings, subscribe, open_publisher):
    sent, subscriber = publish_with("clock_skew", sim_settings, subscribe, open_publisher)

    received = [message.json() for message in subscriber.wait_for(lambda messages: len(messages) == len(sent))]
    for original, skewed in zip(sent, received):
        shift = datetime.fromisoformat(skewed["ts"]) - datetime.fromisoformat(original["ts"])
        assert shift >= timedelta(days=1) or shift == -timedelta(weeks=1024)
        assert {key: value for key, value in skewed.items() if key != "ts"} == {
            key: value for key, value in original.items() if key != "ts"
        }


def test_malformed_payloads_are_cut_short_json(sim_settings, subscribe, open_publisher):
    sent, subscriber = publish_with("malformed", sim_settings, subscribe, open_publisher)

    payloads = [message.payload for message in subscriber.wait_for(lambda messages: len(messages) == len(sent))]
    for original, payload in zip(sent, payloads):
        with pytest.raises(json.JSONDecodeError):
            json.loads(payload)
        assert json.dumps(original).encode().startswith(payload)


def test_an_unknown_tracker_publishes_through_the_simulator_login(broker, sim_settings, subscribe, open_publisher):
    sent, subscriber = publish_with("unknown_tracker", sim_settings, subscribe, open_publisher)

    messages = subscriber.wait_for(lambda messages: len(messages) == 2 * len(sent))
    ghosts = [message for message in messages if message.topic != f"fleet/{TRACKER}/telemetry"]
    assert [message.json() for message in subscriber.on(f"fleet/{TRACKER}/telemetry")] == sent
    assert {message.topic for message in ghosts} <= {f"fleet/ghost-0{n}/telemetry" for n in range(1, 6)}
    assert sorted(message.json()["seq"] for message in ghosts) == [reading["seq"] for reading in sent]
    assert "u'simulator'" in broker.files.log_file.read_text()


def test_faults_strike_at_the_configured_rate_and_only_when_switched_on():
    reading = readings_of(TRACKER, 1)[0].to_json()
    sometimes = FaultInjector(("gps_jump", "duplicate"), rate=0.2, rng=random.Random(3))
    never = FaultInjector((), rate=1.0, rng=random.Random(3))

    faulty = sum(any(message.fault for message in sometimes.messages(TRACKER, dict(reading))) for _ in range(1000))
    untouched = [never.messages(TRACKER, dict(reading)) for _ in range(100)]

    assert 150 <= faulty <= 250
    assert all(
        len(messages) == 1 and messages[0].payload == reading and messages[0].fault is None for messages in untouched
    )
