"""Route × role matrix: every route, called by every role and without a token.

The expected table is written out here, literally, from fleet_api/ROUTES.md — not
derived from the `require(...)` declarations it checks. `test_every_route_is_in_the_matrix`
makes a new route fail until it is added to both.
"""

from __future__ import annotations

import itertools

import httpx
import pytest

from fleet_api.app import create_app
from tests.fleet_api.conftest import DEMO_LOGINS, Server, api_settings, bearer, token_for
from tests.fleet_api.loan_factories import PNG, loan_values
from tests.fleet_api.maintenance_factories import maintenance_values

ROLES = ("admin", "fleet_manager", "coordinator", "mechanic", "garage_partner", "prescriber")
# Columns: admin, fleet_manager, coordinator, mechanic, garage_partner, prescriber, no token.
# Y: allowed (neither 401 nor 403), 403: forbidden, 401: must sign in.
Y = "Y"
MATRIX = {
    ("GET", "/api/v1/health"): (Y, 403, 403, 403, 403, 403, 401),
    ("POST", "/api/v1/auth/logout"): (Y, Y, Y, Y, Y, Y, 401),
    ("GET", "/api/v1/me"): (Y, Y, Y, Y, Y, Y, 401),
    ("GET", "/api/v1/users"): (Y, 403, 403, 403, 403, 403, 401),
    ("POST", "/api/v1/users"): (Y, 403, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/users/{user_id}"): (Y, 403, 403, 403, 403, 403, 401),
    ("PATCH", "/api/v1/users/{user_id}"): (Y, 403, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/vehicles"): (Y, Y, Y, Y, 403, 403, 401),
    ("POST", "/api/v1/vehicles"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}"): (Y, Y, Y, Y, 403, 403, 401),
    ("PATCH", "/api/v1/vehicles/{vehicle_id}"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/trackers"): (Y, Y, 403, 403, 403, 403, 401),
    ("POST", "/api/v1/trackers"): (Y, 403, 403, 403, 403, 403, 401),
    ("PATCH", "/api/v1/trackers/{tracker_id}"): (Y, 403, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/trackers/health"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/dead-letters"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/fleet/live"): (Y, Y, Y, Y, 403, 403, 401),
    ("GET", "/api/v1/fleet/stream"): (Y, Y, Y, Y, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}/positions"): (Y, Y, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}/positions.csv"): (Y, Y, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}/positions.gpx"): (Y, Y, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}/trips"): (Y, Y, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/incidents"): (Y, Y, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/incidents"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/incidents/{incident_id}"): (Y, Y, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/incidents/{incident_id}/renew"): (Y, Y, 403, 403, 403, 403, 401),
    ("POST", "/api/v1/incidents/{incident_id}/close"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/geofences"): (Y, Y, Y, Y, 403, 403, 401),
    ("POST", "/api/v1/geofences"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/geofences/{geofence_id}"): (Y, Y, Y, Y, 403, 403, 401),
    ("PATCH", "/api/v1/geofences/{geofence_id}"): (Y, Y, 403, 403, 403, 403, 401),
    ("DELETE", "/api/v1/geofences/{geofence_id}"): (Y, Y, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/events"): (Y, Y, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/geofence-rules"): (Y, Y, Y, Y, 403, 403, 401),
    ("PATCH", "/api/v1/geofence-rules/{vehicle_kind}"): (Y, Y, 403, 403, 403, 403, 401),
    # Loans and participants (issue #5).
    ("GET", "/api/v1/participants"): (Y, 403, Y, 403, 403, Y, 401),
    ("POST", "/api/v1/participants"): (Y, 403, Y, 403, 403, Y, 401),
    ("GET", "/api/v1/participants/{participant_id}"): (Y, 403, Y, 403, 403, Y, 401),
    ("PATCH", "/api/v1/participants/{participant_id}"): (Y, 403, Y, 403, 403, Y, 401),
    ("GET", "/api/v1/participants/{participant_id}/export"): (Y, 403, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/participants/{participant_id}/erase"): (Y, 403, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/bookings"): (Y, Y, Y, 403, 403, Y, 401),
    ("POST", "/api/v1/bookings"): (Y, 403, Y, 403, 403, Y, 401),
    ("GET", "/api/v1/bookings/{loan_id}"): (Y, Y, Y, 403, 403, Y, 401),
    ("POST", "/api/v1/bookings/{loan_id}/validate"): (Y, 403, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/bookings/{loan_id}/reject"): (Y, 403, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/bookings/{loan_id}/cancel"): (Y, 403, Y, 403, 403, Y, 401),
    ("POST", "/api/v1/bookings/{loan_id}/deposit"): (Y, 403, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/bookings/{loan_id}/checkout"): (Y, 403, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/bookings/{loan_id}/checkin"): (Y, 403, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/bookings/{loan_id}/extend"): (Y, 403, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/bookings/{loan_id}/photos/{photo_id}"): (Y, Y, Y, 403, 403, 403, 401),
    ("POST", "/api/v1/photos"): (Y, 403, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/availability"): (Y, Y, Y, 403, 403, Y, 401),
    ("GET", "/api/v1/loan-rules"): (Y, Y, Y, 403, 403, 403, 401),
    ("PATCH", "/api/v1/loan-rules/{vehicle_kind}"): (Y, 403, 403, 403, 403, 403, 401),
    ("GET", "/api/v1/reports/activity"): (Y, Y, Y, 403, 403, 403, 401),
    ("GET", "/api/v1/reports/activity.csv"): (Y, Y, Y, 403, 403, 403, 401),
    # Maintenance, alerts, repair tickets (issue #6).
    ("GET", "/api/v1/maintenance/due"): (Y, Y, Y, Y, 403, 403, 401),
    ("GET", "/api/v1/maintenance/plans"): (Y, Y, Y, Y, 403, 403, 401),
    ("PUT", "/api/v1/maintenance/plans/{vehicle_kind}/{task}"): (Y, Y, 403, Y, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}/maintenance-plans"): (Y, Y, Y, Y, 403, 403, 401),
    ("PUT", "/api/v1/vehicles/{vehicle_id}/maintenance-plans/{task}"): (Y, Y, 403, Y, 403, 403, 401),
    ("DELETE", "/api/v1/vehicles/{vehicle_id}/maintenance-plans/{task}"): (Y, Y, 403, Y, 403, 403, 401),
    ("GET", "/api/v1/vehicles/{vehicle_id}/service-records"): (Y, Y, Y, Y, 403, 403, 401),
    ("POST", "/api/v1/vehicles/{vehicle_id}/service-records"): (Y, Y, 403, Y, 403, 403, 401),
    ("GET", "/api/v1/alerts"): (Y, Y, Y, Y, Y, Y, 401),
    ("POST", "/api/v1/alerts/{alert_id}/ack"): (Y, Y, Y, Y, Y, Y, 401),
    ("POST", "/api/v1/repair-tickets"): (Y, Y, 403, Y, 403, 403, 401),
    ("GET", "/api/v1/repair-tickets"): (Y, Y, Y, Y, Y, 403, 401),
    ("GET", "/api/v1/repair-tickets/{ticket_id}"): (Y, Y, Y, Y, Y, 403, 401),
    ("PATCH", "/api/v1/repair-tickets/{ticket_id}"): (Y, Y, 403, Y, 403, 403, 401),
    ("POST", "/api/v1/repair-tickets/{ticket_id}/status"): (Y, Y, 403, Y, Y, 403, 401),
    ("POST", "/api/v1/repair-tickets/{ticket_id}/comments"): (Y, Y, 403, Y, Y, 403, 401),
    ("PATCH", "/api/v1/repair-tickets/{ticket_id}/costs"): (Y, Y, 403, Y, Y, 403, 401),
    ("POST", "/api/v1/repair-tickets/{ticket_id}/photos"): (Y, Y, 403, Y, Y, 403, 401),
    ("GET", "/api/v1/repair-tickets/{ticket_id}/photos"): (Y, Y, Y, Y, Y, 403, 401),
    ("GET", "/api/v1/repair-tickets/{ticket_id}/photos/{photo_id}"): (Y, Y, Y, Y, Y, 403, 401),
    ("GET", "/api/v1/garages"): (Y, Y, Y, Y, 403, 403, 401),
    ("GET", "/api/v1/garages/{garage_id}"): (Y, Y, Y, Y, 403, 403, 401),
    ("PATCH", "/api/v1/garages/{garage_id}"): (Y, 403, 403, 403, 403, 403, 401),
    ("PUT", "/api/v1/garages/{garage_id}/webhook"): (Y, 403, 403, 403, 403, 403, 401),
    ("DELETE", "/api/v1/garages/{garage_id}/webhook"): (Y, 403, 403, 403, 403, 403, 401),
    # Privacy (issue #17).
    ("GET", "/api/v1/audit"): (Y, 403, 403, 403, 403, 403, 401),
}
# Open to anyone, token or not.
UNIQUE = itertools.count()
PUBLIC = {("POST", "/api/v1/auth/token"), ("GET", "/healthz"), ("GET", "/metrics")}

# A valid call of each route, so "allowed" means the call really succeeds (2xx).
CALLS = {
    ("GET", "/api/v1/health"): {},
    ("POST", "/api/v1/auth/logout"): {},
    ("GET", "/api/v1/me"): {},
    ("GET", "/api/v1/users"): {},
    ("POST", "/api/v1/users"): {
        "json": {
            "username": "new.{n}",
            "full_name": "Nouvelle personne",
            "role": "mechanic",
            "password": "mot-de-passe-{n}",
        }
    },
    ("GET", "/api/v1/users/{user_id}"): {"path": {"user_id": 2}},
    ("PATCH", "/api/v1/users/{user_id}"): {"path": {"user_id": 2}, "json": {"full_name": "Responsable de parc"}},
    ("GET", "/api/v1/vehicles"): {},
    ("POST", "/api/v1/vehicles"): {
        "json": {"label": "bike-{n}", "kind": "ebike", "energy": "electric", "home_site_id": 1}
    },
    ("GET", "/api/v1/vehicles/{vehicle_id}"): {"path": {"vehicle_id": 1}},
    ("PATCH", "/api/v1/vehicles/{vehicle_id}"): {"path": {"vehicle_id": 1}, "json": {"make": "Renault"}},
    ("GET", "/api/v1/trackers"): {},
    ("POST", "/api/v1/trackers"): {"json": {"tracker_id": "spare-{n}", "vehicle_id": "{new_vehicle}"}},
    ("PATCH", "/api/v1/trackers/{tracker_id}"): {"path": {"tracker_id": "car-01"}, "json": {"enabled": True}},
    ("GET", "/api/v1/trackers/health"): {},
    ("GET", "/api/v1/dead-letters"): {},
    ("GET", "/api/v1/fleet/live"): {},
    ("GET", "/api/v1/fleet/stream"): {},
    ("GET", "/api/v1/vehicles/{vehicle_id}/positions"): {"path": {"vehicle_id": 1}},
    ("GET", "/api/v1/vehicles/{vehicle_id}/positions.csv"): {"path": {"vehicle_id": 1}},
    ("GET", "/api/v1/vehicles/{vehicle_id}/positions.gpx"): {"path": {"vehicle_id": 1}},
    ("GET", "/api/v1/vehicles/{vehicle_id}/trips"): {"path": {"vehicle_id": 1}},
    ("GET", "/api/v1/incidents"): {},
    ("POST", "/api/v1/incidents"): {
        "json": {"vehicle_id": "{new_vehicle}", "kind": "theft_suspected", "reason": "Sorti du dépôt sans prêt."}
    },
    ("GET", "/api/v1/incidents/{incident_id}"): {"path": {"incident_id": "{incident}"}},
    ("POST", "/api/v1/incidents/{incident_id}/renew"): {
        "path": {"incident_id": "{incident}"},
        "json": {"reason": "Toujours introuvable."},
    },
    ("POST", "/api/v1/incidents/{incident_id}/close"): {
        "path": {"incident_id": "{incident}"},
        "json": {"outcome": "Retrouvé."},
    },
    ("GET", "/api/v1/geofences"): {},
    ("POST", "/api/v1/geofences"): {
        "json": {
            "type": "Feature",
            "properties": {"name": "Zone {n}", "kind": "other", "radius_m": 300},
            "geometry": {"type": "Point", "coordinates": [-1.05, 43.7]},
        }
    },
    ("GET", "/api/v1/geofences/{geofence_id}"): {"path": {"geofence_id": 1}},
    ("PATCH", "/api/v1/geofences/{geofence_id}"): {"path": {"geofence_id": 1}, "json": {"active": True}},
    ("DELETE", "/api/v1/geofences/{geofence_id}"): {"path": {"geofence_id": "{new_zone}"}},
    ("GET", "/api/v1/events"): {},
    ("GET", "/api/v1/geofence-rules"): {},
    ("PATCH", "/api/v1/geofence-rules/{vehicle_kind}"): {
        "path": {"vehicle_kind": "ebike"},
        "json": {"low_battery_pct": 15},
    },
    # Loans: fresh objects from tests/fleet_api/loan_factories.py.
    ("GET", "/api/v1/participants"): {},
    ("POST", "/api/v1/participants"): {"json": {"first_name": "Alex", "last_name": "Nouveau-{n}"}},
    ("GET", "/api/v1/participants/{participant_id}"): {"path": {"participant_id": "{participant}"}},
    ("PATCH", "/api/v1/participants/{participant_id}"): {
        "path": {"participant_id": "{participant}"},
        "json": {"notes": "Entretien le 3."},
    },
    ("GET", "/api/v1/participants/{participant_id}/export"): {"path": {"participant_id": "{participant}"}},
    ("POST", "/api/v1/participants/{participant_id}/erase"): {"path": {"participant_id": "{participant}"}},
    ("GET", "/api/v1/bookings"): {},
    ("POST", "/api/v1/bookings"): {
        "json": {
            "participant_id": "{participant}",
            "vehicle_id": "{new_vehicle}",
            "starts_at": "{starts}",
            "ends_at": "{ends}",
        }
    },
    ("GET", "/api/v1/bookings/{loan_id}"): {"path": {"loan_id": "{requested_loan}"}},
    ("POST", "/api/v1/bookings/{loan_id}/validate"): {"path": {"loan_id": "{requested_loan}"}},
    ("POST", "/api/v1/bookings/{loan_id}/reject"): {
        "path": {"loan_id": "{requested_loan}"},
        "json": {"reason": "Permis non présenté."},
    },
    ("POST", "/api/v1/bookings/{loan_id}/cancel"): {"path": {"loan_id": "{validated_loan}"}},
    ("POST", "/api/v1/bookings/{loan_id}/deposit"): {
        "path": {"loan_id": "{requested_loan}"},
        "json": {"amount_cents": 5000, "method": "cash"},
    },
    ("POST", "/api/v1/bookings/{loan_id}/checkout"): {
        "path": {"loan_id": "{validated_loan}"},
        "json": {"odometer_km": 10, "participant_signed": True, "staff_signed": True},
    },
    ("POST", "/api/v1/bookings/{loan_id}/checkin"): {
        "path": {"loan_id": "{active_loan}"},
        "json": {"odometer_km": 300, "participant_signed": True, "staff_signed": True},
    },
    ("POST", "/api/v1/bookings/{loan_id}/extend"): {
        "path": {"loan_id": "{active_loan}"},
        "json": {"ends_at": "{extend_to}"},
    },
    ("GET", "/api/v1/bookings/{loan_id}/photos/{photo_id}"): {
        "path": {"loan_id": "{photo_loan}", "photo_id": "{photo_id}"}
    },
    ("POST", "/api/v1/photos"): {"files": {"file": ("rayure.png", PNG, "image/png")}},
    ("GET", "/api/v1/availability"): {"params": {"from": "{starts}", "to": "{ends}", "kind": "ebike"}},
    ("GET", "/api/v1/loan-rules"): {},
    ("PATCH", "/api/v1/loan-rules/{vehicle_kind}"): {"path": {"vehicle_kind": "ebike"}, "json": {"max_days": 92}},
    ("GET", "/api/v1/reports/activity"): {},
    ("GET", "/api/v1/reports/activity.csv"): {},
    ("GET", "/api/v1/maintenance/due"): {},
    ("GET", "/api/v1/maintenance/plans"): {},
    ("PUT", "/api/v1/maintenance/plans/{vehicle_kind}/{task}"): {
        "path": {"vehicle_kind": "ebike", "task": "brakes"},
        "json": {"label": "Plaquettes de frein", "every_km": 1500, "soon_km": 150},
    },
    ("GET", "/api/v1/vehicles/{vehicle_id}/maintenance-plans"): {"path": {"vehicle_id": 1}},
    ("PUT", "/api/v1/vehicles/{vehicle_id}/maintenance-plans/{task}"): {
        "path": {"vehicle_id": "{new_vehicle}", "task": "service"},
        "json": {"label": "Révision", "every_km": 1000, "every_months": 6, "soon_km": 100, "soon_days": 15},
    },
    ("DELETE", "/api/v1/vehicles/{vehicle_id}/maintenance-plans/{task}"): {
        "path": {"vehicle_id": "{new_vehicle}", "task": "service"}
    },
    ("GET", "/api/v1/vehicles/{vehicle_id}/service-records"): {"path": {"vehicle_id": 1}},
    ("POST", "/api/v1/vehicles/{vehicle_id}/service-records"): {
        "path": {"vehicle_id": "{new_vehicle}"},
        "json": {"performed_on": "2026-01-15", "odometer_km": 120, "tasks": ["service"], "cost_cents": 4500},
    },
    ("GET", "/api/v1/alerts"): {},
    ("POST", "/api/v1/alerts/{alert_id}/ack"): {"path": {"alert_id": "{role_alert}"}},
    ("POST", "/api/v1/repair-tickets"): {
        "json": {"vehicle_id": "{new_vehicle}", "garage_id": "{garage}", "title": "Pneu avant crevé"}
    },
    ("GET", "/api/v1/repair-tickets"): {},
    ("GET", "/api/v1/repair-tickets/{ticket_id}"): {"path": {"ticket_id": "{ticket}"}},
    ("PATCH", "/api/v1/repair-tickets/{ticket_id}"): {
        "path": {"ticket_id": "{ticket}"},
        "json": {"description": "Bruit au freinage"},
    },
    ("POST", "/api/v1/repair-tickets/{ticket_id}/status"): {
        "path": {"ticket_id": "{sent_ticket}"},
        "json": {"status": "accepted"},
    },
    ("POST", "/api/v1/repair-tickets/{ticket_id}/comments"): {
        "path": {"ticket_id": "{ticket}"},
        "json": {"text": "Pièce commandée."},
    },
    ("PATCH", "/api/v1/repair-tickets/{ticket_id}/costs"): {
        "path": {"ticket_id": "{ticket}"},
        "json": {"quote_cents": 12000},
    },
    ("POST", "/api/v1/repair-tickets/{ticket_id}/photos"): {
        "path": {"ticket_id": "{ticket}"},
        "files": {"file": ("reparation.png", PNG, "image/png")},
    },
    ("GET", "/api/v1/repair-tickets/{ticket_id}/photos"): {"path": {"ticket_id": "{ticket}"}},
    ("GET", "/api/v1/repair-tickets/{ticket_id}/photos/{photo_id}"): {
        "path": {"ticket_id": "{photo_ticket}", "photo_id": "{ticket_photo}"}
    },
    ("GET", "/api/v1/garages"): {},
    ("GET", "/api/v1/garages/{garage_id}"): {"path": {"garage_id": 1}},
    ("PATCH", "/api/v1/garages/{garage_id}"): {"path": {"garage_id": 1}, "json": {"phone": "05 58 00 00 01"}},
    ("PUT", "/api/v1/garages/{garage_id}/webhook"): {
        "path": {"garage_id": 1},
        "json": {"url": "https://garage.example.org/hooks"},
    },
    ("DELETE", "/api/v1/garages/{garage_id}/webhook"): {"path": {"garage_id": 1}},
    ("GET", "/api/v1/audit"): {"params": {"limit": 5}},
}


@pytest.fixture(scope="module")
def matrix_client(module_db):
    """A real server (the live stream never ends, so it is read only up to its status)."""
    app = create_app(api_settings(module_db))
    with Server(app) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        client.app = app
        yield client


def _fill(value, values: dict):
    if isinstance(value, str):
        filled = value.format(**values)
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, dict):
        return {key: _fill(item, values) for key, item in value.items()}
    return value


def call(
    client: httpx.Client,
    method: str,
    path: str,
    headers: dict,
    *,
    n: int,
    new_vehicle: int,
    new_zone: int | None = None,
    **extra,
):
    spec = CALLS[(method, path)]
    values = {"n": n, "new_vehicle": new_vehicle, "new_zone": new_zone} | extra
    url = path.format(**_fill(spec.get("path", {}), values))
    json_body = _fill(spec["json"], values) if "json" in spec else None
    params = _fill(spec["params"], values) if "params" in spec else None
    with client.stream(
        method, url, headers=headers, json=json_body, params=params, files=spec.get("files")
    ) as response:
        if not response.headers.get("content-type", "").startswith("text/event-stream"):
            response.read()
        return response


def test_every_route_is_in_the_matrix(matrix_client):
    paths = matrix_client.app.openapi()["paths"]
    routes = {(method.upper(), path) for path, operations in paths.items() for method in operations}
    assert routes == set(MATRIX) | PUBLIC


@pytest.fixture(scope="module")
def role_tokens(matrix_client) -> dict[str, str]:
    return {role: token_for(matrix_client, username) for role, username in DEMO_LOGINS.items()}


@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda route: f"{route[0]} {route[1]}")
def test_each_role_gets_exactly_what_the_table_says(matrix_client, role_tokens, route):
    method, path = route
    expected = dict(zip((*ROLES, None), MATRIX[route]))
    admin = bearer(role_tokens["admin"])
    # Logging out revokes the token it is called with: that row signs in afresh.
    fresh = route == ("POST", "/api/v1/auth/logout")
    for role, outcome in expected.items():
        n = next(UNIQUE)
        # A vehicle without a tracker for each tracker registration (made by the admin).
        spare = matrix_client.post(
            "/api/v1/vehicles",
            headers=admin,
            json={"label": f"spare-{n}", "kind": "ebike", "energy": "electric", "home_site_id": 1},
        ).json()["id"]
        # A zone of its own for each deletion.
        zone = (
            matrix_client.post(
                "/api/v1/geofences",
                headers=admin,
                json={
                    "type": "Feature",
                    "properties": {"name": f"jetable-{n}", "kind": "other", "radius_m": 50},
                    "geometry": {"type": "Point", "coordinates": [-1.05, 43.7]},
                },
            ).json()["id"]
            if method == "DELETE"
            else None
        )
        token = token_for(matrix_client, DEMO_LOGINS[role]) if role and fresh else role_tokens.get(role)
        headers = bearer(token) if token else {}
        extra = loan_values(matrix_client, admin, CALLS[route], vehicle=spare)
        extra |= maintenance_values(matrix_client, admin, CALLS[route], vehicle=spare, role=role)
        if "{incident}" in str(CALLS[route]):  # an open incident of its own for each row
            extra["incident"] = matrix_client.post(
                "/api/v1/incidents",
                headers=admin,
                json={"vehicle_id": spare, "kind": "theft_suspected", "reason": "Sorti du dépôt."},
            ).json()["id"]
        response = call(matrix_client, method, path, headers, n=n, new_vehicle=spare, new_zone=zone, **extra)
        if outcome == Y:
            assert 200 <= response.status_code < 300, (role, response.status_code, response.text)
        else:
            assert response.status_code == outcome, (role, response.status_code, response.text)
            assert set(response.json()) == {"error", "detail"}
