"""A coordinator runs a loan from request to return through the API."""

from __future__ import annotations

from datetime import datetime, timedelta

from fleetbase.db import connect
from tests.factories import SIGNED
from tests.fleet_api.loan_helpers import listed_vehicle_id, login, make_participant


def test_a_coordinator_runs_a_loan_from_request_to_return(client, as_role, clock, api_db):
    coordinator = as_role["coordinator"]
    participant = make_participant(client, coordinator)
    car = listed_vehicle_id(client, coordinator, "car-02")
    starts = clock.now + timedelta(days=1)

    requested = client.post(
        "/api/v1/bookings",
        headers=coordinator,
        json={
            "participant_id": participant,
            "vehicle_id": car,
            "starts_at": starts.isoformat(),
            "ends_at": (starts + timedelta(days=14)).isoformat(),
        },
    )
    assert requested.status_code == 201, requested.text
    loan = requested.json()
    assert loan["status"] == "requested"
    assert datetime.fromisoformat(loan["held_until"]) - datetime.fromisoformat(loan["ends_at"]) == timedelta(hours=24)
    loan_id = loan["id"]

    validated = client.post(f"/api/v1/bookings/{loan_id}/validate", headers=coordinator)
    assert validated.status_code == 200, validated.text
    assert validated.json()["status"] == "validated"
    no_deposit = client.post(
        f"/api/v1/bookings/{loan_id}/checkout", headers=coordinator, json={"odometer_km": 52000, **SIGNED}
    )
    assert no_deposit.status_code == 409
    assert "caution" in no_deposit.json()["detail"]
    deposit = client.post(
        f"/api/v1/bookings/{loan_id}/deposit", headers=coordinator, json={"amount_cents": 15000, "method": "cheque"}
    )
    assert deposit.status_code == 200, deposit.text

    clock.advance(days=1)
    coordinator = login(client, "coordinator")
    out = client.post(
        f"/api/v1/bookings/{loan_id}/checkout",
        headers=coordinator,
        json={
            "odometer_km": 52000,
            "energy_pct": 75,
            "checklist": {"keys": True, "documents": True, "insurance_card": True},
            "damages": [{"location": "pare-chocs arrière", "description": "rayure de 5 cm"}],
            **SIGNED,
        },
    )
    assert out.status_code == 200, out.text
    assert out.json()["status"] == "active"
    assert client.get(f"/api/v1/vehicles/{car}", headers=coordinator).json()["status"] == "on_loan"

    clock.advance(days=10)
    coordinator = login(client, "coordinator")
    back = client.post(
        f"/api/v1/bookings/{loan_id}/checkin",
        headers=coordinator,
        json={
            "odometer_km": 52480,
            "energy_pct": 40,
            "damages": [{"location": "pare-chocs arrière", "description": "rayure de 5 cm"}],
            **SIGNED,
        },
    )
    assert back.status_code == 200, back.text
    assert back.json()["status"] == "returned"
    assert back.json()["odometer_km_driven"] == 480
    assert client.get(f"/api/v1/vehicles/{car}", headers=coordinator).json()["status"] == "available"

    detail = client.get(f"/api/v1/bookings/{loan_id}", headers=coordinator).json()
    assert [(t["from_status"], t["to_status"], t["by_username"]) for t in detail["transitions"]] == [
        (None, "requested", "coordinator"),
        ("requested", "validated", "coordinator"),
        ("validated", "validated", "coordinator"),
        ("validated", "active", "coordinator"),
        ("active", "returned", "coordinator"),
    ]
    assert set(detail["inspections"]) == {"checkout", "checkin"}
    with connect(api_db) as conn:  # the damage was there at departure: no ticket
        assert conn.execute("SELECT count(*) AS n FROM repair_tickets").fetchone()["n"] == 0
