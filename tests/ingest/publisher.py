"""A stream of readings from real tracker logins, remembering which the broker acknowledged."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta

import paho.mqtt.client as mqtt

from fleetbase.passwords import demo_tracker_password
from tests.conftest import DEMO_PASSWORD
from tests.processes import wait_until


class StreamPublisher:
    """One paho client per tracker (its own login), QoS 1, reconnecting on its own.

    `port`: the broker's, or one per tracker (trackers spread over a cluster's nodes);
    `protocol`: MQTT 5 (Mosquitto) or 3.1.1 (NATS 2.9's MQTT listener)."""

    def __init__(self, port: int | dict[str, int], tracker_ids: list[str], *, protocol: int = mqtt.MQTTv5) -> None:
        self.protocol = protocol
        self.start_time = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
        self.acked: set[tuple[str, int]] = set()
        self.pending: dict[tuple[str, int], tuple[str, int]] = {}
        # PUBACKs that arrived before publish() could record what the mid carried.
        self.early: dict[tuple[str, int], bool] = {}
        self.lock = threading.Lock()
        ports = port if isinstance(port, dict) else dict.fromkeys(tracker_ids, port)
        self.clients = {tracker_id: self._client(ports[tracker_id], tracker_id) for tracker_id in tracker_ids}

    def _client(self, port: int, tracker_id: str) -> mqtt.Client:
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"test-{tracker_id}", protocol=self.protocol)
        client.username_pw_set(tracker_id, demo_tracker_password(DEMO_PASSWORD, tracker_id))
        client.max_queued_messages_set(0)
        client.reconnect_delay_set(min_delay=0.1, max_delay=1)
        client.on_publish = lambda c, u, mid, reason, props, t=tracker_id: self._on_publish(t, mid, reason)
        client.connect_async("127.0.0.1", port)
        client.loop_start()
        return client

    def _on_publish(self, tracker_id: str, mid: int, reason) -> None:
        # Called by paho with its own message lock held: take ours only briefly, never around paho.
        with self.lock:
            key = self.pending.pop((tracker_id, mid), None)
            if key is None:
                self.early[(tracker_id, mid)] = not reason.is_failure
            elif not reason.is_failure:
                self.acked.add(key)

    def wait_connected(self, timeout: float = 10) -> None:
        wait_until(
            lambda: all(client.is_connected() for client in self.clients.values()),
            timeout=timeout,
            message="publishers did not connect",
        )

    def publish(self, count: int, *, rate: float) -> None:
        """`count` readings per tracker, `rate` messages per second in all."""
        interval = 1.0 / rate
        for seq in range(count):
            for tracker_id, client in self.clients.items():
                fix_time = self.start_time + timedelta(seconds=seq)
                payload = json.dumps(
                    {
                        "ts": fix_time.isoformat(),
                        "lat": 43.7 + seq * 1e-4,
                        "lon": -1.05,
                        "seq": seq,
                        "odometer_km": 1000 + seq * 0.01,
                    }
                )
                # Not under self.lock: paho holds its lock while calling _on_publish, which takes ours.
                info = client.publish(f"fleet/{tracker_id}/telemetry", payload, qos=1)
                with self.lock:
                    acked = self.early.pop((tracker_id, info.mid), None)
                    if acked is None:
                        self.pending[(tracker_id, info.mid)] = (tracker_id, seq)
                    elif acked:
                        self.acked.add((tracker_id, seq))
                time.sleep(interval)  # the stream's pace, not a wait for something

    def close(self) -> None:
        for client in self.clients.values():
            client.disconnect()
            client.loop_stop()
