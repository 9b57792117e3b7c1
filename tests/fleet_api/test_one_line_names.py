"""Names and short texts are one line: a control character (CR, LF, tab, other C0 and C1,
Unicode line separators) is refused with 422 before it can reach an e-mail subject or header."""

import pytest

CONTROLS = [
    "Clio\r\nBcc: tous@example.org",
    "Clio\n",
    "Clio\tbis",
    "Clio\x1b[31m",
    "Clio\x85",
    "Clio\u2028",
    "Clio\x7f",
]


def refused(response) -> bool:
    return response.status_code == 422 and response.json()["error"] == "InvalidInput"


@pytest.mark.parametrize("label", CONTROLS)
def test_a_vehicle_label_or_its_make_with_a_control_character_is_refused(client, as_role, label):
    vehicle = {"label": label, "kind": "ebike", "energy": "electric", "home_site_id": 1}

    assert refused(client.post("/api/v1/vehicles", headers=as_role["admin"], json=vehicle))
    assert refused(client.patch("/api/v1/vehicles/1", headers=as_role["admin"], json={"label": label}))
    assert refused(client.patch("/api/v1/vehicles/1", headers=as_role["admin"], json={"make": label}))


@pytest.mark.parametrize("name", CONTROLS)
def test_a_person_or_ticket_name_with_a_control_character_is_refused(client, as_role, name):
    admin = as_role["admin"]
    user = {"username": "nouvelle", "full_name": name, "role": "mechanic", "password": "mot-de-passe-long"}

    assert refused(client.post("/api/v1/users", headers=admin, json=user))
    assert refused(client.patch("/api/v1/users/2", headers=admin, json={"full_name": name}))
    assert refused(
        client.post("/api/v1/repair-tickets", headers=admin, json={"vehicle_id": 1, "garage_id": 1, "title": name})
    )
    assert refused(
        client.put(
            "/api/v1/maintenance/plans/ebike/brakes",
            headers=admin,
            json={"label": name, "every_km": 1500, "soon_km": 150},
        )
    )
    assert refused(client.post("/api/v1/participants", headers=admin, json={"first_name": name, "last_name": "X"}))


def test_names_with_accents_apostrophes_and_dashes_still_pass(client, as_role):
    vehicle = {"label": "Clio n° 2 – l'ancienne (Dax)", "kind": "ebike", "energy": "electric", "home_site_id": 1}

    created = client.post("/api/v1/vehicles", headers=as_role["admin"], json=vehicle)

    assert created.status_code == 201, created.text
    assert created.json()["label"] == vehicle["label"]
    renamed = client.patch("/api/v1/users/2", headers=as_role["admin"], json={"full_name": "Éloïse N'Diaye-Lefèvre"})
    assert renamed.status_code == 200, renamed.text


def test_a_garage_address_may_still_span_lines(client, as_role):
    changed = client.patch(
        "/api/v1/garages/1", headers=as_role["admin"], json={"address": "12 rue des Pins\n40100 Dax"}
    )

    assert changed.status_code == 200, changed.text
    assert changed.json()["address"] == "12 rue des Pins\n40100 Dax"
