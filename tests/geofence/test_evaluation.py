"""The ingest entry point on the real database: events and one alert per situation."""

from datetime import UTC, datetime, timedelta

import pytest

from tests.factories import vehicle_id
from tests.geofence.factories import Evaluator, active_loan, alerts, events, line, parked, site
from tests.geofence.tracks import NoisyTrack, at_distance

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
HOME = (43.7300, -1.0700)  # a participant's home near Saint-Paul-lès-Dax, inside the service area
EAST_INSIDE, EAST_OUTSIDE = (43.70, -0.95), (43.70, -0.85)  # the service area's east edge is near -0.90


@pytest.fixture
def zones():
    return Evaluator()


def feed(conn, zones, vehicle, fixes):
    return zones(conn, {vehicle: fixes}, now=max(fix.fix_time for fix in fixes))


def test_a_loaned_vehicle_leaving_the_service_area_alerts_the_coordinator_once(conn, zones):
    scooter = vehicle_id(conn, "scooter-01")
    loan = active_loan(conn, scooter, starts_at=T0, ends_at=T0 + timedelta(days=30))
    feed(conn, zones, scooter, parked(HOME, at=T0))
    feed(conn, zones, scooter, line(EAST_INSIDE, EAST_OUTSIDE, at=T0 + timedelta(hours=1), fixes=30))
    feed(conn, zones, scooter, line(EAST_OUTSIDE, (43.70, -0.80), at=T0 + timedelta(hours=2), fixes=10))

    [alert] = alerts(conn, scooter)
    [exit_event] = events(conn, scooter)
    assert alert["kind"] == "left_service_area" and alert["target_role"] == "coordinator"
    assert alert["loan_id"] == loan and "a quitté sa zone de service" in alert["message"]
    assert exit_event["type"] == "geofence_exit" and exit_event["zone_kind"] == "service_area"
    assert exit_event["lon"] is None and exit_event["details"]["agreeing_fixes"] >= 3  # lent: no position


def test_a_loaned_vehicle_driving_inside_the_service_area_alerts_nobody(conn, zones):
    scooter = vehicle_id(conn, "scooter-01")
    active_loan(conn, scooter, starts_at=T0, ends_at=T0 + timedelta(days=30))
    feed(conn, zones, scooter, parked(HOME, at=T0))
    feed(conn, zones, scooter, line(HOME, EAST_INSIDE, at=T0 + timedelta(hours=1), fixes=40))

    assert alerts(conn, scooter) == [] and events(conn, scooter) == []


def test_a_vehicle_not_on_loan_driven_away_from_its_depot_is_a_possible_theft_once(conn, zones):
    car = vehicle_id(conn, "car-01")
    depot = site(conn, "DAX")
    feed(conn, zones, car, parked(depot, at=T0))
    feed(conn, zones, car, line(depot, at_distance(depot, 600), at=T0 + timedelta(hours=2), fixes=12))
    feed(
        conn, zones, car, line(at_distance(depot, 600), at_distance(depot, 3000), at=T0 + timedelta(hours=3), fixes=12)
    )

    [alert] = alerts(conn, car)
    assert alert["kind"] == "possible_theft" and alert["target_role"] == "fleet_manager"
    assert alert["severity"] == "critical" and alert["message"].startswith("Vol possible : car-01")
    assert [event["type"] for event in events(conn, car)] == ["geofence_exit"]


def test_a_loan_started_between_two_batches_is_known_to_the_next_one(conn, zones):
    car = vehicle_id(conn, "car-03")
    depot = site(conn, "DAX")
    feed(conn, zones, car, parked(depot, at=T0))  # the rules now know it as not on loan
    active_loan(conn, car, starts_at=T0 + timedelta(hours=1), ends_at=T0 + timedelta(days=7))
    feed(conn, zones, car, line(depot, at_distance(depot, 3000), at=T0 + timedelta(hours=2), fixes=12))

    assert alerts(conn, car) == []


def test_a_theft_alert_once_resolved_is_raised_again_by_the_next_move(conn, zones):
    car = vehicle_id(conn, "car-01")
    depot = site(conn, "DAX")
    feed(conn, zones, car, parked(depot, at=T0))
    feed(conn, zones, car, line(depot, at_distance(depot, 3000), at=T0 + timedelta(hours=2), fixes=12))
    conn.execute("UPDATE alerts SET status = 'resolved' WHERE kind = 'possible_theft'")
    feed(
        conn, zones, car, line(at_distance(depot, 3000), at_distance(depot, 5000), at=T0 + timedelta(hours=3), fixes=12)
    )

    assert [alert["kind"] for alert in alerts(conn, car)] == ["possible_theft", "possible_theft"]


def test_a_vehicle_not_on_loan_towed_away_without_ignition_is_a_possible_theft(conn, zones):
    car = vehicle_id(conn, "car-02")
    depot = site(conn, "DAX")
    feed(conn, zones, car, parked(depot, at=T0))
    feed(
        conn,
        zones,
        car,
        parked(at_distance(depot, 800), at=T0 + timedelta(hours=2), fixes=4, every=timedelta(minutes=1)),
    )

    assert [alert["kind"] for alert in alerts(conn, car)] == ["possible_theft"]


