"""Each vehicle's latest state and zone states, kept by the worker between batches.

At 10,000 trackers a batch touches some 2,000 vehicles, one reading each: reading their
state and zone rows back every time cost the worker more than storing the readings.
So the worker keeps what it wrote, and under the vehicles' locks checks each copy
against the version of its vehicle_state row (xmin, which every write to the row
changes). A row written by anyone else — another worker sharing the subscription, the
offline marking, a restore — no longer matches and is read again; so is one whose
batch rolled back, since the row kept its older version. Zone states are written only
in the same transactions as the state row, so its version covers them too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from fleetbase.db import Conn
from geofence import repository as geofence_repository
from geofence.transitions import VehicleZones, ZoneState
from ingest import repository
from ingest.repository import VehicleState


@dataclass(slots=True)
class _Entry:
    version: str
    state: VehicleState
    zones: dict[int, ZoneState] | None  # None: not read yet (zone evaluation off, or never needed)


class VehicleCache:
    def __init__(self) -> None:
        self._entries: dict[int, _Entry] = {}

    def states(self, conn: Conn, vehicle_ids: list[int]) -> dict[int, VehicleState]:
        """The current state of each vehicle that has one (call under the vehicles' locks).

        The objects are the cached ones: after changing them, call `written` once the
        rows are saved, or `forget` if the batch fails.
        """
        versions = repository.get_state_versions(conn, vehicle_ids)
        states: dict[int, VehicleState] = {}
        stale = []
        for vehicle_id, version in versions.items():
            entry = self._entries.get(vehicle_id)
            if entry is not None and entry.version == version:
                states[vehicle_id] = entry.state
            else:
                stale.append(vehicle_id)
        for vehicle_id in (self._entries.keys() - versions.keys()) & set(vehicle_ids):
            del self._entries[vehicle_id]  # its row is gone
        if stale:
            for vehicle_id, (version, state) in repository.get_states(conn, stale).items():
                self._entries[vehicle_id] = _Entry(version, state, None)
                states[vehicle_id] = state
        return states

    def zones(self, conn: Conn, last_fix_times: dict[int, datetime | None]) -> dict[int, VehicleZones]:
        """Zone states of these vehicles, as `geofence.evaluate` takes them: `last_fix_times`
        are their fix times before the batch (None: no fix yet)."""
        result: dict[int, VehicleZones] = {}
        missing: dict[int, datetime | None] = {}
        for vehicle_id, last in last_fix_times.items():
            entry = self._entries.get(vehicle_id)
            if entry is not None and entry.zones is not None:
                result[vehicle_id] = VehicleZones(vehicle_id, last, entry.zones)  # evaluate copies, never changes
            else:
                missing[vehicle_id] = last
        if missing:
            result |= geofence_repository.load_zone_states(conn, missing)
        return result

    def written(self, conn: Conn, states: Iterable[VehicleState], zones: dict[int, VehicleZones]) -> None:
        """These states (and zone states) were saved in the current transaction."""
        version = repository.transaction_version(conn)
        for state in states:
            entry = self._entries.get(state.vehicle_id)
            vehicle_zones = zones.get(state.vehicle_id)
            known: dict[int, ZoneState] | None
            if vehicle_zones is not None:
                known = vehicle_zones.zones
            else:
                known = entry.zones if entry is not None and entry.state is state else None
            self._entries[state.vehicle_id] = _Entry(version, state, known)

    def forget(self) -> None:
        """After a failed batch: the cached objects may hold changes that were never saved."""
        self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
