"""Plain factory functions for the loan tests: participants, requests, loans in each status."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.factories import SIGNED
from tests.fleet_api.conftest import DEMO_LOGINS, bearer, token_for

PRESCRIBER_ID = 1  # the demo prescriber's structure (first of fleetbase.seed_data.PRESCRIBERS)


def listed_vehicle_id(client, headers: dict, label: str) -> int:
    """The id of the vehicle `label` as the API lists it to `headers`."""
    vehicles = client.get("/api/v1/vehicles", headers=headers).json()
    return next(vehicle["id"] for vehicle in vehicles if vehicle["label"] == label)


def make_participant(client, headers: dict, *, licences=("B",), **overrides) -> int:
    body = {
        "first_name": "Camille",
        "last_name": "Durand",
        "phone": "06 12 34 56 78",
        "email": "camille.durand@example.org",
        "municipality": "Saint-Paul-lès-Dax",
        "intercommunality": "Communauté d'agglomération du Grand Dax",
        "prescriber_id": PRESCRIBER_ID,
        "purpose": "job",
        "notes": "Embauche en CDD à la conserverie.",
        "licences": [{"category": category, "checked_on": "2026-01-15"} for category in licences],
    }
    response = client.post("/api/v1/participants", headers=headers, json=body | overrides)
    assert response.status_code == 201, response.text
    return response.json()["id"]


def iso(moment: datetime) -> str:
    return moment.isoformat()


def request_loan(
    client, headers: dict, *, participant: int, vehicle: int, starts_at: datetime, days: float = 7, expect: int = 201
) -> dict:
    response = client.post(
        "/api/v1/bookings",
        headers=headers,
        json={
            "participant_id": participant,
            "vehicle_id": vehicle,
            "starts_at": iso(starts_at),
            "ends_at": iso(starts_at + timedelta(days=days)),
        },
    )
    assert response.status_code == expect, response.text
    return response.json()


def validated_loan(client, coordinator: dict, **request) -> dict:
    loan = request_loan(client, coordinator, **request)
    response = client.post(f"/api/v1/bookings/{loan['id']}/validate", headers=coordinator)
    assert response.status_code == 200, response.text
    response = client.post(
        f"/api/v1/bookings/{loan['id']}/deposit", headers=coordinator, json={"amount_cents": 5000, "method": "cheque"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def active_loan(client, coordinator: dict, *, odometer_km: float = 1000, **request) -> dict:
    loan = validated_loan(client, coordinator, **request)
    response = client.post(
        f"/api/v1/bookings/{loan['id']}/checkout",
        headers=coordinator,
        json={"odometer_km": odometer_km, "energy_pct": 80, **SIGNED},
    )
    assert response.status_code == 200, response.text
    return response.json()


def login(client, role: str) -> dict:
    """Fresh headers for a demo role (tokens last 8 hours; loan tests move the clock by days)."""
    return bearer(token_for(client, DEMO_LOGINS[role]))