def test_a_vehicle_not_on_loan_parked_just_outside_its_depot_with_ignition_off_is_no_theft(conn, zones):
    car = vehicle_id(conn, "car-02")
    depot = site(conn, "DAX")
    feed(conn, zones, car, parked(depot, at=T0))
    feed(conn, zones, car, parked(at_distance(depot, 190), at=T0 + timedelta(hours=2), fixes=4))

    assert [event["type"] for event in events(conn, car)] == ["geofence_exit"]
    assert alerts(conn, car) == []


def test_a_loaned_scooter_parked_at_the_participants_home_is_not_a_theft(conn, zones):
    scooter = vehicle_id(conn, "scooter-02")
    depot = site(conn, "DAX")
    active_loan(conn, scooter, starts_at=T0, ends_at=T0 + timedelta(days=30))
    feed(conn, zones, scooter, parked(depot, at=T0))
    feed(conn, zones, scooter, line(depot, HOME, at=T0 + timedelta(minutes=20), fixes=30))
    feed(conn, zones, scooter, parked(HOME, at=T0 + timedelta(hours=1), fixes=24))

    assert alerts(conn, scooter) == []
    assert [event["type"] for event in events(conn, scooter)] == ["geofence_exit"]


def test_gps_noise_at_the_depot_of_a_vehicle_not_on_loan_is_no_theft(conn, zones):
    car = vehicle_id(conn, "car-03")
    track = NoisyTrack(start=T0, seed=4)
    track.park(149, duration=timedelta(hours=6))  # 1 m inside the 150 m depot circle
    feed(conn, zones, car, parked(site(conn, "DAX"), at=T0 - timedelta(hours=1)))
    feed(conn, zones, car, track.fixes)

    assert alerts(conn, car) == [] and events(conn, car) == []


def test_a_loaned_vehicle_back_at_its_depot_near_the_loans_end_awaits_check_in(conn, zones):
    scooter = vehicle_id(conn, "scooter-03")
    depot = site(conn, "DAX")
    loan = active_loan(conn, scooter, starts_at=T0 - timedelta(days=14), ends_at=T0 + timedelta(hours=3))
    feed(conn, zones, scooter, parked(HOME, at=T0))
    feed(conn, zones, scooter, line(HOME, depot, at=T0 + timedelta(hours=1), fixes=30))
    feed(conn, zones, scooter, parked(depot, at=T0 + timedelta(hours=2)))

    [alert] = alerts(conn, scooter)
    assert alert["kind"] == "back_at_depot" and alert["target_role"] == "coordinator"
    assert alert["loan_id"] == loan and "en attente d'état des lieux" in alert["message"]
    assert [event["type"] for event in events(conn, scooter)] == ["geofence_enter"]


def test_a_loaned_vehicle_calling_at_its_depot_mid_loan_alerts_nobody(conn, zones):
    scooter = vehicle_id(conn, "scooter-03")
    depot = site(conn, "DAX")
    active_loan(conn, scooter, starts_at=T0 - timedelta(days=2), ends_at=T0 + timedelta(days=20))
    feed(conn, zones, scooter, parked(HOME, at=T0))
    feed(conn, zones, scooter, line(HOME, depot, at=T0 + timedelta(hours=1), fixes=30))
    feed(conn, zones, scooter, parked(depot, at=T0 + timedelta(hours=2)))

    assert alerts(conn, scooter) == []
    assert [event["type"] for event in events(conn, scooter)] == ["geofence_enter"]


def test_a_vehicle_not_on_loan_parked_at_another_depot_is_no_theft(conn, zones):
    car = vehicle_id(conn, "car-01")  # based at Dax, left at Saint-Vincent-de-Tyrosse by staff
    feed(conn, zones, car, parked(site(conn, "SVT"), at=T0, fixes=6))

    assert alerts(conn, car) == []


def test_crossing_from_one_service_area_into_an_adjacent_one_is_not_leaving(conn, zones):
    scooter = vehicle_id(conn, "scooter-01")
    active_loan(conn, scooter, starts_at=T0, ends_at=T0 + timedelta(days=30))
    conn.execute(
        "INSERT INTO geofences (name, kind, geometry) VALUES ('Zone Est', 'service_area',"
        ' \'{"type": "Polygon", "coordinates": [[[-0.95, 43.6], [-0.7, 43.6], [-0.7, 43.8],'
        " [-0.95, 43.8], [-0.95, 43.6]]]}')"
    )
    feed(conn, zones, scooter, parked(HOME, at=T0))
    feed(conn, zones, scooter, line(EAST_INSIDE, EAST_OUTSIDE, at=T0 + timedelta(hours=1), fixes=30))

    assert alerts(conn, scooter) == []
    assert sorted((event["type"], event["zone_kind"]) for event in events(conn, scooter)) == [
        ("geofence_enter", "service_area"),
        ("geofence_exit", "service_area"),
    ]
