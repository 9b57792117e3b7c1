"""The commands as `make demo` and a benchmark script run them: real processes,
settings from FLEET_* variables, a clean stop on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from fleetbase.seed_data import fleet
from tests.conftest import DEMO_PASSWORD
from tests.processes import running, wait_until

ROOT = Path(__file__).resolve().parents[2]


def simulator_environment(broker, **variables: str) -> dict[str, str]:
    return (
        os.environ
        | {
            "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{broker.files.port}",
            "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
            "FLEET_DEMO_MODE": "true",
        }
        | variables
    )


def simulator(broker, *arguments: str) -> subprocess.Popen:
    environment = simulator_environment(broker)
    return subprocess.Popen(
        [sys.executable, "-m", "device_sim", *arguments],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_default_command_runs_the_whole_fleet_until_sigterm(broker, subscribe):
    everyone = {vehicle.tracker_id for vehicle in fleet()}
    subscriber = subscribe("fleet/+/telemetry", "fleet/+/status")
    process = simulator(broker, "--time-factor", "3600", "--report-interval", "0.5", "--seed", "4")
    try:
        subscriber.wait_for(
            lambda messages: (
                {message.topic.split("/")[1] for message in messages if message.topic.endswith("/telemetry")}
                == everyone
            ),
            timeout=20,
        )
        process.send_signal(signal.SIGTERM)
        _, log = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()

    assert process.returncode == 0
    assert "42/42 online" in log and "simulator stopped" in log

    def last_statuses(messages) -> dict[str, bool]:
        return {
            message.topic.split("/")[1]: message.json()["online"]
            for message in messages
            if message.topic.endswith("/status")
        }

    # Each tracker's last word is a retained "offline", said before it disconnected.
    subscriber.wait_for(lambda messages: last_statuses(messages) == {tracker_id: False for tracker_id in everyone})


def test_the_load_command_prints_json_reports(broker):
    process = simulator(broker, "load", "--trackers", "5", "--rate", "200", "--duration", "1", "--report-every", "0.4")
    output, errors = process.communicate(timeout=30)

    lines = [json.loads(line) for line in output.splitlines()]
    assert process.returncode == 0, errors
    assert lines[-1]["final"] is True and lines[-1]["event"] == "load_report"
    assert lines[-1]["published"] == lines[-1]["acknowledged"] == 200
    assert any(line["final"] is False for line in lines)


def _telemetry_from_everyone(subscriber) -> None:
    everyone = {vehicle.tracker_id for vehicle in fleet()}
    subscriber.wait_for(
        lambda messages: (
            {message.topic.split("/")[1] for message in messages if message.topic.endswith("/telemetry")} == everyone
        ),
        timeout=60,
    )


def _stopped_within(process: subprocess.Popen, seconds: float) -> float | None:
    """SIGTERM, then how long the process took to exit; None if it was still running after `seconds`."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return None
    return time.monotonic() - started


def test_sigterm_stops_the_simulator_within_its_grace_while_the_broker_does_not_answer(broker, subscribe):
    grace = 4.0
    subscriber = subscribe("fleet/+/telemetry")
    with running(
        [sys.executable, "-m", "device_sim", "--time-factor", "3600", "--seed", "5"],
        cwd=ROOT,
        env=simulator_environment(broker, FLEET_SIM_STOP_GRACE_S=str(grace)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        grace=1,
    ) as process:
        _telemetry_from_everyone(subscriber)
        broker.process.send_signal(signal.SIGSTOP)  # a broker too busy to acknowledge anything
        try:
            took = _stopped_within(process, grace + 6)
        finally:
            broker.process.send_signal(signal.SIGCONT)
        assert took is not None, "the simulator was still running 6 s past its grace"
    assert took <= grace + 3
    assert process.returncode == 0 and "simulator stopped" in process.stderr.read()


def test_a_simulator_stuck_on_a_desk_that_never_answers_still_exits_after_its_grace(broker):
    grace = 3.0
    with socket.create_server(("127.0.0.1", 0)) as desk:  # accepts connections, never answers
        url = f"http://127.0.0.1:{desk.getsockname()[1]}"
        with running(
            [sys.executable, "-m", "device_sim", "--time-factor", "60", "--only", "car-01"],
            cwd=ROOT,
            env=simulator_environment(broker, FLEET_SIM_STOP_GRACE_S=str(grace), FLEET_SIM_DESK_URL=url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            grace=1,
        ) as process:
            desk.settimeout(60)
            waiting, _ = desk.accept()  # the simulator is now waiting for the desk's answer
            with waiting:
                took = _stopped_within(process, grace + 6)
            assert took is not None, "the simulator was still running 6 s past its grace"
        assert took <= grace + 3
        assert process.returncode == 3 and "exiting anyway" in process.stderr.read()


def test_sigterm_stops_a_load_run_within_its_grace_while_the_broker_does_not_answer(broker):
    grace = 3.0
    with running(
        [
            sys.executable,
            "-m",
            "device_sim",
            "load",
            "--trackers",
            "100",
            "--rate",
            "2000",
            "--duration",
            "600",
            "--report-every",
            "0.2",
        ],
        cwd=ROOT,
        env=simulator_environment(broker, FLEET_SIM_STOP_GRACE_S=str(grace)),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        grace=1,
    ) as process:
        reports = (json.loads(line) for line in process.stdout)
        wait_until(
            lambda: next(reports)["acknowledged"] > 1000, timeout=60, interval=0, message="the load run never got going"
        )
        broker.process.send_signal(signal.SIGSTOP)
        try:
            took = _stopped_within(process, grace + 6)
        finally:
            broker.process.send_signal(signal.SIGCONT)
        assert took is not None, "the load run was still running 6 s past its grace"
        final = [json.loads(line) for line in process.stdout.read().splitlines()][-1]
    assert took <= grace + 3 and process.returncode == 0
    assert final["final"] is True and final["published"] >= final["acknowledged"] > 1000
