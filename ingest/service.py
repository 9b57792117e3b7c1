"""Stores one batch of MQTT messages: decode, check, compute state, write. Never commits.

The caller (the worker) commits and only then acknowledges the messages to the broker,
so a crash at any instant leaves every message either stored or still unacknowledged
(and redelivered). Storage is idempotent on (vehicle, fix time): redelivery doubles
nothing. The latest state only moves forward in fix time. Zone transitions, events and
alerts (geofence/) are computed in the same transaction, from the readings stored.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from psycopg.types.json import Jsonb

from fleetbase.db import Conn
from fleetbase.location_policy import LocationPolicy
from geofence.evaluation import ContextCache, ZoneCache, evaluate
from geofence.transitions import VehicleZones
from ingest import repository
from ingest.decoding import Limits, decode_message
from ingest.odometer import Fix, OdometerState, advance
from ingest.protocols.directory import ProtocolDirectory
from ingest.readings import Reading, RejectedReading, StatusUpdate
from ingest.repository import TrackerInfo, VehicleState
from ingest.trackers import TrackerDirectory
from ingest.vehicle_cache import VehicleCache


@dataclass(slots=True)
class Envelope:
    """One MQTT message as received."""

    topic: str
    payload: bytes
    received_at: datetime


@dataclass
class BatchOutcome:
    messages: int = 0
    readings: int = 0
    stored: int = 0
    duplicates: int = 0
    out_of_order: int = 0
    statuses: int = 0
    ignored: int = 0
    ignored_types: Counter[str] = field(default_factory=Counter)
    rejected: Counter[str] = field(default_factory=Counter)
    flags: Counter[str] = field(default_factory=Counter)
    zone_events: int = 0
    alerts_opened: int = 0
    stored_fix_times: list[datetime] = field(default_factory=list)
    changed_vehicles: set[int] = field(default_factory=set)


@dataclass(slots=True)
class _Item:
    reading: Reading
    tracker: TrackerInfo
    received_at: datetime
    effective_km: float | None = None
    flag: str | None = None
    late: bool = False


class IngestService:
    def __init__(
        self,
        *,
        limits: Limits,
        max_accuracy_m: float,
        trackers: TrackerDirectory,
        zone: ZoneInfo,
        geofences: ZoneCache | None = None,
        location_policy: LocationPolicy = LocationPolicy.COARSE,
    ) -> None:
        self.limits = limits
        self.location_policy = location_policy  # which zones may record a lent vehicle
        self.zone = zone  # the plateforme's, for the zone alerts' texts
        self.max_accuracy_m = max_accuracy_m
        self.trackers = trackers
        self.geofences = geofences  # None: no zone evaluation (benchmarks compare both)
        self.vehicles = VehicleCache()
        self.contexts = ContextCache()
        self.protocols = ProtocolDirectory()  # OwnTracks keys, Traccar device ids

    def store_batch(self, conn: Conn, envelopes: list[Envelope], *, now: datetime) -> BatchOutcome:
        outcome = BatchOutcome(messages=len(envelopes))
        items: dict[tuple[int, datetime], _Item] = {}
        statuses: list[tuple[StatusUpdate, TrackerInfo]] = []
        letters: list[tuple[str, str | None, bytes, str, str]] = []

        def reject(envelope: Envelope, tracker_id: str | None, rejection: RejectedReading) -> None:
            outcome.rejected[rejection.reason] += 1
            letters.append(
                (envelope.topic, tracker_id, rejection.payload or envelope.payload, rejection.reason, rejection.detail)
            )

        keys = self.protocols.bind(conn, now=now)
        decoded_messages = [
            (
                envelope,
                decode_message(
                    envelope.topic, envelope.payload, received_at=envelope.received_at, limits=self.limits, keys=keys
                ),
            )
            for envelope in envelopes
        ]
        # One lookup for the batch: a tracker registered a moment ago is found at its first reading.
        trackers = self.trackers.find(
            conn,
            {
                decoded.tracker_id
                for _, decoded in decoded_messages
                if decoded.tracker_id and (decoded.readings or decoded.statuses)
            },
            now=now,
        )
        for envelope, decoded in decoded_messages:
            outcome.ignored += decoded.ignored
            outcome.ignored_types.update(decoded.ignored_types)
            usable = bool(decoded.readings or decoded.statuses)
            tracker = trackers.get(decoded.tracker_id) if usable and decoded.tracker_id is not None else None
            if usable and tracker is None:
                # Kept whole: should the tracker be registered after all, replay_unknown_trackers
                # stores the message then, and only then judges its readings (no rejection twice).
                reject(
                    envelope,
                    decoded.tracker_id,
                    RejectedReading("unknown_tracker", f"tracker {decoded.tracker_id!r} is not registered"),
                )
                continue
            for rejection in decoded.rejections:
                reject(envelope, decoded.tracker_id, rejection)
            if tracker is None:
                continue
            if not tracker.enabled:
                reject(
                    envelope,
                    decoded.tracker_id,
                    RejectedReading("disabled_tracker", f"tracker {decoded.tracker_id!r} is disabled"),
                )
                continue
            outcome.readings += len(decoded.readings)
            for reading in decoded.readings:
                key = (tracker.vehicle_id, reading.fix_time)
                if key in items:
                    outcome.duplicates += 1
                else:
                    items[key] = _Item(reading, tracker, envelope.received_at)
            statuses += [(status, tracker) for status in decoded.statuses]

        vehicle_ids = sorted({vehicle for vehicle, _ in items} | {tracker.vehicle_id for _, tracker in statuses})
        if vehicle_ids:
            try:
                outcome.changed_vehicles = self._store_vehicles(conn, vehicle_ids, items, statuses, outcome, now=now)
            except BaseException:
                self.vehicles.forget()  # the cached states may hold changes that were not saved
                raise
        repository.insert_dead_letters(conn, letters)
        return outcome

    def replay_unknown_trackers(self, conn: Conn, *, now: datetime, limit: int = 1000) -> BatchOutcome | None:
        """Store the messages dead-lettered as `unknown_tracker` whose tracker is registered
        now, as if they had just arrived (with their first receipt time); mark them replayed.
        None when there were none. Never commits."""
        letters = repository.letters_of_registered_trackers(conn, limit=limit)
        if not letters:
            return None
        outcome = self.store_batch(
            conn, [Envelope(letter.topic, bytes(letter.payload), letter.received_at) for letter in letters], now=now
        )
        repository.mark_replayed(conn, [letter.id for letter in letters], now=now)
        return outcome

    def _store_vehicles(
        self,
        conn: Conn,
        vehicle_ids: list[int],
        items: dict[tuple[int, datetime], _Item],
        statuses: list[tuple[StatusUpdate, TrackerInfo]],
        outcome: BatchOutcome,
        *,
        now: datetime,
    ) -> set[int]:
        repository.lock_vehicles(conn, vehicle_ids)
        states = self.vehicles.states(conn, vehicle_ids)
        last_fix_times = {
            vehicle: states[vehicle].fix_time if vehicle in states else None
            for vehicle in {vehicle for vehicle, _ in items}
        }
        changed = self._follow_vehicles(items, states, outcome)
        self._apply_statuses(statuses, states, changed, outcome)
        zones: dict[int, VehicleZones] = {}
        if items:
            inserted = self._write_positions(conn, items, outcome)
            if self.geofences is not None and inserted:
                zones = self._evaluate_zones(
                    conn, items, inserted, last_fix_times, outcome, geofences=self.geofences, now=now
                )
        if changed:
            for vehicle in changed:
                states[vehicle].updated_at = now
                states[vehicle].online_changed_at = states[vehicle].online_changed_at or now
            saved = [states[vehicle] for vehicle in sorted(changed)]
            repository.save_states(conn, saved)
            repository.notify_changed(conn, changed)
            self.vehicles.written(conn, saved, zones)
        return changed

    def _follow_vehicles(
        self, items: dict[tuple[int, datetime], _Item], states: dict[int, VehicleState], outcome: BatchOutcome
    ) -> set[int]:
        """Advance each vehicle's state through its new readings, in fix-time order."""
        changed: set[int] = set()
        for (vehicle_id, fix_time), item in sorted(items.items(), key=lambda pair: pair[0]):
            state = states.setdefault(vehicle_id, VehicleState(vehicle_id=vehicle_id, online=False))
            reading = item.reading
            state.last_seen_at = max(filter(None, (state.last_seen_at, item.received_at)))
            if not state.online:
                state.online, state.online_changed_at = True, item.received_at
            changed.add(vehicle_id)
            if state.fix_time is not None and fix_time <= state.fix_time:
                item.late = True  # stored, but moves nothing
                item.effective_km = reading.odometer_km
                continue
            step = advance(
                _odometer_state(state),
                fix=Fix(fix_time, reading.lat, reading.lon),
                acc_m=reading.acc_m,
                reported_km=reading.odometer_km,
                kind=item.tracker.kind,
                max_accuracy_m=self.max_accuracy_m,
            )
            item.effective_km, item.flag = step.effective_km, step.flag
            if step.flag:
                outcome.flags[step.flag] += 1
            _take_reading(state, reading, step.state, moved=step.flag not in ("gps_jump", "poor_accuracy"))
        return changed

    @staticmethod
    def _apply_statuses(
        statuses: list[tuple[StatusUpdate, TrackerInfo]],
        states: dict[int, VehicleState],
        changed: set[int],
        outcome: BatchOutcome,
    ) -> None:
        for status, tracker in sorted(statuses, key=lambda pair: pair[0].at):
            outcome.statuses += 1
            state = states.setdefault(tracker.vehicle_id, VehicleState(vehicle_id=tracker.vehicle_id, online=False))
            if state.online_changed_at is not None and status.at < state.online_changed_at:
                continue  # an older status than what we know (retained, redelivered)
            if state.online != status.online or state.online_changed_at is None:
                state.online, state.online_changed_at = status.online, status.at
                changed.add(tracker.vehicle_id)

    def _evaluate_zones(
        self,
        conn: Conn,
        items: dict[tuple[int, datetime], _Item],
        inserted: set[tuple[int, datetime]],
        last_fix_times: dict[int, datetime | None],
        outcome: BatchOutcome,
        *,
        geofences: ZoneCache,
        now: datetime,
    ) -> dict[int, VehicleZones]:
        """Zone transitions, events and alerts for the readings stored (geofence.evaluate);
        the vehicles' zone states after them."""
        by_vehicle: dict[int, list[Reading]] = {}
        for key in inserted:
            by_vehicle.setdefault(key[0], []).append(items[key].reading)
        before = self.vehicles.zones(conn, {vehicle: last_fix_times[vehicle] for vehicle in by_vehicle})
        evaluation = evaluate(
            conn,
            by_vehicle,
            before=before,
            now=now,
            zone=self.zone,
            zones=geofences,
            contexts=self.contexts,
            policy=self.location_policy,
        )
        repository.notify_events(
            conn,
            [
                {
                    "vehicle_id": transition.vehicle_id,
                    "type": transition.type,
                    "geofence_id": transition.zone_id,
                    "occurred_at": transition.fix.fix_time.isoformat(),
                }
                for transition in evaluation.transitions
            ],
        )
        outcome.zone_events += len(evaluation.transitions)
        outcome.alerts_opened += len(evaluation.alerts_opened)
        return evaluation.states

    @staticmethod
    def _write_positions(
        conn: Conn, items: dict[tuple[int, datetime], _Item], outcome: BatchOutcome
    ) -> set[tuple[int, datetime]]:
        rows = [_position_row(vehicle_id, item) for (vehicle_id, _), item in items.items()]
        inserted = repository.insert_positions(conn, rows)
        outcome.stored += len(inserted)
        outcome.duplicates += len(items) - len(inserted)
        for key in inserted:
            item = items[key]
            outcome.stored_fix_times.append(key[1])
            outcome.out_of_order += item.late
        return inserted


