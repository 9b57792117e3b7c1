"""The request pages' reading: a structure's requests, and the coordinators' queue with its
free vehicles and the sentence of the rule that would refuse each request."""

from __future__ import annotations

from datetime import timedelta

from loans import requests
from tests.loans.factories import NOW, PARIS, make_participant, request, validated

DAY = timedelta(days=1)


def test_the_queue_is_oldest_first_with_people_structure_and_free_vehicles_nearest_first(conn):
    older = request(
        conn,
        participant=make_participant(conn, last_name="Ancien"),
        vehicle="car-05",
        starts_at=NOW + 3 * DAY,
        now=NOW - DAY,
    )
    newer = request(
        conn,
        participant=make_participant(conn, last_name="Récent", prescriber_id=2),
        vehicle="car-01",
        starts_at=NOW + 3 * DAY,
    )
    validated(conn, participant=make_participant(conn), vehicle="car-02", starts_at=NOW + 2 * DAY)

    queue = requests.request_queue(conn, now=NOW, zone=PARIS)

    assert [loan["id"] for loan in queue] == [older["id"], newer["id"]]
    first, second = queue
    assert first["last_name"] == "Ancien" and first["prescriber_name"] == "France Travail – agence de Dax"
    assert second["prescriber_name"] == "Mission locale des Landes – antenne de Tarnos"
    assert first["licence_ok"] and first["problem"] is None
    assert first["choices"][0]["label"] == "car-05"  # the vehicle asked for, then the nearest
    distances = [vehicle["distance_km"] for vehicle in first["choices"][1:]]
    assert distances == sorted(distances)
    assert "car-02" not in [vehicle["label"] for vehicle in second["choices"]]  # held by the validated loan


def test_a_request_whose_vehicle_was_taken_meanwhile_carries_the_overlap_sentence(conn):
    waiting = request(conn, participant=make_participant(conn), vehicle="car-03", starts_at=NOW + 3 * DAY)
    taken = validated(conn, participant=make_participant(conn), vehicle="car-03", starts_at=NOW + DAY, days=3)

    [loan] = requests.request_queue(conn, now=NOW, zone=PARIS)

    assert loan["id"] == waiting["id"]
    assert loan["problem"].startswith("Le véhicule car-03 est pris du 2 décembre 2026 à 09:00 au ")
    assert f"par le prêt n° {taken['id']}, dont 24 h de remise en état." in loan["problem"]
    assert "car-03" not in [vehicle["label"] for vehicle in loan["choices"]]


def test_a_prescriber_reads_only_their_structures_requests(conn):
    ours = request(conn, participant=make_participant(conn), vehicle="ebike-01", starts_at=NOW + DAY)
    request(conn, participant=make_participant(conn, prescriber_id=2), vehicle="ebike-02", starts_at=NOW + DAY)

    assert [loan["id"] for loan in requests.structure_requests(conn, scope={"prescriber_id": 1})] == [ours["id"]]
