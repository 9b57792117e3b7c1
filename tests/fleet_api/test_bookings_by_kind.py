"""A loan asked for a kind of vehicle rather than a vehicle (a prescriber rarely knows the fleet)."""

from __future__ import annotations

from datetime import timedelta

from tests.fleet_api.loan_helpers import iso, listed_vehicle_id, make_participant, request_loan


def test_a_request_for_a_kind_takes_a_free_vehicle_of_that_kind(client, as_role, clock):
    prescriber = as_role["prescriber"]
    participant = make_participant(client, prescriber, licences=("AM",))
    starts = clock.now + timedelta(days=2)
    response = client.post(
        "/api/v1/bookings",
        headers=prescriber,
        json={
            "participant_id": participant,
            "vehicle_kind": "scooter",
            "starts_at": iso(starts),
            "ends_at": iso(starts + timedelta(days=10)),
        },
    )
    assert response.status_code == 201, response.text
    loan = response.json()
    assert loan["vehicle_kind"] == "scooter" and loan["status"] == "requested"

    # A second request for the same days goes to another scooter, not to the one already wanted.
    second = client.post(
        "/api/v1/bookings",
        headers=prescriber,
        json={
            "participant_id": make_participant(client, prescriber, licences=("BSR",)),
            "vehicle_kind": "scooter",
            "starts_at": iso(starts),
            "ends_at": iso(starts + timedelta(days=10)),
        },
    )
    assert second.status_code == 201, second.text
    assert second.json()["vehicle_id"] != loan["vehicle_id"]


def test_a_kind_with_no_free_vehicle_is_refused_in_french(client, as_role, clock):
    coordinator = as_role["coordinator"]
    starts = clock.now + timedelta(days=2)
    ebikes = [
        vehicle["id"]
        for vehicle in client.get("/api/v1/vehicles", headers=coordinator).json()
        if vehicle["kind"] == "ebike"
    ]
    for ebike in ebikes:
        loan = request_loan(
            client,
            coordinator,
            participant=make_participant(client, coordinator),
            vehicle=ebike,
            starts_at=starts,
            days=5,
        )
        assert client.post(f"/api/v1/bookings/{loan['id']}/validate", headers=coordinator).status_code == 200
    response = client.post(
        "/api/v1/bookings",
        headers=coordinator,
        json={
            "participant_id": make_participant(client, coordinator),
            "vehicle_kind": "ebike",
            "starts_at": iso(starts + timedelta(days=1)),
            "ends_at": iso(starts + timedelta(days=3)),
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["detail"].startswith("Aucun véhicule (un vélo électrique) n'est libre du ")


def test_a_request_names_a_vehicle_or_a_kind_not_both_nor_neither(client, as_role, clock):
    coordinator = as_role["coordinator"]
    participant = make_participant(client, coordinator)
    starts = clock.now + timedelta(days=2)
    dates = {"starts_at": iso(starts), "ends_at": iso(starts + timedelta(days=3))}
    both = client.post(
        "/api/v1/bookings",
        headers=coordinator,
        json={
            "participant_id": participant,
            "vehicle_id": listed_vehicle_id(client, coordinator, "car-01"),
            "vehicle_kind": "car",
        }
        | dates,
    )
    neither = client.post("/api/v1/bookings", headers=coordinator, json={"participant_id": participant} | dates)
    assert both.status_code == neither.status_code == 422
    assert both.json()["error"] == neither.json()["error"] == "InvalidInput"
