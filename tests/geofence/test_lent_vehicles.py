"""A lent vehicle is placed only in the association's own zones (depots, service area):
a zone drawn around an address never records it, its events hold no position, and its
alerts name no place (docs/PRIVACY.md)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fleetbase.location_policy import LocationPolicy
from geofence.service import create_zone
from tests.factories import vehicle_id
from tests.geofence.factories import Evaluator, active_loan, alerts, events, line, parked, site

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
HOME = (43.7300, -1.0700)  # a participant's home, inside the service area
EAST_INSIDE, EAST_OUTSIDE = (43.70, -0.95), (43.70, -0.85)


def circle_around_home(conn) -> int:
    return create_zone(
        conn,
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [HOME[1], HOME[0]]},
            "properties": {"name": "Rue des Arènes", "kind": "other", "radius_m": 50},
        },
    ).id


def zone_states(conn, vehicle: int, zone_id: int) -> list[dict]:
    return conn.execute(
        "SELECT * FROM geofence_zone_state WHERE vehicle_id = %(v)s AND geofence_id = %(z)s",
        {"v": vehicle, "z": zone_id},
    ).fetchall()


def test_a_circle_drawn_around_a_participant_s_home_never_records_the_lent_vehicle(conn):
    zones = Evaluator()
    home_zone = circle_around_home(conn)
    lent, free = vehicle_id(conn, "scooter-05"), vehicle_id(conn, "scooter-06")
    active_loan(conn, lent, starts_at=T0 - timedelta(days=1), ends_at=T0 + timedelta(days=20))
    for vehicle in (lent, free):
        zones(conn, {vehicle: parked(EAST_INSIDE, at=T0)}, now=T0 + timedelta(minutes=10))
        zones(
            conn, {vehicle: line(EAST_INSIDE, HOME, at=T0 + timedelta(hours=1), fixes=30)}, now=T0 + timedelta(hours=2)
        )
        zones(conn, {vehicle: parked(HOME, at=T0 + timedelta(hours=2))}, now=T0 + timedelta(hours=3))

    assert events(conn, lent) == [] and zone_states(conn, lent, home_zone) == []
    [entered] = events(conn, free)  # a vehicle at the depot's disposal is the association's business
    assert entered["type"] == "geofence_enter" and entered["lat"] is not None


def test_a_lent_vehicle_leaving_the_service_area_is_recorded_without_position_or_place(conn):
    zones = Evaluator()
    scooter = vehicle_id(conn, "scooter-07")
    active_loan(conn, scooter, starts_at=T0 - timedelta(days=1), ends_at=T0 + timedelta(days=20))
    zones(conn, {scooter: parked(HOME, at=T0)}, now=T0 + timedelta(minutes=10))
    zones(
        conn,
        {scooter: line(EAST_INSIDE, EAST_OUTSIDE, at=T0 + timedelta(hours=1), fixes=30)},
        now=T0 + timedelta(hours=2),
    )

    [exited] = events(conn, scooter)
    assert exited["type"] == "geofence_exit" and (exited["lat"], exited["lon"]) == (None, None)
    [alert] = alerts(conn, scooter)
    names = [row["name"] for row in conn.execute("SELECT name FROM geofences").fetchall()]
    assert not any(name in alert["message"] for name in names)
    assert alert["message"].startswith("scooter-07 (prêt n° ") and "zone de service" in alert["message"]


def test_under_incident_only_a_lent_vehicle_records_only_its_return_to_a_depot(conn):
    zones = Evaluator(policy=LocationPolicy.INCIDENT_ONLY)
    scooter = vehicle_id(conn, "scooter-08")
    depot = site(conn, "DAX")
    active_loan(conn, scooter, starts_at=T0 - timedelta(days=14), ends_at=T0 + timedelta(hours=20))
    zones(conn, {scooter: parked(EAST_INSIDE, at=T0)}, now=T0 + timedelta(minutes=10))
    zones(
        conn,
        {scooter: line(EAST_INSIDE, EAST_OUTSIDE, at=T0 + timedelta(hours=1), fixes=30)},
        now=T0 + timedelta(hours=2),
    )
    assert events(conn, scooter) == [] and alerts(conn, scooter) == []  # leaving the area is a position

    zones(conn, {scooter: line(EAST_INSIDE, depot, at=T0 + timedelta(hours=3), fixes=30)}, now=T0 + timedelta(hours=4))
    zones(conn, {scooter: parked(depot, at=T0 + timedelta(hours=4))}, now=T0 + timedelta(hours=5))
    [back] = events(conn, scooter)
    assert back["type"] == "geofence_enter" and back["zone_kind"] == "depot" and back["lat"] is None
    [alert] = alerts(conn, scooter)
    assert alert["kind"] == "back_at_depot" and "Dax" not in alert["message"]
    assert "de retour à son dépôt" in alert["message"]
