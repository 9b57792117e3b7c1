"""Repair tickets through the API: the workflow, the garage partner's scope, immobilisation,
and the service record written on closing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fleetbase.db import connect
from fleetbase.passwords import hash_user_password
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import bearer, token_for


@pytest.fixture
def other_garage(api_db, client) -> dict:
    """A second garage solidaire with its own partner login."""
    with connect(api_db, autocommit=True) as conn:
        garage = conn.execute(
            "INSERT INTO garages (name, email) VALUES ('Garage du Seignanx',"
            " 'atelier@seignanx.example.org') RETURNING id"
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO users (username, full_name, email, role, password_hash, garage_id)"
            " VALUES ('garage2', 'Garage du Seignanx', 'g2@seignanx.example.org', 'garage_partner',"
            " %(hash)s, %(garage)s)",
            {"hash": hash_user_password(DEMO_PASSWORD), "garage": garage},
        )
    return {"id": garage, "headers": bearer(token_for(client, "garage2"))}


def _ids(api_db) -> dict:
    with connect(api_db, autocommit=True) as conn:
        return {
            "garage": conn.execute("SELECT min(id) AS id FROM garages").fetchone()["id"],
            "scooter": conn.execute("SELECT id FROM vehicles WHERE label = 'scooter-07'").fetchone()["id"],
        }


def _ticket(client, headers, vehicle: int, garage: int, **extra) -> dict:
    response = client.post(
        "/api/v1/repair-tickets",
        headers=headers,
        json={"vehicle_id": vehicle, "garage_id": garage, "title": "Freins à revoir", **extra},
    )
    assert response.status_code == 201, response.text
    return response.json()


def test_a_garage_partner_cannot_read_or_change_another_garages_ticket(client, as_role, api_db, other_garage):
    ids = _ids(api_db)
    ours = _ticket(client, as_role["mechanic"], ids["scooter"], ids["garage"])
    theirs = _ticket(client, as_role["mechanic"], ids["scooter"], other_garage["id"])
    for ticket in (ours, theirs):
        assert (
            client.post(
                f"/api/v1/repair-tickets/{ticket['id']}/status", headers=as_role["mechanic"], json={"status": "sent"}
            ).status_code
            == 200
        )
    garage = as_role["garage_partner"]

    listed = client.get("/api/v1/repair-tickets", headers=garage).json()
    assert [ticket["id"] for ticket in listed] == [ours["id"]]
    for method, path, body in (
        ("GET", "", None),
        ("POST", "/status", {"status": "accepted"}),
        ("POST", "/comments", {"text": "Devis envoyé."}),
        ("PATCH", "/costs", {"quote_cents": 9000}),
    ):
        response = client.request(method, f"/api/v1/repair-tickets/{theirs['id']}{path}", headers=garage, json=body)
        assert response.status_code == 404, (method, path, response.text)
        assert response.json()["error"] == "NotFound"
    # The other garage's own partner does it all.
    assert (
        client.post(
            f"/api/v1/repair-tickets/{theirs['id']}/status",
            headers=other_garage["headers"],
            json={"status": "accepted"},
        ).json()["status"]
        == "accepted"
    )
    detail = client.get(f"/api/v1/repair-tickets/{theirs['id']}", headers=as_role["mechanic"]).json()
    assert [update["status"] for update in detail["updates"]] == ["open", "sent", "accepted"]


def test_the_whole_workflow_immobilises_then_releases_the_vehicle_and_writes_a_service_record(
    client, as_role, api_db, clock
):
    ids = _ids(api_db)
    with connect(api_db, autocommit=True) as conn:  # a validated loan next week collides with the immobilisation
        loan = conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until) VALUES (%(v)s, 'validated',"
            " %(s)s, %(e)s, %(e)s) RETURNING id",
            {"v": ids["scooter"], "s": clock.now + timedelta(days=7), "e": clock.now + timedelta(days=14)},
        ).fetchone()["id"]
    mechanic, garage = as_role["mechanic"], as_role["garage_partner"]
    ticket = _ticket(client, mechanic, ids["scooter"], ids["garage"], immobilised=True, tasks=["tyres"])
    assert ticket["status"] == "open" and ticket["immobilised_since"] is not None
    vehicle = client.get(f"/api/v1/vehicles/{ids['scooter']}", headers=mechanic).json()
    assert vehicle["status"] == "immobilised"
    [collision] = client.get("/api/v1/alerts?kind=loan_collides_repair", headers=as_role["coordinator"]).json()
    assert collision["loan_id"] == loan and "immobilisé pour réparation" in collision["message"]

    # Wrong moves are refused with the reason, never a 500.
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status", headers=mechanic, json={"status": "done"}
        ).status_code
        == 409
    )
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status", headers=mechanic, json={"status": "sideways"}
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status", headers=mechanic, json={"status": "sent"}
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status", headers=garage, json={"status": "cancelled"}
        ).status_code
        == 403
    )
    quote = client.patch(
        f"/api/v1/repair-tickets/{ticket['id']}/costs",
        headers=garage,
        json={
            "quote_cents": 8500,
            "parts": [{"name": "Pneu avant 120/70-12", "quantity": 1, "unit_price_cents": 4500}],
        },
    )
    assert quote.status_code == 200 and quote.json()["quote_cents"] == 8500
    for status in ("accepted", "in_progress"):
        assert (
            client.post(
                f"/api/v1/repair-tickets/{ticket['id']}/status", headers=garage, json={"status": status}
            ).status_code
            == 200
        )
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/comments", headers=garage, json={"text": "Pneu changé, essai fait."}
        ).status_code
        == 201
    )
    done = client.post(
        f"/api/v1/repair-tickets/{ticket['id']}/status",
        headers=garage,
        json={"status": "done", "final_cost_cents": 8900},
    ).json()

    assert done["status"] == "done" and done["final_cost_cents"] == 8900 and done["closed_at"] is not None
    assert client.get(f"/api/v1/vehicles/{ids['scooter']}", headers=mechanic).json()["status"] == "available"
    assert client.get("/api/v1/alerts?kind=loan_collides_repair", headers=as_role["coordinator"]).json() == []
    [record] = client.get(f"/api/v1/vehicles/{ids['scooter']}/service-records", headers=mechanic).json()
    assert record["id"] == done["service_record_id"] and record["tasks"] == ["tyres"]
    assert record["cost_cents"] == 8900 and record["notes"].startswith(f"Fiche de réparation n° {ticket['id']}")
    assert [update["kind"] for update in done["updates"]] == [
        "status",
        "status",
        "costs",
        "status",
        "status",
        "comment",
        "status",
    ]


def test_a_draft_from_a_check_in_is_completed_and_opened_by_the_mechanic(client, as_role, api_db):
    ids = _ids(api_db)
    with connect(api_db, autocommit=True) as conn:  # what loans/ writes at check-in
        draft = conn.execute(
            "INSERT INTO repair_tickets (vehicle_id, title, status) VALUES (%(v)s,"
            " 'Rétroviseur cassé au retour', 'draft') RETURNING id",
            {"v": ids["scooter"]},
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO alerts (kind, target_role, vehicle_id, message, dedup_key)"
            " VALUES ('repair_draft', 'mechanic', %(v)s, 'Dommage constaté.', %(key)s)",
            {"v": ids["scooter"], "key": f"repair_draft:{draft}"},
        )
    mechanic = as_role["mechanic"]
    assert (
        client.post(f"/api/v1/repair-tickets/{draft}/status", headers=mechanic, json={"status": "open"}).json()["error"]
        == "InvalidInput"
    )  # no garage yet
    assert client.get(f"/api/v1/repair-tickets/{draft}", headers=as_role["garage_partner"]).status_code == 404
    completed = client.patch(
        f"/api/v1/repair-tickets/{draft}", headers=mechanic, json={"garage_id": ids["garage"], "immobilised": False}
    )
    assert completed.status_code == 200, completed.text
    opened = client.post(f"/api/v1/repair-tickets/{draft}/status", headers=mechanic, json={"status": "open"})
    assert opened.json()["status"] == "open"
    assert client.get("/api/v1/alerts?kind=repair_draft", headers=mechanic).json() == []  # resolved
    assert client.patch(f"/api/v1/repair-tickets/{draft}", headers=mechanic, json={"title": None}).status_code == 422


def test_bad_ticket_input_answers_4xx_with_its_reason(client, as_role, api_db):
    ids = _ids(api_db)
    mechanic = as_role["mechanic"]
    cases = [
        ({"vehicle_id": 999_999, "garage_id": ids["garage"], "title": "x"}, 404),
        ({"vehicle_id": ids["scooter"], "garage_id": 999_999, "title": "x"}, 404),
        ({"vehicle_id": ids["scooter"], "garage_id": ids["garage"], "title": "   "}, 422),
        ({"vehicle_id": ids["scooter"], "garage_id": ids["garage"], "title": "x", "tasks": ["Pneu avant"]}, 422),
        ({"vehicle_id": ids["scooter"], "garage_id": ids["garage"], "title": "x\u0000"}, 422),
        ({"vehicle_id": 2**64, "garage_id": ids["garage"], "title": "x"}, 422),
    ]
    for body, status in cases:
        response = client.post("/api/v1/repair-tickets", headers=mechanic, json=body)
        assert response.status_code == status and set(response.json()) == {"error", "detail"}, (body, response.text)
    ticket = _ticket(client, mechanic, ids["scooter"], ids["garage"])
    assert (
        client.patch(
            f"/api/v1/repair-tickets/{ticket['id']}/costs",
            headers=mechanic,
            json={"parts": [{"name": "", "quantity": 0}]},
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status",
            headers=mechanic,
            json={"status": "cancelled", "final_cost_cents": 100},
        ).status_code
        == 422
    )
    assert (
        client.post(
            f"/api/v1/repair-tickets/{ticket['id']}/status",
            headers=mechanic,
            json={"status": "cancelled", "note": "Réparé sur place."},
        ).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/v1/repair-tickets/{ticket['id']}/costs", headers=mechanic, json={"quote_cents": 100}
        ).status_code
        == 409
    )
    assert (
        client.post(f"/api/v1/repair-tickets/{ticket['id']}/comments", headers=mechanic, json={"text": ""}).status_code
        == 422
    )
    assert client.get("/api/v1/repair-tickets/0", headers=mechanic).status_code == 422
    assert client.get("/api/v1/repair-tickets?status=lost", headers=mechanic).status_code == 422
