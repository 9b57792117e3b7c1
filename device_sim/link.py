"""One MQTT connection of the simulator: a tracker's own login, or the service login.

While the broker is unreachable a link keeps its readings in its own buffer (a real
tracker's flash ring), not in paho's queue: on reconnection it publishes its status,
then everything it kept as JSON array batches (the MQTT contract in docs/ARCHITECTURE.md), oldest first. Messages
paho already held in flight when the connection dropped are resent by paho itself,
so delivery is at least once.

A tracker link announces `{"online": true}` (retained) on each connection and arms a
retained will `{"online": false}` whose `ts` is the time the will was armed.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from device_sim.clock import Clock, system_clock
from device_sim.faults import Message
from device_sim.reading import rfc3339

log = logging.getLogger("device_sim")
RAW_KEPT = 100  # undecodable payloads kept while offline (they cannot join a batch)


@dataclass(frozen=True)
class LinkOptions:
    host: str
    port: int
    keepalive_s: int = 30
    reconnect_min_delay_s: float = 1.0
    reconnect_max_delay_s: float = 30.0
    buffer_limit: int = 50_000
    batch_max: int = 500
    tls: bool = False  # mqtts://: the broker's certificate checked against ca_file (or the system's CAs)
    ca_file: str | None = None


def encode(payload: dict | list[dict] | bytes) -> bytes:
    """The wire form of a reading, a batch, or an already broken payload."""
    if isinstance(payload, bytes):
        return payload
    return json.dumps(payload, separators=(",", ":")).encode()


class Link:
    """A paho client (MQTT 5, QoS 1) with an explicit offline buffer."""

    def __init__(
        self,
        username: str,
        password: str,
        *,
        options: LinkOptions,
        client_id: str | None = None,
        announce_status: bool = True,
        wall_clock: Clock = system_clock,
    ) -> None:
        self.username, self.options, self.wall_clock = username, options, wall_clock
        self.status_topic = f"fleet/{username}/status" if announce_status else None
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id or username, protocol=mqtt.MQTTv5)
        self.client.username_pw_set(username, password)
        if options.tls:
            self.client.tls_set(ca_certs=options.ca_file)
        # paho annotates the delays `int`, but takes fractions of a second as they are (tests use 0.1 s).
        self.client.reconnect_delay_set(
            options.reconnect_min_delay_s,  # type: ignore[arg-type]
            options.reconnect_max_delay_s,  # type: ignore[arg-type]
        )
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_publish = self._on_publish
        self.connected = threading.Event()
        self._lock = threading.Lock()  # orders sends against (re)connection flushes
        self._buffer: deque[tuple[str, dict]] = deque(maxlen=options.buffer_limit)
        self._raw: deque[tuple[str, bytes]] = deque(maxlen=RAW_KEPT)
        self.published = self.acknowledged = self.rejected = 0
        self.batches_sent = self.readings_dropped = self.connections = 0
        self._refused_logged = False

    @property
    def buffered(self) -> int:
        return len(self._buffer) + len(self._raw)

    def start(self) -> None:
        """Connect in the background; paho's thread reconnects whenever the link drops."""
        self._arm_will()
        self.client.connect_async(self.options.host, self.options.port, keepalive=self.options.keepalive_s)
        self.client.loop_start()

    def send(self, message: Message) -> None:
        """Publish now when connected, otherwise keep it for the next connection."""
        with self._lock:
            if self.connected.is_set():
                self._publish(f"fleet/{message.tracker_id}/telemetry", encode(message.payload))
            elif isinstance(message.payload, bytes):
                self._raw.append((message.tracker_id, message.payload))
            else:
                readings = message.payload if isinstance(message.payload, list) else [message.payload]
                overflow = len(self._buffer) + len(readings) - self.options.buffer_limit
                self.readings_dropped += max(0, overflow)  # the oldest go first, as on a tracker
                self._buffer.extend((message.tracker_id, reading) for reading in readings)

    def say_offline(self) -> mqtt.MQTTMessageInfo | None:
        """Stop sending and publish the retained "offline" while still connected; its PUBACK is
        the caller's to wait for (a publisher waits for all its trackers' at once)."""
        with self._lock:
            was_connected = self.connected.is_set()
            self.connected.clear()
        if was_connected and self.status_topic:
            return self.client.publish(self.status_topic, self._status(online=False), qos=1, retain=True)
        return None

    def close(self, *, timeout: float = 2.0) -> None:
        """Say offline (retained), wait at most `timeout` for the broker, then disconnect cleanly."""
        wait_published([self.say_offline()], timeout=timeout)
        self.client.disconnect()

    def join(self) -> None:
        """Stop paho's thread (after `close`)."""
        self.client.loop_stop()

    def _publish(self, topic: str, payload: bytes, *, retain: bool = False) -> None:
        self.client.publish(topic, payload, qos=1, retain=retain)
        self.published += 1

    def _status(self, *, online: bool) -> bytes:
        return encode({"online": online, "ts": rfc3339(self.wall_clock().replace(microsecond=0))})

    def _arm_will(self) -> None:
        if self.status_topic:
            self.client.will_set(self.status_topic, self._status(online=False), qos=1, retain=True)

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            if not self._refused_logged:
                log.warning("%s: broker refused the login: %s", self.username, reason_code)
                self._refused_logged = True
            return
        with self._lock:
            self.connections += 1
            if self.status_topic:
                self._publish(self.status_topic, self._status(online=True), retain=True)
            for tracker_id, batch in _batches(self._buffer, self.options.batch_max):
                self._publish(f"fleet/{tracker_id}/telemetry", encode(batch))
                self.batches_sent += 1
            self._buffer.clear()
            while self._raw:
                tracker_id, payload = self._raw.popleft()
                self._publish(f"fleet/{tracker_id}/telemetry", payload)
            self.connected.set()

    def _on_disconnect(self, client, userdata, flags, reason_code, properties) -> None:
        with self._lock:
            self.connected.clear()
        self._arm_will()  # the next connection's will carries a fresh time

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.rejected += 1
        else:
            self.acknowledged += 1


def wait_published(messages: list[mqtt.MQTTMessageInfo | None], *, timeout: float) -> None:
    """Wait for these messages' PUBACKs, `timeout` seconds at most for all of them together."""
    deadline = time.monotonic() + timeout
    for message in messages:
        if message is None:
            continue
        try:
            message.wait_for_publish(max(0.0, deadline - time.monotonic()))
        except (RuntimeError, ValueError):
            pass  # the broker went away meanwhile: the will says the same


def _batches(kept: deque[tuple[str, dict]], size: int) -> list[tuple[str, list[dict]]]:
    """Kept readings as batches of at most `size`, one tracker per batch, in order."""
    batches: list[tuple[str, list[dict]]] = []
    for tracker_id, reading in kept:
        if not batches or batches[-1][0] != tracker_id or len(batches[-1][1]) >= size:
            batches.append((tracker_id, []))
        batches[-1][1].append(reading)
    return batches
