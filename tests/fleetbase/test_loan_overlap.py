"""Two loans holding the same vehicle can never overlap: the database refuses it."""

import psycopg
import pytest


def make_loan(
    conn, *, vehicle: str, starts_at: str, ends_at: str, held_until: str | None = None, status: str = "validated"
) -> int:
    return conn.execute(
        "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until)"
        " SELECT id, %(status)s, %(starts_at)s, %(ends_at)s, %(held_until)s FROM vehicles"
        " WHERE label = %(vehicle)s RETURNING id",
        {
            "vehicle": vehicle,
            "status": status,
            "starts_at": starts_at,
            "ends_at": ends_at,
            "held_until": held_until or ends_at,
        },
    ).fetchone()["id"]


def test_an_overlapping_loan_on_the_same_vehicle_is_rejected_by_the_database(conn):
    make_loan(conn, vehicle="scooter-03", starts_at="2026-12-01T08:00Z", ends_at="2026-12-15T18:00Z")

    with pytest.raises(psycopg.errors.ExclusionViolation) as raised:
        with conn.transaction():
            make_loan(conn, vehicle="scooter-03", starts_at="2026-12-10T08:00Z", ends_at="2026-12-20T18:00Z")
    assert raised.value.diag.constraint_name == "loans_no_overlap"


def test_the_turnaround_buffer_is_part_of_the_hold(conn):
    make_loan(
        conn,
        vehicle="ebike-02",
        starts_at="2026-12-01T08:00Z",
        ends_at="2026-12-05T18:00Z",
        held_until="2026-12-06T18:00Z",
    )

    with pytest.raises(psycopg.errors.ExclusionViolation):
        with conn.transaction():
            make_loan(conn, vehicle="ebike-02", starts_at="2026-12-06T09:00Z", ends_at="2026-12-09T18:00Z")


def test_back_to_back_loans_and_loans_on_other_vehicles_are_accepted(conn):
    make_loan(conn, vehicle="car-02", starts_at="2026-12-01T08:00Z", ends_at="2026-12-15T08:00Z")

    make_loan(conn, vehicle="car-02", starts_at="2026-12-15T08:00Z", ends_at="2026-12-31T08:00Z")
    make_loan(conn, vehicle="car-03", starts_at="2026-12-01T08:00Z", ends_at="2026-12-15T08:00Z")

    assert conn.execute("SELECT count(*) AS n FROM loans").fetchone()["n"] == 3


def test_requests_rejections_and_returns_do_not_hold_the_vehicle(conn):
    make_loan(conn, vehicle="car-04", starts_at="2026-12-01T08:00Z", ends_at="2026-12-15T08:00Z")

    for status in ("requested", "rejected", "cancelled", "returned"):
        make_loan(conn, vehicle="car-04", starts_at="2026-12-05T08:00Z", ends_at="2026-12-10T08:00Z", status=status)

    with pytest.raises(psycopg.errors.ExclusionViolation):
        with conn.transaction():
            conn.execute("UPDATE loans SET status = 'validated' WHERE status = 'requested'")
