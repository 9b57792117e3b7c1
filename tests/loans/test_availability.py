"""Free vehicles of a kind between two dates, nearest a site first."""

from __future__ import annotations

from datetime import timedelta

from loans.availability import available_vehicles
from tests.loans.factories import NOW, make_participant, request, validated

DAY = timedelta(days=1)


def site_id(conn, code: str) -> int:
    return conn.execute("SELECT id FROM sites WHERE code = %(c)s", {"c": code}).fetchone()["id"]


def labels(vehicles) -> list[str]:
    return [vehicle["label"] for vehicle in vehicles]


def test_held_vehicles_and_vehicles_under_repair_are_left_out(conn):
    validated(conn, participant=make_participant(conn), vehicle="car-01", starts_at=NOW + DAY, days=7)
    conn.execute("UPDATE vehicles SET status = 'immobilised' WHERE label = 'car-02'")
    request(conn, participant=make_participant(conn), vehicle="car-03", starts_at=NOW + DAY, days=3)

    free = available_vehicles(
        conn, kind="car", starts_at=NOW + 2 * DAY, ends_at=NOW + 4 * DAY, site_id=None, max_distance_km=None
    )

    assert labels(free) == ["car-03", "car-04", "car-05", "car-06", "car-07", "car-08"]
    assert free[0]["pending_requests"] == 1


def test_the_turnaround_counts_before_the_next_loan(conn):
    loan = validated(conn, participant=make_participant(conn), vehicle="car-04", starts_at=NOW + 10 * DAY, days=7)

    # A loan ending 12 h before car-04 is taken would leave no day for cleaning (24 h for cars).
    ends = loan["starts_at"] - timedelta(hours=12)
    busy = available_vehicles(conn, kind="car", starts_at=NOW + DAY, ends_at=ends, site_id=None, max_distance_km=None)
    ends = loan["starts_at"] - DAY
    free = available_vehicles(conn, kind="car", starts_at=NOW + DAY, ends_at=ends, site_id=None, max_distance_km=None)

    assert "car-04" not in labels(busy) and "car-04" in labels(free)


def test_nearest_depot_first_within_a_distance(conn):
    free = available_vehicles(
        conn, kind="ebike", starts_at=NOW, ends_at=NOW + DAY, site_id=site_id(conn, "TAR"), max_distance_km=25
    )

    assert free[0]["site_name"] == "Dépôt de Tarnos" and free[0]["distance_km"] == 0
    assert all(vehicle["distance_km"] <= 25 for vehicle in free)
    assert [vehicle["distance_km"] for vehicle in free] == sorted(vehicle["distance_km"] for vehicle in free)
