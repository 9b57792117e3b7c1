"""Admins create, re-role and disable users; disabling kills their tokens at once."""

from datetime import UTC, datetime

import pytest

from accounts import service
from fleetbase.errors import Conflict
from tests.fleet_api.conftest import bearer, token_for

NEW_USER = {
    "username": "j.dupont",
    "full_name": "Jeanne Dupont",
    "role": "coordinator",
    "password": "un-mot-de-passe-long",
    "email": "j.dupont@example.org",
}


def test_an_admin_creates_a_user_who_can_then_sign_in(client, as_role):
    created = client.post("/api/v1/users", json=NEW_USER, headers=as_role["admin"])

    assert created.status_code == 201
    assert created.json()["role"] == "coordinator" and "password" not in created.json()
    token = token_for(client, "j.dupont", "un-mot-de-passe-long")
    assert client.get("/api/v1/me", headers=bearer(token)).json()["full_name"] == "Jeanne Dupont"
    listed = client.get("/api/v1/users", headers=as_role["admin"]).json()
    assert "j.dupont" in [user["username"] for user in listed]


def test_duplicate_usernames_and_missing_bindings_are_refused_in_french(client, as_role):
    assert client.post("/api/v1/users", json=NEW_USER, headers=as_role["admin"]).status_code == 201
    duplicate = client.post("/api/v1/users", json=NEW_USER, headers=as_role["admin"])
    assert duplicate.status_code == 409
    assert duplicate.json()["detail"] == "Ce nom d'utilisateur existe déjà."

    unbound = client.post(
        "/api/v1/users", json=NEW_USER | {"username": "g.garage", "role": "garage_partner"}, headers=as_role["admin"]
    )
    assert unbound.status_code == 422
    assert "garage" in unbound.json()["detail"]

    unknown_garage = client.post(
        "/api/v1/users",
        headers=as_role["admin"],
        json=NEW_USER | {"username": "g.garage", "role": "garage_partner", "garage_id": 999},
    )
    assert unknown_garage.status_code == 422
    assert unknown_garage.json()["detail"] == "Ce garage n'existe pas."


def test_disabling_a_user_revokes_their_tokens_and_refuses_new_logins(client, as_role):
    mechanic = client.get("/api/v1/me", headers=as_role["mechanic"]).json()

    response = client.patch(f"/api/v1/users/{mechanic['id']}", json={"disabled": True}, headers=as_role["admin"])

    assert response.status_code == 200 and response.json()["disabled_at"] is not None
    assert client.get("/api/v1/me", headers=as_role["mechanic"]).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "mechanic", "password": "x"}).status_code == 401
    client.patch(f"/api/v1/users/{mechanic['id']}", json={"disabled": False}, headers=as_role["admin"])
    assert token_for(client, "mechanic")


def test_re_roling_a_user_changes_what_their_existing_token_allows(client, as_role):
    mechanic = client.get("/api/v1/me", headers=as_role["mechanic"]).json()
    assert client.get("/api/v1/users", headers=as_role["mechanic"]).status_code == 403

    response = client.patch(f"/api/v1/users/{mechanic['id']}", json={"role": "admin"}, headers=as_role["admin"])

    assert response.json()["role"] == "admin"
    assert client.get("/api/v1/users", headers=as_role["mechanic"]).status_code == 200


def test_an_admin_cannot_disable_themself_and_unknown_users_are_404(client, as_role):
    admin = client.get("/api/v1/me", headers=as_role["admin"]).json()

    assert (
        client.patch(f"/api/v1/users/{admin['id']}", json={"disabled": True}, headers=as_role["admin"]).status_code
        == 409
    )
    assert (
        client.patch(f"/api/v1/users/{admin['id']}", json={"role": "mechanic"}, headers=as_role["admin"]).status_code
        == 409
    )
    assert client.patch("/api/v1/users/999999", json={"full_name": "X"}, headers=as_role["admin"]).status_code == 404


def test_the_last_active_administrator_stays_one(conn):
    admin = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()["id"]
    manager = conn.execute("SELECT id FROM users WHERE username = 'manager'").fetchone()["id"]
    now = datetime.now(UTC)
    for change in ({"role": "mechanic"}, {"disabled": True}):
        with pytest.raises(Conflict, match="dernier compte administrateur actif"):
            service.update_user(conn, admin, given=change, by_user_id=manager, now=now)
    service.update_user(conn, manager, given={"role": "admin"}, by_user_id=admin, now=now)
    service.update_user(conn, admin, given={"disabled": True}, by_user_id=manager, now=now)  # one remains
