"""What the ingest path calls once per batch: zone transitions, events and alerts.

`evaluate` works inside the caller's transaction and never commits. `ZoneCache`
holds the spatial index between batches and rebuilds it when the zones change.
`check_silent_trackers` is for a scheduled job (silence has no reading to react to).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from alerts import raising as alerts
from alerts.raising import AlertDraft
from fleetbase.db import Conn
from fleetbase.location_policy import LocationPolicy, lent_zone_kinds
from geofence import repository
from geofence.index import ZoneIndex
from geofence.repository import EventRow, VehicleContext
from geofence.rules import silent_tracker_alerts, vehicle_rules
from geofence.transitions import EXIT, Confirmation, Fix, Transition, VehicleZones, advance
from geofence.zones import InvalidZone, Zone, parse_shape

log = logging.getLogger(__name__)
_ALWAYS = datetime.min.replace(tzinfo=UTC)


class ZoneCache:
    """The zone index of one process, rebuilt when geofence_revision's token changes.

    Checking costs one one-row query per batch. Shapes of unchanged zones are kept
    across rebuilds, since drawing geodesic circles is the slow part.
    """

    def __init__(self) -> None:
        self._token: str | None = None
        self._index = ZoneIndex([])
        self._shapes: dict[str, object] = {}

    def index(self, conn: Conn) -> ZoneIndex:
        token = repository.get_revision(conn)
        if token != self._token:
            # Token first, zones second: a change committed in between only costs one more rebuild.
            self._index = ZoneIndex(self._load(conn))
            self._token = token
        return self._index

    def _load(self, conn: Conn) -> list[Zone]:
        zones, shapes = [], {}
        for row in repository.list_zones(conn, active_only=True):
            key = json.dumps([row.geometry, row.radius_m, row.width_m], sort_keys=True)
            try:
                shape = self._shapes.get(key) or parse_shape(row.geometry, radius_m=row.radius_m, width_m=row.width_m)
            except InvalidZone as error:  # written around the API: skip it rather than stop ingest
                log.warning("geofence %s (%s) ignored: %s", row.id, row.name, error.detail)
                continue
            shapes[key] = shape
            zones.append(Zone(row.id, row.name, row.kind, row.site_id, row.geometry, row.radius_m, row.width_m, shape))
        self._shapes = shapes
        return zones


class ContextCache:
    """Each vehicle's rule context (`VehicleContext`) in one process. A vehicle's context is
    read again when its version changes (migration 0016: one row per vehicle, so writers on
    different vehicles never wait on each other), every vehicle's when the zones change
    (the depot is a zone). Costs one lookup of the batch's versions.

    Versions first, contexts second (each context with its version, read together): a
    change committed in between only costs one more read.
    """

    def __init__(self) -> None:
        self._zones_token: str | None = None
        self._contexts: dict[int, tuple[str | None, VehicleContext]] = {}

    def get(self, conn: Conn, vehicle_ids: Sequence[int]) -> dict[int, VehicleContext]:
        token = repository.get_revision(conn)
        if token != self._zones_token:
            self._contexts, self._zones_token = {}, token
        versions = repository.get_context_versions(conn, vehicle_ids)
        contexts = self._contexts
        stale = [
            vehicle
            for vehicle in vehicle_ids
            if (cached := contexts.get(vehicle)) is None or cached[0] != versions.get(vehicle)
        ]
        if stale:
            for vehicle in stale:
                contexts.pop(vehicle, None)  # gone, if it is not read back
            contexts |= repository.get_vehicle_contexts(conn, stale)
        return {vehicle: contexts[vehicle][1] for vehicle in vehicle_ids if vehicle in contexts}


DEFAULT_CACHE = ZoneCache()
DEFAULT_CONTEXTS = ContextCache()


@dataclass
class Evaluation:
    """What one batch changed."""

    transitions: list[Transition] = field(default_factory=list)
    late_fixes: int = 0
    alerts_opened: list[int] = field(default_factory=list)
    alerts_resolved: list[str] = field(default_factory=list)
    states: dict[int, VehicleZones] = field(default_factory=dict)  # after the batch, per vehicle evaluated


def evaluate(
    conn: Conn,
    readings_by_vehicle: Mapping[int, Sequence[Fix]],
    *,
    before: Mapping[int, VehicleZones],
    now: datetime,
    zone: ZoneInfo,
    zones: ZoneCache = DEFAULT_CACHE,
    contexts: ContextCache = DEFAULT_CONTEXTS,
    policy: LocationPolicy = LocationPolicy.COARSE,
) -> Evaluation:
    """Advance zone states with a committed-to-be batch of readings; write events and alerts.

    Contract for the ingest path:
    - `readings_by_vehicle`: vehicle id → the readings of this batch (`ingest.readings.Reading`
      or anything with fix_time, lat, lon, acc_m, and optionally ignition, battery_pct),
      in any order. Pass every reading stored in the batch, late ones included (they are
      recognised and decide nothing); readings that are duplicates need not be passed.
    - `before`: each of those vehicles' zone states before the batch, with the latest fix
      time already taken (`repository.load_zone_states`, given vehicle_state.fix_time; the
      ingest worker keeps them between batches). `Evaluation.states` holds them after.
    - Call it inside the batch's transaction, after `ingest.repository.lock_vehicles` on
      the same vehicles (per-vehicle zone state is replaced). It never commits; if the
      transaction rolls back, states, events and alerts roll back with the positions,
      and redelivery recomputes them.
    - `now` is the batch's clock (alert creation and resolution times); fix times come
      from the readings; `zone` is the plateforme's (`FLEET_TIMEZONE`), for the alerts' texts.
    - Writes: geofence_zone_state (for vehicles whose zones changed), `events` rows
      (`geofence_enter`, `geofence_exit`, with the deciding fix), `alerts` (one open per
      dedup_key), and resolves low-battery and tracker-silent alerts that are over.
    - `zones`, `contexts`: the process's ZoneCache and ContextCache (default: one each per
      process); they read again what changed. Errors are psycopg's only: nothing here
      rejects a reading.
    - A lent vehicle (docs/PRIVACY.md) is placed only in the association's own operational
      zones (`fleetbase.location_policy.lent_zone_kinds` of `policy`): a zone drawn anywhere
      else neither keeps a state nor records an event for it, and its events hold no position.
    """
    outcome = Evaluation()
    vehicle_ids = sorted(vehicle for vehicle, readings in readings_by_vehicle.items() if readings)
    if not vehicle_ids:
        return outcome
    index = zones.index(conn)
    vehicle_contexts = contexts.get(conn, vehicle_ids)
    thresholds = repository.get_thresholds(conn)
    batch = [(vehicle, fix) for vehicle in vehicle_ids for fix in readings_by_vehicle[vehicle]]
    placements = index.placements(
        [fix.lon for _, fix in batch],
        [fix.lat for _, fix in batch],
        [fix.acc_m if fix.acc_m is not None else float("nan") for _, fix in batch],
    )
    per_vehicle: dict[int, list[int]] = {}
    for position, (vehicle, _) in enumerate(batch):
        per_vehicle.setdefault(vehicle, []).append(position)
    zone_kinds = {zone.id: zone.kind for zone in index.zones.values()}
    zone_names = {zone.id: zone.name for zone in index.zones.values()}
    known_zones = index.zones.keys()
    lent_known = frozenset(zone.id for zone in index.zones.values() if zone.kind in lent_zone_kinds(policy))
    events: list[EventRow] = []
    drafts: list[AlertDraft] = []
    resolve: list[str] = []
    zones_changed: list[VehicleZones] = []
    confirmations: dict[str, Confirmation] = {}  # per vehicle kind
    for vehicle in vehicle_ids:
        before_state = before[vehicle]
        context = vehicle_contexts.get(vehicle)
        if context is None:
            outcome.states[vehicle] = before_state
            continue
        limits = thresholds.get(context.kind) or repository.default_thresholds(context.kind)
        confirmation = confirmations.get(context.kind)
        if confirmation is None:
            confirmation = confirmations[context.kind] = Confirmation(
                limits.confirm_fixes, timedelta(seconds=limits.confirm_seconds)
            )
        fixes = [batch[position][1] for position in per_vehicle[vehicle]]
        lent = context.loan_id is not None
        step = advance(
            before_state,
            fixes,
            [placements[position] for position in per_vehicle[vehicle]],
            known_zones=lent_known if lent else known_zones,
            confirmation=confirmation,
        )
        if step.state.zones != before_state.zones:
            zones_changed.append(step.state)
        outcome.states[vehicle] = step.state
        outcome.transitions += step.transitions
        outcome.late_fixes += step.late
        events += [_event(transition, zone_names, zone_kinds, lent=lent) for transition in step.transitions]
        last = before_state.last_fix_time
        fresh = sorted((fix for fix in fixes if last is None or fix.fix_time > last), key=lambda fix: fix.fix_time)
        inside_kinds = {zone_kinds[zone] for zone, state in step.state.zones.items() if state.inside}
        at_a_depot = "depot" in inside_kinds
        outside_since = (
            None
            if at_a_depot
            else _outside_depot_since(context.depot_zone_id, before_state, step.state, step.transitions)
        )
        rules = vehicle_rules(
            context,
            limits,
            fixes=fresh,
            transitions=step.transitions,
            zone_kinds=zone_kinds,
            zone_names=zone_names,
            outside_depot_since=outside_since,
            in_a_service_area="service_area" in inside_kinds,
            distance_to_zone_m=lambda zone_id, fix: index.distance_m(zone_id, fix.lon, fix.lat),
            zone=zone,
        )
        drafts += rules.open
        resolve += rules.resolve
    repository.save_zone_states(conn, zones_changed)
    repository.insert_events(conn, events)
    outcome.alerts_resolved = alerts.resolve_alerts(conn, resolve, now=now)
    outcome.alerts_opened = _open(conn, drafts, now=now)
    return outcome


def check_silent_trackers(conn: Conn, *, now: datetime, zone: ZoneInfo) -> list[int]:
    """Open a tracker-silent alert for every vehicle quiet longer than its kind allows; new alert ids.

    For a scheduled job (every few minutes), in its own transaction.
    """
    return _open(conn, silent_tracker_alerts(repository.silent_trackers(conn, now=now), zone=zone), now=now)


def _open(conn: Conn, drafts: list[AlertDraft], *, now: datetime) -> list[int]:
    return alerts.open_alerts(conn, drafts, now=now)


def _outside_depot_since(
    depot_zone_id: int | None, before: VehicleZones, after: VehicleZones, transitions: list[Transition]
) -> datetime | None:
    """From which fix time this batch's fixes count as outside the depot (None: they do not)."""
    if depot_zone_id is None or after.inside(depot_zone_id):
        return None
    for transition in transitions:
        if transition.zone_id == depot_zone_id and transition.type == EXIT:
            return transition.fix.fix_time
    return None if before.inside(depot_zone_id) else _ALWAYS


def _event(transition: Transition, zone_names: dict[int, str], zone_kinds: dict[int, str], *, lent: bool) -> EventRow:
    """The deciding fix's position is kept only for a vehicle not on loan."""
    fix = transition.fix
    return EventRow(
        transition.vehicle_id,
        transition.type,
        fix.fix_time,
        transition.zone_id,
        None if lent else fix.lat,
        None if lent else fix.lon,
        {
            "zone": zone_names[transition.zone_id],
            "zone_kind": zone_kinds[transition.zone_id],
            "acc_m": fix.acc_m,
            "crossed_at": transition.crossed_at.isoformat(),
            "agreeing_fixes": transition.fixes,
        },
    )
