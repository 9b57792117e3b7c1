"""The commands as `make demo` and a benchmark script run them: real processes,
settings from FLEET_* variables, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from fleetbase.seed_data import fleet
from tests.conftest import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]


def simulator(broker, *arguments: str) -> subprocess.Popen:
    environment = os.environ | {"FLEET_MQTT_URL": f"mqtt://127.0.0.1:{broker.files.port}",
                                "FLEET_DEMO_PASSWORD": DEMO_PASSWORD, "FLEET_DEMO_MODE": "true"}
    return subprocess.Popen([sys.executable, "-m", "device_sim", *arguments], cwd=ROOT, env=environment,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_the_default_command_runs_the_whole_fleet_until_sigterm(broker, subscribe):
    everyone = {vehicle.tracker_id for vehicle in fleet()}
    subscriber = subscribe("fleet/+/telemetry", "fleet/+/status")
    process = simulator(broker, "--time-factor", "3600", "--report-interval", "0.5", "--seed", "4")
    try:
        subscriber.wait_for(lambda messages: {message.topic.split("/")[1] for message in messages
                                              if message.topic.endswith("/telemetry")} == everyone, timeout=20)
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0
    assert "42/42 online" in log and "simulator stopped" in log

    def last_statuses(messages) -> dict[str, bool]:
        return {message.topic.split("/")[1]: message.json()["online"]
                for message in messages if message.topic.endswith("/status")}

    # Each tracker's last word is a retained "offline", said before it disconnected.
    subscriber.wait_for(lambda messages: last_statuses(messages) == {tracker_id: False for tracker_id in everyone})


def test_the_load_command_prints_json_reports(broker):
    process = simulator(broker, "load", "--trackers", "5", "--rate", "200", "--duration", "1",
                        "--report-every", "0.4")
    output, errors = process.communicate(timeout=30)

    lines = [json.loads(line) for line in output.splitlines()]
    assert process.returncode == 0, errors
    assert lines[-1]["final"] is True and lines[-1]["event"] == "load_report"
    assert lines[-1]["published"] == lines[-1]["acknowledged"] == 200
    assert any(line["final"] is False for line in lines)
