"""Every loan transition by every role, through the API: allowed ones move the loan and
record who did it; refused ones answer 403 and leave the loan exactly as it was."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from fleetbase.db import connect
from fleetbase.passwords import hash_user_password
from tests.factories import SIGNED
from tests.fleet_api.conftest import DEMO_LOGINS, bearer, token_for
from tests.fleet_api.loan_helpers import active_loan, listed_vehicle_id, make_participant, request_loan, validated_loan

ROLES = ("admin", "fleet_manager", "coordinator", "mechanic", "garage_partner", "prescriber")
STAFF = {"admin", "coordinator"}
# action → (status the loan starts in, body, roles allowed, status after)
TRANSITIONS = {
    "validate": ("requested", None, STAFF, "validated"),
    "reject": ("requested", {"reason": "Pas de permis valide présenté."}, STAFF, "rejected"),
    "cancel": ("requested", {"reason": "Emploi trouvé avec véhicule."}, STAFF | {"prescriber"}, "cancelled"),
    "cancel-validated": ("validated", None, STAFF | {"prescriber"}, "cancelled"),
    "deposit": ("requested", {"amount_cents": 10000, "method": "card"}, STAFF, "requested"),
    "checkout": ("validated", {"odometer_km": 3000, **SIGNED}, STAFF, "active"),
    "checkin": ("active", {"odometer_km": 3100, **SIGNED}, STAFF, "returned"),
    "extend": ("active", "extend", STAFF, "active"),
}


def loan_in(client, coordinator, status: str, *, scooter: str, start) -> dict:
    make = {"requested": request_loan, "validated": validated_loan, "active": active_loan}[status]
    return make(
        client,
        coordinator,
        participant=make_participant(client, coordinator, licences=("AM",)),
        vehicle=listed_vehicle_id(client, coordinator, scooter),
        starts_at=start,
    )


@pytest.mark.parametrize("transition", sorted(TRANSITIONS))
def test_each_transition_by_each_role(client, as_role, clock, api_db, transition):
    status, body, allowed, after = TRANSITIONS[transition]
    action = transition.split("-")[0]
    for number, role in enumerate(ROLES, start=1):
        loan = loan_in(client, as_role["coordinator"], status, scooter=f"scooter-{number:02d}", start=clock.now)
        payload = {"ends_at": (clock.now + timedelta(days=20)).isoformat()} if body == "extend" else body
        with connect(api_db) as conn:
            before = conn.execute(
                "SELECT count(*) AS n FROM loan_transitions WHERE loan_id = %(id)s", {"id": loan["id"]}
            ).fetchone()["n"]

        response = client.post(f"/api/v1/bookings/{loan['id']}/{action}", headers=as_role[role], json=payload)

        current = client.get(f"/api/v1/bookings/{loan['id']}", headers=as_role["admin"]).json()
        if role in allowed:
            assert response.status_code == 200, (role, response.text)
            assert current["status"] == after
            last = current["transitions"][-1]
            assert (last["by_username"], datetime.fromisoformat(last["at"])) == (DEMO_LOGINS[role], clock.now)
        else:
            assert response.status_code == 403, (role, response.text)
            assert set(response.json()) == {"error", "detail"}
            assert current["status"] == status and len(current["transitions"]) == before


def test_requesting_a_loan_by_each_role(client, as_role, clock):
    participant = make_participant(client, as_role["coordinator"], licences=("AM",))
    for number, role in enumerate(ROLES, start=1):
        scooter = listed_vehicle_id(client, as_role["admin"], f"scooter-{number:02d}")
        response = client.post(
            "/api/v1/bookings",
            headers=as_role[role],
            json={
                "participant_id": participant,
                "vehicle_id": scooter,
                "starts_at": (clock.now + timedelta(days=1)).isoformat(),
                "ends_at": (clock.now + timedelta(days=8)).isoformat(),
            },
        )
        assert response.status_code == (201 if role in STAFF | {"prescriber"} else 403), (role, response.text)


def test_a_prescriber_acts_only_on_their_structure_and_never_once_the_vehicle_left(client, as_role, clock, api_db):
    coordinator, prescriber = as_role["coordinator"], as_role["prescriber"]
    with connect(api_db) as conn:
        conn.execute(
            "INSERT INTO users (username, full_name, role, password_hash, prescriber_id)"
            " VALUES ('plie.dax', 'Conseillère PLIE', 'prescriber', %(hash)s, 3)",
            {"hash": hash_user_password("mot-de-passe-plie")},
        )
    other = bearer(token_for(client, "plie.dax", "mot-de-passe-plie"))
    requested = loan_in(client, coordinator, "requested", scooter="scooter-01", start=clock.now + timedelta(days=1))
    running = loan_in(client, coordinator, "active", scooter="scooter-02", start=clock.now)

    assert client.get(f"/api/v1/bookings/{requested['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/bookings", headers=other).json() == []
    assert client.get(f"/api/v1/participants/{requested['participant_id']}", headers=other).status_code == 404
    assert client.post(f"/api/v1/bookings/{requested['id']}/cancel", headers=other).status_code == 404
    too_late = client.post(f"/api/v1/bookings/{running['id']}/cancel", headers=prescriber)
    assert too_late.status_code == 409 and "en cours" in too_late.json()["detail"]
    assert client.post(f"/api/v1/bookings/{requested['id']}/cancel", headers=prescriber).status_code == 200
    foreign = client.post(
        "/api/v1/bookings",
        headers=other,
        json={
            "participant_id": requested["participant_id"],
            "vehicle_id": requested["vehicle_id"],
            "starts_at": (clock.now + timedelta(days=1)).isoformat(),
            "ends_at": (clock.now + timedelta(days=2)).isoformat(),
        },
    )
    assert foreign.status_code == 422


def test_the_fleet_manager_reads_the_planning_but_no_personal_data(client, as_role, clock):
    loan = loan_in(client, as_role["coordinator"], "requested", scooter="scooter-03", start=clock.now)
    manager = as_role["fleet_manager"]

    planning = client.get("/api/v1/bookings", headers=manager, params={"vehicle_id": loan["vehicle_id"]}).json()

    assert [row["id"] for row in planning] == [loan["id"]]
    assert "Durand" not in str(planning)
    assert client.get(f"/api/v1/participants/{loan['participant_id']}", headers=manager).status_code == 403
