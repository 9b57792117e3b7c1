"""The simulated trackers on the broker: one link per tracker, each with its own login.

Readings go through the fault injector, then out on the tracker's link; a fault that
needs a tracker with no login of its own (unknown tracker) goes out on the
`simulator` service link, opened only when that fault is switched on.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterable

from device_sim.clock import Clock, system_clock
from device_sim.faults import FaultInjector
from device_sim.link import Link, LinkOptions, wait_published
from device_sim.reading import Reading
from device_sim.settings import SimulatorSettings
from fleetbase.broker import SIMULATOR_LOGIN, simulator_password
from fleetbase.passwords import demo_tracker_password


def link_options(settings: SimulatorSettings) -> LinkOptions:
    """Connection options of every link, from the settings."""
    return LinkOptions(
        host=settings.mqtt_host,
        port=settings.mqtt_port,
        keepalive_s=settings.sim_keepalive_s,
        reconnect_min_delay_s=settings.sim_reconnect_min_delay_s,
        reconnect_max_delay_s=settings.sim_reconnect_max_delay_s,
        buffer_limit=settings.sim_buffer_limit,
        batch_max=settings.sim_batch_max,
        tls=settings.mqtt_tls,
        ca_file=settings.mqtt_ca_file,
    )


class FleetPublisher:
    """Publishes the readings of many trackers, each through its own MQTT login."""

    def __init__(
        self,
        settings: SimulatorSettings,
        tracker_ids: Iterable[str],
        *,
        rng: random.Random,
        wall_clock: Clock = system_clock,
    ) -> None:
        options = link_options(settings)
        demo_password = settings.demo_password.get_secret_value()
        self.links = {
            tracker_id: Link(
                tracker_id, demo_tracker_password(demo_password, tracker_id), options=options, wall_clock=wall_clock
            )
            for tracker_id in tracker_ids
        }
        self.service: Link | None = None
        if "unknown_tracker" in settings.enabled_faults:
            self.service = Link(
                SIMULATOR_LOGIN,
                simulator_password(settings),
                options=options,
                client_id="device-sim-faults",
                announce_status=False,
            )
        self.injector = FaultInjector(settings.enabled_faults, rate=settings.sim_fault_rate, rng=rng)
        self.faults: Counter[str] = Counter()
        self.readings = 0

    def _all_links(self) -> list[Link]:
        return [*self.links.values(), *([self.service] if self.service else [])]

    def start(self) -> None:
        for link in self._all_links():
            link.start()

    def wait_connected(self, timeout: float) -> bool:
        """Wait until every link is connected; False if some are not after `timeout`."""
        deadline = time.monotonic() + timeout
        return all(link.connected.wait(max(0.0, deadline - time.monotonic())) for link in self._all_links())

    def send(self, tracker_id: str, reading: Reading) -> None:
        """Send one reading of one tracker, faults included."""
        self.readings += 1
        for message in self.injector.messages(tracker_id, reading.to_json()):
            if message.fault:
                self.faults[message.fault] += 1
            if message.via_service and self.service is not None:
                self.service.send(message)
            else:
                self.links[tracker_id].send(message)

    def close(self, *, timeout: float = 2.0) -> None:
        """Every tracker says it goes offline, all at once, waiting at most `timeout` for the
        broker's PUBACKs (a busy broker must not hold each tracker's goodbye in turn), then
        all links stop."""
        links = self._all_links()
        wait_published([link.say_offline() for link in links], timeout=timeout)
        for link in links:
            link.client.disconnect()
        for link in links:  # after every disconnect, so no thread waits out its reconnect delay
            link.join()

    def online_count(self) -> int:
        return sum(link.connected.is_set() for link in self.links.values())

    def totals(self) -> dict[str, int]:
        """Messages published and acknowledged, and readings kept offline, over all links."""
        links = self._all_links()
        return {
            "published": sum(link.published for link in links),
            "acknowledged": sum(link.acknowledged for link in links),
            "kept_offline": sum(link.buffered for link in links),
            "batches": sum(link.batches_sent for link in links),
        }
