"""Load mode: many virtual trackers at a steady message rate, for benchmarks.

One connection (or a few: `connections`) logs in with the `simulator` service login
(the ACL lets it write under `fleet/#`) and publishes, QoS 1, one valid native reading
per message for `trackers` virtual trackers (`load-00001`…), `rate` messages per second
in all. Each reading's `ts` is its publish time and it carries `sent_at` (epoch
seconds, float), an extra attribute the contract keeps, so a benchmark can measure
end-to-end latency. PUBACKs are counted per connection; the report says how many
messages were published and how many the broker acknowledged.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from fleetbase.broker import SIMULATOR_LOGIN, simulator_password
from fleetbase.settings import FleetSettings

# In flight per connection: what the broker accepts (its Receive Maximum), at most this.
MAX_IN_FLIGHT = 1000
BURST = 200  # messages published between two turns of the network loop
TICK_S = 0.005  # publish what fell due every few ms: turning the loop per message costs
GRACE_S = 0.25  # past the duration, to send what fell due in the last instant


@dataclass
class LoadReport:
    """What a load run did; `to_json()` is the line the CLI prints."""

    trackers: int
    target_rate: float
    duration_s: float
    elapsed_s: float
    published: int
    acknowledged: int
    rejected: int
    final: bool
    drain_s: float = 0.0  # after the last publish, until every PUBACK was in
    error: str | None = None

    @property
    def rate(self) -> float:
        return self.published / self.elapsed_s if self.elapsed_s else 0.0

    def to_json(self) -> dict:
        return {"event": "load_report", **asdict(self), "rate": round(self.rate, 1)}


class _Connection:
    """One service-login client, its network loop turned by the publishing thread.

    No paho thread: waking one per message costs more than the publish itself, so the
    publisher writes each message straight to the socket and reads PUBACKs between
    bursts, keeping at most `window` messages in flight (MQTT 5 flow control).
    """

    def __init__(self, settings: FleetSettings, number: int, *, v311: bool = False) -> None:
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            protocol=mqtt.MQTTv311 if v311 else mqtt.MQTTv5,
            client_id=f"device-sim-load-{os.getpid()}-{number}",
        )
        self.client.username_pw_set(SIMULATOR_LOGIN, simulator_password(settings))
        self.client.max_inflight_messages_set(0)  # the window below does the limiting
        self.client.on_connect = self._on_connect
        self.client.on_publish = self._on_publish
        self.connected = False
        self.refused: str | None = None
        self.window = MAX_IN_FLIGHT
        self.published = self.acknowledged = self.rejected = 0

    def connect(self, host: str, port: int, *, timeout: float) -> None:
        self.client.connect(host, port, keepalive=30)
        deadline = time.monotonic() + timeout
        while not self.connected:
            self.client.loop(0.05)
            if self.refused:
                raise ConnectionError(f"the broker refused the simulator login: {self.refused}")
            if time.monotonic() > deadline:
                raise ConnectionError("no answer from the broker to the load run's login")

    def turn(self, timeout: float = 0.0) -> None:
        """Read PUBACKs and keep the connection alive; raise if it was lost."""
        result = self.client.loop(timeout)
        if result != mqtt.MQTT_ERR_SUCCESS:
            raise ConnectionError(f"connection to the broker lost: {mqtt.error_string(result)}")

    def _on_connect(self, client, userdata, flags, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.refused = str(reason_code)
            return
        receive_maximum = getattr(properties, "ReceiveMaximum", MAX_IN_FLIGHT)
        self.window = max(1, min(MAX_IN_FLIGHT, receive_maximum))
        self.connected = True

    def _on_publish(self, client, userdata, mid, reason_code, properties) -> None:
        if reason_code.is_failure:
            self.rejected += 1
        else:
            self.acknowledged += 1

    @property
    def in_flight(self) -> int:
        return self.published - self.acknowledged - self.rejected


class _VirtualTrackers:
    """Readings of `count` virtual trackers, each driving east at 18 km/h round a 20 km loop."""

    def __init__(self, count: int, prefix: str) -> None:
        self.topics = [f"fleet/{prefix}{number:05d}/telemetry" for number in range(1, count + 1)]
        self.seq = [0] * count
        # Spread over the south of the Landes: 43.55–43.75 N, 1.40–1.10 W.
        self.base = [(43.55 + 0.2 * ((n * 0.618034) % 1), -1.40 + 0.3 * ((n * 0.414214) % 1)) for n in range(count)]
        self._second, self._prefix = -1, ""

    def payload(self, index: int, wall: float) -> bytes:
        second = int(wall)
        if second != self._second:  # formatting the date once a second is much cheaper
            self._second, self._prefix = second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
        self.seq[index] += 1
        seq = self.seq[index]
        lat, lon = self.base[index]
        lon += (seq % 400) * 0.05 / (111.32 * math.cos(math.radians(lat)))  # 50 m per reading
        return (
            f'{{"ts":"{self._prefix}.{int((wall - second) * 1e6):06d}Z","lat":{lat:.6f},'
            f'"lon":{lon:.6f},"speed_kmh":18.0,"heading_deg":90,"alt_m":20,"acc_m":5,'
            f'"odometer_km":{1000 + seq * 0.05:.3f},"ignition":true,"seq":{seq},'
            f'"sent_at":{wall:.6f}}}'
        ).encode()


class _LoadRun:
    """The state of one run: connections, virtual trackers, counters."""

    def __init__(
        self,
        links: list[_Connection],
        virtual: _VirtualTrackers,
        *,
        rate: float,
        duration: float,
        on_report: Callable[[LoadReport], None] | None,
    ) -> None:
        self.links, self.virtual, self.rate, self.duration = links, virtual, rate, duration
        self.on_report = on_report
        self.sent = 0
        self.started = time.perf_counter()
        self.publishing_s = self.drain_s = 0.0
        self.error: str | None = None

    def report(self, *, final: bool) -> LoadReport:
        elapsed = self.publishing_s if final else time.perf_counter() - self.started
        result = LoadReport(
            trackers=len(self.virtual.topics),
            target_rate=self.rate,
            duration_s=self.duration,
            elapsed_s=round(elapsed, 3),
            published=self.sent,
            acknowledged=sum(link.acknowledged for link in self.links),
            rejected=sum(link.rejected for link in self.links),
            final=final,
            drain_s=round(self.drain_s, 3),
            error=self.error,
        )
        if self.on_report:
            self.on_report(result)
        return result

    def publish(self, *, stop: threading.Event, report_interval_s: float) -> None:
        """Publish on schedule until the total is sent, the time is up, or `stop`."""
        links, rate = self.links, self.rate
        total = math.ceil(rate * self.duration)
        batch = min(max(1, int(rate * TICK_S)), BURST)
        self.started = time.perf_counter()
        next_report = self.started + report_interval_s
        while self.sent < total and not stop.is_set():
            now = time.perf_counter()
            if now - self.started > self.duration + GRACE_S:
                break  # the rate was not sustained: the report shows it
            if now >= next_report:
                self.report(final=False)
                next_report += report_interval_s
            due = min(total, math.floor((now - self.started) * rate) + 1) - self.sent
            if due < batch and self.sent + due < total:
                wait = (self.sent + batch) / rate - (now - self.started)
                for link in links:
                    link.turn(max(0.0, wait / len(links)))
                continue
            for _ in range(min(due, BURST)):
                link = links[self.sent % len(links)]
                if link.in_flight >= link.window:
                    link.turn(0.001)  # the broker is behind: wait for its PUBACKs
                    break
                index = self.sent % len(self.virtual.topics)
                payload = self.virtual.payload(index, time.time())
                link.client.publish(self.virtual.topics[index], payload, qos=1)
                link.published += 1
                self.sent += 1
            for link in links:
                link.turn()
        self.publishing_s = time.perf_counter() - self.started

    def drain(self, *, timeout: float) -> None:
        """Wait for the PUBACKs still due."""
        deadline = time.monotonic() + timeout
        end_of_publishing = time.perf_counter()
        while any(link.in_flight for link in self.links) and time.monotonic() < deadline:
            for link in self.links:
                link.turn(0.005)
        self.drain_s = time.perf_counter() - end_of_publishing


def run_load(
    settings: FleetSettings,
    *,
    trackers: int,
    rate: float,
    duration: float,
    tracker_prefix: str = "load-",
    connections: int = 1,
    report_interval_s: float = 5.0,
    on_report: Callable[[LoadReport], None] | None = None,
    drain_timeout_s: float = 15.0,
    stop: threading.Event | None = None,
    stop_drain_s: float = 5.0,
    mqtt_v311: bool = False,
) -> LoadReport:
    """Publish `rate` readings/s for `duration` s as `trackers` virtual trackers; report
    (`mqtt_v311`: MQTT 3.1.1, for NATS 2.9's MQTT listener).

    The run stops at `duration` even when the rate could not be sustained: then
    `published` falls short of `rate × duration`, and `rate` says what was reached.
    A lost connection ends the run early, with `error` set in the report. Told to `stop`,
    it waits at most `stop_drain_s` (instead of `drain_timeout_s`) for the PUBACKs still due.
    """
    if trackers < 1 or rate <= 0 or duration <= 0 or connections < 1:
        raise ValueError("trackers, rate, duration and connections must be positive")
    links = [_Connection(settings, number, v311=mqtt_v311) for number in range(connections)]
    run = _LoadRun(links, _VirtualTrackers(trackers, tracker_prefix), rate=rate, duration=duration, on_report=on_report)
    stop = stop or threading.Event()
    try:
        for link in links:
            link.connect(settings.mqtt_host, settings.mqtt_port, timeout=10.0)
        try:
            run.publish(stop=stop, report_interval_s=report_interval_s)
            run.drain(timeout=min(drain_timeout_s, stop_drain_s) if stop.is_set() else drain_timeout_s)
        except ConnectionError as exc:
            run.publishing_s = run.publishing_s or time.perf_counter() - run.started
            run.error = str(exc)
        return run.report(final=True)
    finally:
        for link in links:
            link.client.disconnect()
