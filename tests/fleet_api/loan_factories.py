"""Fresh participants and loans for the route × role matrix (tests/fleet_api/test_route_roles.py).

Each call of a loan route needs its own object in the right status; `loan_values` makes
only those the route's call names (`{requested_loan}`, `{active_loan}`…), as the admin,
on the iteration's own spare e-bike (no licence needed, no other loan on it).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.factories import SIGNED

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


def _ok(response) -> dict:
    assert 200 <= response.status_code < 300, response.text
    return response.json()


def _participant(client, admin: dict) -> int:
    return _ok(
        client.post(
            "/api/v1/participants",
            headers=admin,
            json={"first_name": "Alex", "last_name": "Matrice", "prescriber_id": 1, "purpose": "training"},
        )
    )["id"]


def _loan(client, admin: dict, vehicle: int, *, status: str, photo: bool = False) -> int:
    now = datetime.now(UTC)
    loan = _ok(
        client.post(
            "/api/v1/bookings",
            headers=admin,
            json={
                "participant_id": _participant(client, admin),
                "vehicle_id": vehicle,
                "starts_at": (now + timedelta(hours=1)).isoformat(),
                "ends_at": (now + timedelta(days=3)).isoformat(),
            },
        )
    )
    if status in ("validated", "active"):
        _ok(client.post(f"/api/v1/bookings/{loan['id']}/validate", headers=admin))
        _ok(
            client.post(
                f"/api/v1/bookings/{loan['id']}/deposit", headers=admin, json={"amount_cents": 0, "method": "waived"}
            )
        )
    if status == "active":
        damages = []
        if photo:
            upload = _ok(client.post("/api/v1/photos", headers=admin, files={"file": ("fendu.png", PNG, "image/png")}))
            damages = [{"location": "garde-boue", "description": "fendu", "photos": [{"upload_id": upload["id"]}]}]
        _ok(
            client.post(
                f"/api/v1/bookings/{loan['id']}/checkout",
                headers=admin,
                json={"odometer_km": 120, "damages": damages, **SIGNED},
            )
        )
    return loan["id"]


def loan_values(client, admin: dict, spec: dict, *, vehicle: int) -> dict:
    """The placeholders of `spec` this module knows, each made fresh."""
    text = repr(spec)
    values: dict = {}
    now = datetime.now(UTC)
    if "{participant}" in text:
        values["participant"] = _participant(client, admin)
    for status in ("requested", "validated", "active"):
        if "{" + f"{status}_loan" + "}" in text:
            values[f"{status}_loan"] = _loan(client, admin, vehicle, status=status)
    if "{photo_loan}" in text:
        values["photo_loan"] = _loan(client, admin, vehicle, status="active", photo=True)
        detail = _ok(client.get(f"/api/v1/bookings/{values['photo_loan']}", headers=admin))
        values["photo_id"] = detail["inspections"]["checkout"]["photos"][0]["id"]
    values |= {
        "starts": (now + timedelta(days=1)).isoformat(),
        "ends": (now + timedelta(days=8)).isoformat(),
        "extend_to": (now + timedelta(days=10)).isoformat(),
    }
    return values
