"""Load mode publishes valid readings for many virtual trackers through the simulator
login, at the rate asked, and counts the broker's acknowledgements."""

from __future__ import annotations

import time
from datetime import datetime

from device_sim.load import run_load


def test_a_load_run_publishes_at_the_rate_asked_and_every_message_is_acknowledged(sim_settings, subscribe):
    subscriber = subscribe("fleet/+/telemetry")
    reports = []

    final = run_load(
        sim_settings(), trackers=20, rate=400, duration=1.0, report_interval_s=0.3, on_report=reports.append
    )

    assert final.final and final.error is None
    assert final.published == final.acknowledged == 400 and final.rejected == 0
    assert 0.9 <= final.elapsed_s <= 1.3 and 300 <= final.rate <= 440
    assert [report.final for report in reports] == [False] * (len(reports) - 1) + [True]
    assert len(reports) >= 3  # progress lines while it ran
    messages = subscriber.wait_for(lambda messages: len(messages) == 400)
    assert {message.topic for message in messages} == {f"fleet/load-{n:05d}/telemetry" for n in range(1, 21)}


def test_load_readings_are_native_readings_stamped_with_their_send_time(sim_settings, subscribe):
    subscriber = subscribe("fleet/load-00003/telemetry")

    run_load(sim_settings(), trackers=5, rate=100, duration=0.5)

    readings = [message.json() for message in subscriber.wait_for(lambda messages: len(messages) == 10)]
    assert [reading["seq"] for reading in readings] == list(range(1, 11))
    for reading in readings:
        assert {"ts", "lat", "lon", "speed_kmh", "odometer_km", "ignition", "seq", "sent_at"} <= set(reading)
        fix_time = datetime.fromisoformat(reading["ts"]).timestamp()
        assert abs(fix_time - reading["sent_at"]) < 0.01
        assert abs(time.time() - reading["sent_at"]) < 10
        assert 43.4 < reading["lat"] < 43.9 and -1.6 < reading["lon"] < -0.9


def test_a_load_run_on_another_prefix_and_several_connections(sim_settings, subscribe):
    subscriber = subscribe("fleet/+/telemetry")

    final = run_load(sim_settings(), trackers=3, rate=300, duration=0.5, connections=3, tracker_prefix="bench-")

    assert final.published == final.acknowledged == 150
    messages = subscriber.wait_for(lambda messages: len(messages) == 150)
    assert {message.topic for message in messages} == {f"fleet/bench-0000{n}/telemetry" for n in (1, 2, 3)}
