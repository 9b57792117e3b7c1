"""The demo seed describes the real fleet of docs/ARCHITECTURE.md, and running it twice changes nothing."""

import base64

import pytest

from fleetbase.errors import ConfigurationError
from fleetbase.passwords import demo_tracker_password, hash_mqtt_password, verify_user_password
from fleetbase.seed import seed_demo
from fleetbase.settings import FleetSettings
from tests.conftest import DEMO_PASSWORD, demo_settings

TABLES = ("sites", "garages", "prescribers", "vehicles", "trackers", "geofences", "users")


def counts(conn) -> dict[str, int]:
    return {table: conn.execute(f"SELECT count(*) AS n FROM {table}").fetchone()["n"] for table in TABLES}


def test_the_seed_holds_42_vehicles_with_their_trackers(conn):
    by_kind = {
        row["kind"]: row["n"]
        for row in conn.execute(
            "SELECT v.kind, count(*) AS n FROM vehicles v JOIN trackers t ON t.vehicle_id = v.id GROUP BY v.kind"
        )
    }
    trackers = {row["tracker_id"] for row in conn.execute("SELECT tracker_id FROM trackers")}

    assert by_kind == {"car": 8, "scooter": 28, "ebike": 6}
    assert {"car-01", "car-08", "scooter-01", "scooter-28", "ebike-01", "ebike-06"} <= trackers
    assert len(trackers) == 42


def test_vehicles_are_based_at_the_five_depots_each_with_a_depot_geofence(conn):
    depots = conn.execute(
        "SELECT s.municipality, count(DISTINCT v.id) AS vehicles, count(DISTINCT g.id) AS zones"
        " FROM sites s JOIN vehicles v ON v.home_site_id = s.id"
        " JOIN geofences g ON g.site_id = s.id AND g.kind = 'depot' GROUP BY s.municipality"
    ).fetchall()
    service_areas = conn.execute("SELECT count(*) AS n FROM geofences WHERE kind = 'service_area'").fetchone()

    assert {row["municipality"] for row in depots} == {
        "Dax",
        "Saint-Vincent-de-Tyrosse",
        "Peyrehorade",
        "Tarnos",
        "Soustons",
    }
    assert sum(row["vehicles"] for row in depots) == 42
    assert all(row["zones"] == 1 for row in depots)
    assert service_areas["n"] == 1


def test_one_demo_user_per_role_logs_in_with_the_demo_password(conn):
    users = conn.execute("SELECT username, role, password_hash, garage_id, prescriber_id FROM users").fetchall()

    assert sorted(row["role"] for row in users) == sorted(
        ["admin", "fleet_manager", "coordinator", "mechanic", "garage_partner", "prescriber"]
    )
    assert all(verify_user_password(row["password_hash"], DEMO_PASSWORD) for row in users)
    assert not any(verify_user_password(row["password_hash"], "change-me") for row in users)
    garage_user = next(row for row in users if row["role"] == "garage_partner")
    assert garage_user["garage_id"] is not None


def test_seeding_again_changes_nothing(conn):
    before = counts(conn)
    hashes_before = conn.execute("SELECT username, password_hash FROM users ORDER BY username").fetchall()

    report = seed_demo(conn, settings=demo_settings("unused"))

    assert counts(conn) == before
    assert conn.execute("SELECT username, password_hash FROM users ORDER BY username").fetchall() == hashes_before
    assert (report.vehicles, report.trackers, report.geofences, report.users) == (0, 0, 0, 0)


def test_the_seed_refuses_to_run_outside_demo_mode(conn):
    with pytest.raises(ConfigurationError):
        seed_demo(conn, settings=FleetSettings(demo_mode=False))


def test_tracker_hashes_match_the_passwords_the_simulator_derives(conn):
    row = conn.execute("SELECT mqtt_password_hash FROM trackers WHERE tracker_id = 'scooter-07'").fetchone()
    _, _, iterations, salt, _ = row["mqtt_password_hash"].split("$")
    expected = hash_mqtt_password(demo_tracker_password(DEMO_PASSWORD, "scooter-07"), salt=base64.b64decode(salt))
    assert row["mqtt_password_hash"] == expected