def _odometer_state(state: VehicleState) -> OdometerState:
    # The three columns of a fix are null together (_take_reading writes them so).
    anchor = (
        Fix(state.anchor_fix_time, state.anchor_lat, state.anchor_lon)
        if state.anchor_fix_time is not None and state.anchor_lat is not None and state.anchor_lon is not None
        else None
    )
    suspect = (
        Fix(state.suspect_fix_time, state.suspect_lat, state.suspect_lon)
        if state.suspect_fix_time is not None and state.suspect_lat is not None and state.suspect_lon is not None
        else None
    )
    return OdometerState(
        effective_km=state.effective_odometer_km,
        reported_km=state.odometer_km,
        reported_at=state.fix_time if state.odometer_km is not None else None,
        anchor=anchor,
        suspect=suspect,
    )


def _take_reading(state: VehicleState, reading: Reading, odometer: OdometerState, *, moved: bool) -> None:
    """The reading becomes the latest state; a GPS jump or imprecise fix keeps the last good position."""
    state.fix_time = reading.fix_time
    if moved or state.lat is None:
        state.lat, state.lon, state.acc_m = reading.lat, reading.lon, reading.acc_m
    for name in ("speed_kmh", "heading_deg", "alt_m", "battery_pct", "fuel_pct", "tracker_battery_pct", "ignition"):
        value = getattr(reading, name)
        if value is not None:
            setattr(state, name, value)
    state.effective_odometer_km = odometer.effective_km
    state.odometer_km = odometer.reported_km
    state.anchor_fix_time, state.anchor_lat, state.anchor_lon = (
        (odometer.anchor.fix_time, odometer.anchor.lat, odometer.anchor.lon) if odometer.anchor else (None,) * 3
    )
    state.suspect_fix_time, state.suspect_lat, state.suspect_lon = (
        (odometer.suspect.fix_time, odometer.suspect.lat, odometer.suspect.lon) if odometer.suspect else (None,) * 3
    )


def _position_row(vehicle_id: int, item: _Item) -> tuple[Any, ...]:
    reading = item.reading
    attributes = dict(reading.attributes)
    if item.flag:
        attributes["odometer_flag"] = item.flag
    return (
        vehicle_id,
        reading.fix_time,
        item.received_at,
        reading.tracker_id,
        reading.lat,
        reading.lon,
        reading.speed_kmh,
        reading.heading_deg,
        reading.alt_m,
        reading.acc_m,
        reading.odometer_km,
        item.effective_km,
        reading.battery_pct,
        reading.fuel_pct,
        reading.tracker_battery_pct,
        reading.ignition,
        reading.seq,
        _json(attributes),
    )


def _json(attributes: dict[str, Any]) -> Jsonb | None:
    return Jsonb(attributes) if attributes else None
