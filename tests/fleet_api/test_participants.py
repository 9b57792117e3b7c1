"""Participants through the API: what a coordinator and a prescriber may record and see,
the export and the erasure (docs/PRIVACY.md)."""

from __future__ import annotations

from fleetbase.db import connect
from tests.fleet_api.loan_helpers import make_participant


def test_a_prescriber_refers_people_of_their_own_structure(client, as_role):
    prescriber = as_role["prescriber"]

    created = client.post(
        "/api/v1/participants",
        headers=prescriber,
        json={"first_name": "Yanis", "last_name": "Bordes", "prescriber_id": 4, "purpose": "interview"},
    )
    other = make_participant(client, as_role["coordinator"], prescriber_id=2, last_name="Hors-périmètre")

    assert created.status_code == 201, created.text
    assert created.json()["prescriber_id"] == 1  # their own structure, whatever they sent
    assert created.json()["referred_by_user_id"] is not None
    seen = [person["last_name"] for person in client.get("/api/v1/participants", headers=prescriber).json()]
    assert seen == ["Bordes"]
    assert client.get(f"/api/v1/participants/{other}", headers=prescriber).status_code == 404
    assert client.patch(f"/api/v1/participants/{other}", headers=prescriber, json={"notes": "x"}).status_code == 404


def test_a_coordinator_records_and_corrects_licences(client, as_role):
    coordinator = as_role["coordinator"]
    person = make_participant(client, coordinator, licences=("BSR",))

    changed = client.patch(
        f"/api/v1/participants/{person}",
        headers=coordinator,
        json={
            "licences": [{"category": "B", "checked_on": "2026-11-02"}, {"category": "AM", "checked_on": "2026-11-02"}],
            "phone": "07 00 11 22 33",
        },
    )
    duplicate = client.patch(
        f"/api/v1/participants/{person}",
        headers=coordinator,
        json={
            "licences": [{"category": "B", "checked_on": "2026-11-02"}, {"category": "B", "checked_on": "2026-11-03"}]
        },
    )
    blank = client.patch(f"/api/v1/participants/{person}", headers=coordinator, json={"last_name": None})

    assert changed.status_code == 200, changed.text
    assert [licence["category"] for licence in changed.json()["licences"]] == ["AM", "B"]
    assert changed.json()["phone"] == "07 00 11 22 33"
    assert (duplicate.status_code, blank.status_code) == (422, 422)
    assert set(duplicate.json()) == set(blank.json()) == {"error", "detail"}


def test_export_then_erasure_through_the_api(client, as_role, api_db):
    coordinator = as_role["coordinator"]
    person = make_participant(client, coordinator)

    export = client.get(f"/api/v1/participants/{person}/export", headers=coordinator)
    erased = client.post(f"/api/v1/participants/{person}/erase", headers=coordinator)
    again = client.post(f"/api/v1/participants/{person}/erase", headers=coordinator)
    changed = client.patch(f"/api/v1/participants/{person}", headers=coordinator, json={"notes": "retour"})

    assert export.status_code == 200 and export.json()["participant"]["email"] == "camille.durand@example.org"
    assert erased.status_code == 200
    body = erased.json()
    assert all(body[field] is None for field in ("first_name", "last_name", "phone", "email", "municipality"))
    assert body["notes"] == "" and body["licences"] == [] and body["erased_at"]
    assert (again.status_code, changed.status_code) == (409, 409)
    assert person not in [p["id"] for p in client.get("/api/v1/participants", headers=coordinator).json()]
    with connect(api_db) as conn:
        actions = [
            row["action"]
            for row in conn.execute(
                "SELECT action FROM audit_log WHERE subject_type = 'participant' AND subject_id = %(id)s ORDER BY id",
                {"id": str(person)},
            )
        ]
    assert actions == ["export_participant", "erase_participant"]


def test_participants_are_found_by_the_start_of_their_commune(client, as_role):
    coordinator = as_role["coordinator"]
    make_participant(client, coordinator, last_name="Lafitte", municipality="Saint-Paul-lès-Dax")
    make_participant(client, coordinator, last_name="Oyhenart", municipality="Peyrehorade")

    found = client.get("/api/v1/participants", headers=coordinator, params={"municipality": "saint-p"})
    both = client.get("/api/v1/participants", headers=coordinator, params={"municipality": "Pey", "search": "Oyh"})
    wildcard = client.get("/api/v1/participants", headers=coordinator, params={"municipality": "%"})

    assert [person["last_name"] for person in found.json()] == ["Lafitte"]
    assert [person["last_name"] for person in both.json()] == ["Oyhenart"]
    assert wildcard.json() == []
