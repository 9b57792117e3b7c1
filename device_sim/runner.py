"""The default command: the seeded fleet driving around, until told to stop.

Each tick the model is advanced to the simulated clock's time and its readings are
published; every `sim_report_interval_s` (wall time) one short line is logged.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import datetime

from device_sim.clock import Clock, SimulatedClock, default_start, system_clock
from device_sim.desk import LoanDesk
from device_sim.model import FleetModel, demo_vehicles
from device_sim.publisher import FleetPublisher
from device_sim.settings import SimulatorSettings
from device_sim.vehicle import ModelConfig, VehicleModel

log = logging.getLogger("device_sim")


class FleetRunner:
    """The fleet model wired to the publisher, on a simulated clock."""

    def __init__(self, settings: SimulatorSettings, *, wall_clock: Clock = system_clock) -> None:
        self.settings = settings
        self.seed = settings.sim_seed
        if self.seed is None:  # logged at start, so that the run can be repeated
            self.seed = random.SystemRandom().randrange(2**31)
        start = settings.sim_start or default_start(wall_clock(), settings.sim_time_factor)
        config = ModelConfig(
            moving_interval_s=settings.sim_moving_interval_s, parked_interval_s=settings.sim_parked_interval_s
        )
        self.model = FleetModel(
            demo_vehicles(settings.tracker_ids), start=start, seed=self.seed, zone=settings.zone, config=config
        )
        resume_at = settings.sim_resume_at
        if resume_at is not None:  # an earlier run published the readings up to then, and told the desk
            if resume_at < start:
                raise ValueError("sim_resume_at comes before sim_start")
            self.model.advance(resume_at)
            start = resume_at
        self.clock = SimulatedClock(start=start, factor=settings.sim_time_factor, wall=wall_clock)
        self.publisher = FleetPublisher(
            settings, self.model.vehicles, wall_clock=wall_clock, rng=random.Random(f"{self.seed}:faults")
        )
        self.simulated_now: datetime = start
        self.desk: LoanDesk | None = None
        if settings.sim_desk_url:
            self.desk = LoanDesk(
                settings.sim_desk_url,
                username=settings.sim_desk_username,
                password=settings.demo_password.get_secret_value(),
                zone=settings.zone,
            )
            for vehicle in self.model.vehicles.values():
                vehicle.on_loan_change = self._tell_desk

    def start(self) -> None:
        """Book the loans already running (demo desk), then connect every tracker (in the background)."""
        log.info(
            "simulating %d trackers from %s, time x%g, seed %d, broker %s",
            len(self.model.vehicles),
            self.simulated_now.isoformat(),
            self.settings.sim_time_factor,
            self.seed,
            self.settings.mqtt_url,
        )
        if self.desk is not None:
            for vehicle in self.model.vehicles.values():
                self._tell_desk(vehicle, "lend" if vehicle.lent else "return", self.simulated_now)
        self.publisher.start()

    def _tell_desk(self, vehicle: VehicleModel, change: str, at: datetime) -> None:
        if self.desk is None:  # no desk to tell: the callback is only hooked when there is one
            return
        energy = vehicle.battery_pct if vehicle.battery_pct is not None else vehicle.fuel_pct
        if change == "lend":
            self.desk.lend(
                vehicle.tracker_id,
                starts_at=at,
                ends_on=vehicle.agenda.loan_ends_on,
                odometer_km=vehicle.odometer_km,
                energy_pct=energy,
            )
        else:
            self.desk.take_back(vehicle.tracker_id, odometer_km=vehicle.odometer_km, energy_pct=energy)

    def step(self) -> int:
        """Publish every reading up to the simulated clock's time; return how many."""
        self.simulated_now = self.clock()
        readings = self.model.advance(self.simulated_now)
        for tracker_id, reading in readings:
            self.publisher.send(tracker_id, reading)
        return len(readings)

    def status_line(self) -> str:
        totals = self.publisher.totals()
        faults = ", ".join(f"{name} {count}" for name, count in sorted(self.publisher.faults.items()))
        return (
            f"sim {self.simulated_now:%Y-%m-%d %H:%M:%S}Z | {self.publisher.online_count()}/"
            f"{len(self.model.vehicles)} online, {self.model.moving_count()} moving | readings "
            f"{self.publisher.readings}, messages {totals['published']}, acked {totals['acknowledged']}, "
            f"kept offline {totals['kept_offline']}" + (f" | faults: {faults}" if faults else "")
        )

    def close(self) -> None:
        self.publisher.close(timeout=self.settings.sim_stop_grace_s / 2)

    def run(self, stop: threading.Event) -> None:
        """Tick until `stop` is set, then say offline and disconnect every tracker."""
        self.start()
        next_report = time.monotonic() + self.settings.sim_report_interval_s
        try:
            while not stop.wait(self.settings.sim_tick_s):
                self.step()
                if time.monotonic() >= next_report:
                    log.info(self.status_line())
                    next_report += self.settings.sim_report_interval_s
        finally:
            log.info(self.status_line())
            self.close()
            log.info("simulator stopped")
