"""The simulated fleet: one `VehicleModel` per tracker, advanced together.

Pure: no MQTT, no wall clock. The caller passes the start time, the seed and each
`until`; the same seed and start give the same readings however the time is sliced.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from zoneinfo import ZoneInfo

from device_sim.reading import Reading
from device_sim.roads import RoadNetwork
from device_sim.vehicle import ModelConfig, VehicleModel
from fleetbase.seed_data import VehicleSeed, fleet


class FleetModel:
    """Every simulated vehicle, keyed by tracker id."""

    def __init__(
        self,
        vehicles: Iterable[VehicleSeed],
        *,
        start: datetime,
        seed: int | str,
        zone: ZoneInfo,
        config: ModelConfig = ModelConfig(),
        network: RoadNetwork | None = None,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start must be an aware datetime")
        self.vehicles = {
            vehicle.tracker_id: VehicleModel(vehicle, start=start, seed=seed, zone=zone, config=config, network=network)
            for vehicle in vehicles
        }

    def advance(self, until: datetime) -> list[tuple[str, Reading]]:
        """Every reading of every vehicle up to `until`, as (tracker id, reading) pairs."""
        return [
            (tracker_id, reading) for tracker_id, vehicle in self.vehicles.items() for reading in vehicle.advance(until)
        ]

    def moving_count(self) -> int:
        """How many vehicles had the ignition on at their last reading."""
        return sum(1 for vehicle in self.vehicles.values() if vehicle.last and vehicle.last.ignition)


def demo_vehicles(tracker_ids: Iterable[str] = ()) -> list[VehicleSeed]:
    """The seeded demo fleet, or the part of it named in `tracker_ids`."""
    wanted = set(tracker_ids)
    vehicles = [vehicle for vehicle in fleet() if not wanted or vehicle.tracker_id in wanted]
    unknown = wanted - {vehicle.tracker_id for vehicle in vehicles}
    if unknown:
        raise ValueError(f"not in the demo fleet: {', '.join(sorted(unknown))}")
    return vehicles
