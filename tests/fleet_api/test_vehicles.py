"""Vehicles: listed, created, changed; the database's refusals answer 409/422, never 500."""

from tests.fleet_api.loan_helpers import active_loan, make_participant

NEW_CAR = {
    "label": "car-09",
    "kind": "car",
    "energy": "petrol",
    "plate": "GA-999-LD",
    "make": "Renault",
    "model": "Zoé",
    "home_site_id": 1,
}


def test_the_seeded_fleet_is_listed_with_its_trackers(client, as_role):
    response = client.get("/api/v1/vehicles", headers=as_role["mechanic"])

    assert response.status_code == 200
    vehicles = response.json()
    assert len(vehicles) == 42
    assert {vehicle["tracker_id"] for vehicle in vehicles} >= {"car-01", "scooter-28", "ebike-06"}


def test_a_fleet_manager_creates_then_changes_a_vehicle(client, as_role):
    created = client.post("/api/v1/vehicles", json=NEW_CAR, headers=as_role["fleet_manager"])
    assert created.status_code == 201
    vehicle = created.json()
    assert vehicle["status"] == "available" and vehicle["tracker_id"] is None

    changed = client.patch(
        f"/api/v1/vehicles/{vehicle['id']}",
        json={"status": "maintenance", "make": "Dacia"},
        headers=as_role["fleet_manager"],
    )

    assert changed.status_code == 200
    assert changed.json()["status"] == "maintenance" and changed.json()["make"] == "Dacia"
    assert changed.json()["model"] == "Zoé"
    assert client.get(f"/api/v1/vehicles/{vehicle['id']}", headers=as_role["coordinator"]).json() == changed.json()


def test_duplicate_plate_is_409_and_unknown_site_is_422(client, as_role):
    duplicate = client.post("/api/v1/vehicles", json=NEW_CAR | {"plate": "GA-101-LD"}, headers=as_role["admin"])
    assert duplicate.status_code == 409
    assert duplicate.json() == {"error": "Conflict", "detail": "Un véhicule porte déjà cette immatriculation."}

    unknown_site = client.post("/api/v1/vehicles", json=NEW_CAR | {"home_site_id": 9999}, headers=as_role["admin"])
    assert unknown_site.status_code == 422
    assert unknown_site.json()["detail"] == "Ce site de rattachement n'existe pas."


def test_inconsistent_values_are_422_in_the_error_shape(client, as_role):
    no_plate = client.post("/api/v1/vehicles", json=NEW_CAR | {"plate": None}, headers=as_role["admin"])
    assert no_plate.status_code == 422 and no_plate.json()["error"] == "InvalidInput"
    electric_scooter = client.post(
        "/api/v1/vehicles", json=NEW_CAR | {"kind": "scooter", "energy": "electric"}, headers=as_role["admin"]
    )
    assert electric_scooter.status_code == 422
    null_label = client.patch("/api/v1/vehicles/1", json={"label": None}, headers=as_role["admin"])
    assert null_label.status_code == 422
    nul_byte = client.post("/api/v1/vehicles", json=NEW_CAR | {"make": "a\x00b"}, headers=as_role["admin"])
    assert nul_byte.status_code == 422
    huge_id = client.get(f"/api/v1/vehicles/{2**70}", headers=as_role["admin"])
    assert huge_id.status_code == 422


def test_unknown_vehicles_are_404(client, as_role):
    assert client.get("/api/v1/vehicles/99999", headers=as_role["admin"]).status_code == 404
    assert client.patch("/api/v1/vehicles/99999", json={"make": "X"}, headers=as_role["admin"]).status_code == 404


def _vehicle(client, headers, label: str) -> dict:
    return next(
        vehicle for vehicle in client.get("/api/v1/vehicles", headers=headers).json() if vehicle["label"] == label
    )


def test_a_derived_status_cannot_be_set_by_hand(client, as_role):
    car = _vehicle(client, as_role["admin"], "car-01")
    for derived in ("on_loan", "immobilised"):
        response = client.patch(f"/api/v1/vehicles/{car['id']}", json={"status": derived}, headers=as_role["admin"])
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "InvalidInput"
    created = client.post(
        "/api/v1/vehicles",
        json=NEW_CAR | {"label": "car-10", "plate": "GA-998-LD", "status": "on_loan"},
        headers=as_role["admin"],
    )
    assert created.status_code == 422


def test_a_lent_vehicle_keeps_the_status_its_loan_gives_it(client, as_role, clock):
    coordinator = as_role["coordinator"]
    lent = _vehicle(client, as_role["admin"], "car-02")
    active_loan(
        client,
        coordinator,
        participant=make_participant(client, coordinator),
        vehicle=lent["id"],
        starts_at=clock.now,
        days=3,
    )
    assert _vehicle(client, as_role["admin"], "car-02")["status"] == "on_loan"
    for wanted in ("available", "maintenance", "out_of_service"):
        response = client.patch(
            f"/api/v1/vehicles/{lent['id']}", json={"status": wanted}, headers=as_role["fleet_manager"]
        )
        assert response.status_code == 409, response.text
        assert response.json() == {
            "error": "Conflict",
            "detail": "Ce véhicule est en prêt : il redevient disponible au retour du véhicule.",
        }
    assert _vehicle(client, as_role["admin"], "car-02")["status"] == "on_loan"
    # What is not its status still changes.
    renamed = client.patch(f"/api/v1/vehicles/{lent['id']}", json={"make": "Peugeot"}, headers=as_role["admin"])
    assert renamed.status_code == 200 and renamed.json()["status"] == "on_loan"
