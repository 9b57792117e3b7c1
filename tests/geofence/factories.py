"""Plain factories for the geofence tests: vehicles of the seed, loans, fixes along a line."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg

from fleetbase.location_policy import LocationPolicy
from geofence import repository
from geofence.evaluation import ContextCache, Evaluation, ZoneCache, evaluate
from tests.geofence.tracks import TrackFix


class Evaluator:
    """Feeds batches to `geofence.evaluate` as the ingest worker does: zone states read
    back from the database, each vehicle's latest fix time remembered between batches."""

    def __init__(
        self, zone: ZoneInfo = ZoneInfo("Europe/Paris"), policy: LocationPolicy = LocationPolicy.COARSE
    ) -> None:
        self.zone = zone  # the plateforme's time zone
        self.policy = policy  # FLEET_LOAN_LOCATION_POLICY
        self.zones = ZoneCache()
        self.contexts = ContextCache()
        self.last_fix_times: dict[int, datetime | None] = {}

    def __call__(self, conn: psycopg.Connection, fixes_by_vehicle: dict, *, now: datetime) -> Evaluation:
        before = repository.load_zone_states(
            conn, {vehicle: self.last_fix_times.get(vehicle) for vehicle in fixes_by_vehicle}
        )
        outcome = evaluate(
            conn,
            fixes_by_vehicle,
            before=before,
            now=now,
            zone=self.zone,
            zones=self.zones,
            contexts=self.contexts,
            policy=self.policy,
        )
        self.last_fix_times |= {vehicle: state.last_fix_time for vehicle, state in outcome.states.items()}
        return outcome


def site(conn: psycopg.Connection, code: str) -> tuple[float, float]:
    row = conn.execute("SELECT lat, lon FROM sites WHERE code = %(code)s", {"code": code}).fetchone()
    return row["lat"], row["lon"]


def active_loan(conn: psycopg.Connection, vehicle: int, *, starts_at: datetime, ends_at: datetime) -> int:
    """A checked-out loan (no participant needed for zone rules)."""
    conn.execute("UPDATE vehicles SET status = 'on_loan' WHERE id = %(id)s", {"id": vehicle})
    return conn.execute(
        "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
        " VALUES (%(vehicle)s, 'active', %(starts_at)s, %(ends_at)s, %(ends_at)s, %(starts_at)s) RETURNING id",
        {"vehicle": vehicle, "starts_at": starts_at, "ends_at": ends_at},
    ).fetchone()["id"]


def line(
    start: tuple[float, float],
    end: tuple[float, float],
    *,
    at: datetime,
    fixes: int,
    every: timedelta = timedelta(seconds=10),
    acc_m: float = 5.0,
    ignition: bool = True,
    battery_pct: float | None = None,
) -> list[TrackFix]:
    """`fixes` evenly spaced fixes from `start` to `end` (lat, lon), both included."""
    steps = max(fixes - 1, 1)
    return [
        TrackFix(
            at + number * every,
            start[0] + (end[0] - start[0]) * number / steps,
            start[1] + (end[1] - start[1]) * number / steps,
            acc_m,
            ignition=ignition,
            battery_pct=battery_pct,
        )
        for number in range(fixes)
    ]


def parked(
    point: tuple[float, float],
    *,
    at: datetime,
    fixes: int = 3,
    every: timedelta = timedelta(minutes=5),
    acc_m: float = 5.0,
    battery_pct: float | None = None,
) -> list[TrackFix]:
    return line(point, point, at=at, fixes=fixes, every=every, acc_m=acc_m, ignition=False, battery_pct=battery_pct)


def alerts(conn: psycopg.Connection, vehicle: int, kind: str | None = None) -> list[dict]:
    return conn.execute(
        "SELECT kind, target_role, severity, status, loan_id, message, dedup_key FROM alerts"
        " WHERE vehicle_id = %(vehicle)s AND (%(kind)s::text IS NULL OR kind = %(kind)s) ORDER BY id",
        {"vehicle": vehicle, "kind": kind},
    ).fetchall()


def events(conn: psycopg.Connection, vehicle: int) -> list[dict]:
    return conn.execute(
        "SELECT e.type, e.occurred_at, e.lat, e.lon, e.details, g.kind AS zone_kind FROM events e"
        " LEFT JOIN geofences g ON g.id = e.geofence_id WHERE e.vehicle_id = %(vehicle)s ORDER BY e.id",
        {"vehicle": vehicle},
    ).fetchall()
