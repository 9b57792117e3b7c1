"""Battery and tracker-silence alerts, thresholds per vehicle kind, and late fixes in a batch."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from geofence import repository
from geofence.evaluation import check_silent_trackers
from ingest.readings import Reading
from tests.factories import vehicle_id
from tests.geofence.factories import Evaluator, alerts, events, parked, site
from tests.geofence.tracks import hovering_track

T0 = datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
PARIS = ZoneInfo("Europe/Paris")


@pytest.fixture
def zones():
    return Evaluator()


def feed(conn, zones, vehicle, fixes, now=None):
    return zones(conn, {vehicle: fixes}, now=now or max(fix.fix_time for fix in fixes))


def test_a_low_traction_battery_alerts_the_fleet_manager_once_then_closes_when_charged(conn, zones):
    ebike = vehicle_id(conn, "ebike-01")  # e-bikes alert under 15 % (seeded thresholds)
    depot = site(conn, "DAX")
    feed(conn, zones, ebike, parked(depot, at=T0, battery_pct=40))
    feed(conn, zones, ebike, parked(depot, at=T0 + timedelta(hours=1), battery_pct=12))
    feed(conn, zones, ebike, parked(depot, at=T0 + timedelta(hours=2), battery_pct=10))
    [alert] = alerts(conn, ebike)
    feed(conn, zones, ebike, parked(depot, at=T0 + timedelta(hours=5), battery_pct=60))

    assert alert["kind"] == "low_battery" and alert["target_role"] == "fleet_manager"
    assert alert["message"] == "Batterie de traction faible : ebike-01 est à 12 % (seuil 15 %)."
    assert [a["status"] for a in alerts(conn, ebike)] == ["resolved"]


def test_a_battery_just_above_its_kinds_threshold_alerts_nobody(conn, zones):
    ebike = vehicle_id(conn, "ebike-02")
    feed(conn, zones, ebike, parked(site(conn, "DAX"), at=T0, battery_pct=17))

    assert alerts(conn, ebike) == []


def test_thresholds_are_editable_per_vehicle_kind(conn, zones):
    ebike = vehicle_id(conn, "ebike-02")
    repository.update_thresholds(conn, "ebike", low_battery_pct=25, now=T0)
    feed(conn, zones, ebike, parked(site(conn, "DAX"), at=T0, battery_pct=17))

    assert repository.get_thresholds(conn)["ebike"].low_battery_pct == 25
    assert [alert["kind"] for alert in alerts(conn, ebike)] == ["low_battery"]


def seen(conn, vehicle, last_seen_at):
    conn.execute(
        "INSERT INTO vehicle_state (vehicle_id, last_seen_at) VALUES (%(id)s, %(at)s)"
        " ON CONFLICT (vehicle_id) DO UPDATE SET last_seen_at = excluded.last_seen_at",
        {"id": vehicle, "at": last_seen_at},
    )


def test_a_tracker_silent_longer_than_its_kind_allows_alerts_once_and_closes_when_it_speaks(conn, zones):
    quiet, chatty = vehicle_id(conn, "car-04"), vehicle_id(conn, "car-05")
    seen(conn, quiet, T0 - timedelta(hours=7))  # cars: 6 h
    seen(conn, chatty, T0 - timedelta(hours=5))
    check_silent_trackers(conn, now=T0, zone=PARIS)
    check_silent_trackers(conn, now=T0 + timedelta(minutes=10), zone=PARIS)
    [alert] = alerts(conn, quiet)
    feed(conn, zones, quiet, parked(site(conn, "SVT"), at=T0 + timedelta(hours=1)))

    assert alert["kind"] == "tracker_silent" and alert["target_role"] == "fleet_manager"
    assert "n'a rien envoyé depuis le 25 novembre à 01:00" in alert["message"]  # Paris time
    assert alerts(conn, chatty) == []
    assert [a["status"] for a in alerts(conn, quiet)] == ["resolved"]


@pytest.mark.parametrize(
    "zone, shown", [("America/Cayenne", "24 novembre à 21:00"), ("Indian/Reunion", "25 novembre à 04:00")]
)
def test_a_zone_alert_tells_the_time_where_the_plateforme_is(conn, zone, shown):
    quiet = vehicle_id(conn, "car-04")
    seen(conn, quiet, T0 - timedelta(hours=7))  # 00:00 UTC on 25 November
    check_silent_trackers(conn, now=T0, zone=ZoneInfo(zone))
    [alert] = alerts(conn, quiet)
    assert f"n'a rien envoyé depuis le {shown}" in alert["message"]


def test_the_hovering_track_stored_in_batches_gives_one_enter_and_one_exit_event(conn, zones):
    car = vehicle_id(conn, "car-03")
    fixes = hovering_track(start=T0, seed=8)
    for start in range(0, len(fixes), 5):
        feed(conn, zones, car, fixes[start : start + 5])

    assert [event["type"] for event in events(conn, car)] == ["geofence_enter", "geofence_exit"]


def test_late_fixes_in_a_later_batch_create_no_events(conn, zones):
    car = vehicle_id(conn, "car-03")
    depot = site(conn, "DAX")
    fixes = hovering_track(start=T0, seed=8)
    feed(conn, zones, car, parked(depot, at=T0 + timedelta(days=1)))
    outcome = feed(conn, zones, car, fixes, now=T0 + timedelta(days=1, hours=1))

    assert outcome.late_fixes == len(fixes) and outcome.transitions == []
    assert events(conn, car) == []


def test_evaluate_takes_the_ingest_paths_own_readings(conn, zones):
    car = vehicle_id(conn, "car-06")
    depot = site(conn, "SVT")
    readings = [
        Reading("car-06", T0 + timedelta(minutes=k), depot[0], depot[1], acc_m=None if k else 4.0, ignition=False)
        for k in range(3)
    ]
    outcome = zones(conn, {car: readings}, now=T0 + timedelta(minutes=3))
    state = repository.load_zone_states(conn, {car: zones.last_fix_times[car]})[car]

    assert outcome.transitions == [] and state.last_fix_time == T0 + timedelta(minutes=2)
    assert len([zone for zone in state.zones.values() if zone.inside]) == 2  # its depot and the service area
