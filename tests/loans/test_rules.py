"""Each loan rule with a case it refuses and a case it accepts: buffer, licence,
vehicles under repair, maximum length and extensions."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fleetbase.errors import Conflict, InvalidInput
from loans import rules, service
from tests.factories import user_id, vehicle_id
from tests.loans.factories import NOW, PARIS, active, make_participant, request, validated

DAY = timedelta(days=1)


def test_licences_needed_per_kind():
    rules.check_licence("car", {"B"})
    rules.check_licence("scooter", {"BSR"})
    rules.check_licence("scooter", {"B"})
    rules.check_licence("ebike", set())
    with pytest.raises(Conflict, match="permis B"):
        rules.check_licence("ecar", {"AM", "BSR"})


def test_a_car_needs_the_b_licence_a_scooter_takes_the_bsr(conn):
    with_bsr = make_participant(conn, licences=("BSR",))

    with pytest.raises(Conflict, match="permis B"):
        request(conn, participant=with_bsr, vehicle="car-01", starts_at=NOW + DAY)
    loan = request(conn, participant=with_bsr, vehicle="scooter-01", starts_at=NOW + DAY)

    assert loan["status"] == "requested"


def test_a_licence_checked_later_than_today_does_not_count(conn):
    participant = make_participant(conn, licences=())
    conn.execute("INSERT INTO participant_licences VALUES (%(p)s, 'B', '2027-01-01')", {"p": participant})

    with pytest.raises(Conflict, match="permis B"):
        request(conn, participant=participant, vehicle="car-01", starts_at=NOW + DAY)


def test_the_turnaround_buffer_keeps_the_vehicle_after_a_loan(conn):
    first = validated(conn, participant=make_participant(conn), vehicle="scooter-02", starts_at=NOW + DAY, days=7)
    end = first["ends_at"]  # scooters: 12 hours of turnaround
    other = make_participant(conn, last_name="Dupuy")

    with pytest.raises(Conflict, match="12 h de remise en état") as refused:
        request(conn, participant=other, vehicle="scooter-02", starts_at=end + timedelta(hours=6))
    accepted = request(conn, participant=other, vehicle="scooter-02", starts_at=end + timedelta(hours=12))

    assert f"prêt n° {first['id']}" in refused.value.detail
    assert accepted["held_until"] == accepted["ends_at"] + timedelta(hours=12)


def test_a_longer_turnaround_set_by_the_admin_applies_to_new_loans(conn):
    conn.execute("UPDATE loan_rules SET turnaround_hours = 48 WHERE vehicle_kind = 'ebike'")

    loan = request(conn, participant=make_participant(conn), vehicle="ebike-01", starts_at=NOW + DAY)

    assert loan["held_until"] - loan["ends_at"] == timedelta(hours=48)


@pytest.mark.parametrize(
    "status, words",
    [
        ("maintenance", "en maintenance"),
        ("immobilised", "immobilisé pour réparation"),
        ("out_of_service", "hors service"),
    ],
)
def test_no_loan_on_a_vehicle_under_repair(conn, status, words):
    participant = make_participant(conn)
    loan = request(conn, participant=participant, vehicle="car-03", starts_at=NOW + DAY)
    conn.execute("UPDATE vehicles SET status = %(s)s WHERE label = 'car-03'", {"s": status})

    with pytest.raises(Conflict, match=words):
        request(conn, participant=participant, vehicle="car-03", starts_at=NOW + 30 * DAY)
    with pytest.raises(Conflict, match=words):
        service.validate_loan(conn, loan["id"], vehicle_id=None, user_id=user_id(conn), now=NOW, zone=PARIS)
    conn.execute("UPDATE vehicles SET status = 'available' WHERE label = 'car-03'")
    validated_now = service.validate_loan(conn, loan["id"], vehicle_id=None, user_id=user_id(conn), now=NOW, zone=PARIS)
    assert validated_now["status"] == "validated"


def test_a_loan_lasts_at_most_the_maximum_of_its_kind(conn):
    participant = make_participant(conn)

    with pytest.raises(Conflict, match="au plus 92 jours"):
        request(conn, participant=participant, vehicle="car-04", starts_at=NOW + DAY, days=93)
    assert request(conn, participant=participant, vehicle="car-04", starts_at=NOW + DAY, days=92)["id"]


def test_an_extension_needs_nothing_following_on_the_vehicle(conn):
    loan = active(conn, participant=make_participant(conn), vehicle="car-05", starts_at=NOW, days=14)
    follower = request(
        conn,
        participant=make_participant(conn, last_name="Suivant"),
        vehicle="car-05",
        starts_at=loan["ends_at"] + 5 * DAY,
    )
    coordinator = user_id(conn)

    with pytest.raises(Conflict, match=f"demande en attente n° {follower['id']}"):
        service.extend_loan(
            conn, loan["id"], ends_at=loan["ends_at"] + 7 * DAY, reason=None, user_id=coordinator, now=NOW, zone=PARIS
        )
    extended = service.extend_loan(
        conn,
        loan["id"],
        ends_at=loan["ends_at"] + 4 * DAY,
        reason="CDD prolongé",
        user_id=coordinator,
        now=NOW,
        zone=PARIS,
    )

    assert extended["ends_at"] == loan["ends_at"] + 4 * DAY
    assert extended["held_until"] == extended["ends_at"] + timedelta(hours=24)


def test_an_extension_is_bounded_by_the_maximum_and_must_move_the_end_later(conn):
    loan = active(conn, participant=make_participant(conn), vehicle="car-06", starts_at=NOW, days=60)
    coordinator = user_id(conn)

    with pytest.raises(Conflict, match="Une prolongation"):
        service.extend_loan(
            conn, loan["id"], ends_at=loan["ends_at"] + 93 * DAY, reason=None, user_id=coordinator, now=NOW, zone=PARIS
        )
    with pytest.raises(InvalidInput):
        service.extend_loan(
            conn, loan["id"], ends_at=loan["ends_at"] - DAY, reason=None, user_id=coordinator, now=NOW, zone=PARIS
        )
    # Renewed past three months in all, one extension at a time.
    assert (
        service.extend_loan(
            conn, loan["id"], ends_at=loan["ends_at"] + 92 * DAY, reason=None, user_id=coordinator, now=NOW, zone=PARIS
        )["status"]
        == "active"
    )


def test_overlapping_holds_are_refused_with_a_french_sentence_before_the_database_does(conn):
    participant = make_participant(conn)
    first = request(conn, participant=participant, vehicle="car-07", starts_at=NOW + DAY)
    second = request(
        conn, participant=make_participant(conn, last_name="Autre"), vehicle="car-07", starts_at=NOW + 3 * DAY
    )
    service.validate_loan(conn, first["id"], vehicle_id=None, user_id=user_id(conn), now=NOW, zone=PARIS)

    with pytest.raises(Conflict, match="Le véhicule car-07 est pris du"):
        service.validate_loan(conn, second["id"], vehicle_id=None, user_id=user_id(conn), now=NOW, zone=PARIS)
    moved = service.validate_loan(
        conn, second["id"], vehicle_id=vehicle_id(conn, "car-08"), user_id=user_id(conn), now=NOW, zone=PARIS
    )
    assert moved["vehicle_label"] == "car-08"


def test_new_damages_are_those_not_seen_at_departure():
    departure = [{"location": "Aile avant gauche", "description": "Rayure"}]
    back = [
        {"location": "aile avant  gauche", "description": "rayure"},
        {"location": "rétroviseur droit", "description": "cassé"},
    ]

    assert rules.new_damages(departure, back) == [back[1]]
