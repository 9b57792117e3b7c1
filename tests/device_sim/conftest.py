"""Helpers for the simulator's tests: settings aimed at the test broker, and a real
subscriber logged in as the ingest workers are (never a mocked broker)."""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import paho.mqtt.client as mqtt
import pytest

from device_sim.model import demo_vehicles
from device_sim.publisher import FleetPublisher
from device_sim.reading import Reading
from device_sim.settings import SimulatorSettings
from device_sim.vehicle import VehicleModel
from tests.conftest import DEMO_PASSWORD

INGEST_LOGIN = ("ingest", "ingest-password-for-tests")


@dataclass(frozen=True)
class Received:
    topic: str
    payload: bytes
    retain: bool

    def json(self):
        return json.loads(self.payload)


class Subscriber:
    """Collects every message on `topics`; with `persistent`, the broker keeps its
    session (and queues for it) across a restart."""

    def __init__(self, port: int, topics: tuple[str, ...], *, client_id: str, persistent: bool) -> None:
        self.topics = topics
        self.messages: list[Received] = []
        self._changed = threading.Condition()
        # Mosquitto 2.0.11 forgets, over a restart, the MQTT 5 sessions of clients that
        # were connected when it stopped; MQTT 3.1.1 persistent sessions survive.
        protocol = mqtt.MQTTv311 if persistent else mqtt.MQTTv5
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=protocol,
            clean_session=False if persistent else None,
        )
        self.client.username_pw_set(*INGEST_LOGIN)
        self.client.reconnect_delay_set(0.1, 0.5)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message
        self.subscribed = threading.Event()
        self.client.on_subscribe = lambda *_: self.subscribed.set()
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        assert self.subscribed.wait(5), "the test subscriber could not subscribe"

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        client.subscribe([(topic, 1) for topic in self.topics])

    def _on_message(self, client, userdata, message) -> None:
        with self._changed:
            self.messages.append(Received(message.topic, message.payload, bool(message.retain)))
            self._changed.notify_all()

    def wait_for(self, condition: Callable[[list[Received]], bool], timeout: float = 20.0) -> list[Received]:
        """Wait until `condition(messages)` holds; fail the test after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not condition(self.messages):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    pytest.fail(
                        f"condition not met after {timeout} s; got {len(self.messages)} messages: "
                        f"{[(message.topic, message.payload[:60]) for message in self.messages]}"
                    )
                self._changed.wait(remaining)
            return list(self.messages)

    def on(self, topic: str) -> list[Received]:
        with self._changed:
            return [message for message in self.messages if message.topic == topic]

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def subscribe(broker) -> Iterator[Callable[..., Subscriber]]:
    """`subscribe("fleet/+/telemetry", …)` → a running Subscriber, closed after the test."""
    opened: list[Subscriber] = []

    def make(*topics: str, persistent: bool = False) -> Subscriber:
        subscriber = Subscriber(
            broker.files.port, topics, client_id=f"test-ingest-{len(opened)}", persistent=persistent
        )
        opened.append(subscriber)
        return subscriber

    yield make
    for subscriber in opened:
        subscriber.close()


@pytest.fixture
def sim_settings(broker) -> Callable[..., SimulatorSettings]:
    """Settings aimed at the test broker, reconnecting quickly; overrides as keywords."""

    def make(**overrides) -> SimulatorSettings:
        values = {
            "mqtt_url": f"mqtt://127.0.0.1:{broker.files.port}",
            "demo_mode": True,
            "demo_password": DEMO_PASSWORD,
            "sim_reconnect_min_delay_s": 0.1,
            "sim_reconnect_max_delay_s": 0.3,
        } | overrides
        return SimulatorSettings(**values)

    return make


def readings_of(tracker_id: str, count: int, *, seed: int = 1) -> list[Reading]:
    """The first `count` readings of one demo vehicle's model, from a fixed Monday."""
    start = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
    model = VehicleModel(demo_vehicles([tracker_id])[0], start=start, seed=seed, zone=ZoneInfo("Europe/Paris"))
    readings: list = []
    until = start
    while len(readings) < count:
        until += timedelta(hours=1)
        readings += model.advance(until)
    return readings[:count]


@pytest.fixture
def open_publisher(broker) -> Iterator[Callable[..., FleetPublisher]]:
    """`open_publisher(settings, tracker_ids)` → a started, connected FleetPublisher,
    closed (threads joined) after the test."""
    opened: list[FleetPublisher] = []

    def make(settings: SimulatorSettings, tracker_ids: list[str], *, seed: int = 1) -> FleetPublisher:
        publisher = FleetPublisher(settings, tracker_ids, rng=random.Random(seed))
        opened.append(publisher)
        publisher.start()
        assert publisher.wait_connected(5), "the trackers could not log in"
        return publisher

    yield make
    for publisher in opened:
        publisher.close()
