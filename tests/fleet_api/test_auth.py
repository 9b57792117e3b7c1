"""Signing in and out: Argon2 passwords, expiring and revocable tokens, slowed-down guessing."""

from fleetbase.db import connect
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import bearer, token_for


def test_a_demo_user_gets_a_bearer_token_and_sees_who_they_are(client):
    response = client.post("/api/v1/auth/token", data={"username": "manager", "password": DEMO_PASSWORD})

    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 8 * 3600
    me = client.get("/api/v1/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200
    assert me.json()["username"] == "manager" and me.json()["role"] == "fleet_manager"
    assert "password_hash" not in me.json()


def test_a_wrong_password_or_unknown_user_answers_401_in_the_error_shape(client):
    for username in ("manager", "nobody"):
        response = client.post("/api/v1/auth/token", data={"username": username, "password": "wrong-password"})
        assert response.status_code == 401
        assert response.json()["error"] == "Unauthenticated"
        assert response.headers["WWW-Authenticate"] == "Bearer"


def test_requests_without_or_with_a_bad_token_answer_401(client):
    assert client.get("/api/v1/me").status_code == 401
    assert client.get("/api/v1/me", headers=bearer("not-a-token")).status_code == 401


def test_a_token_expires_and_is_forgotten_a_week_later(client, clock, api_db):
    token = token_for(client, "coordinator")
    clock.advance(hours=8, seconds=1)

    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    clock.advance(days=7)
    token_for(client, "coordinator")
    with connect(api_db) as conn:
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM api_tokens t JOIN users u ON u.id = t.user_id"
                " WHERE u.username = 'coordinator'"
            ).fetchone()["n"]
            == 1
        )


def test_logout_revokes_only_that_token(client):
    first, second = token_for(client, "mechanic"), token_for(client, "mechanic")

    assert client.post("/api/v1/auth/logout", headers=bearer(first)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_repeated_failures_block_that_username_and_address_for_a_growing_time(client, clock):
    for _ in range(5):  # the free failures
        assert (
            client.post("/api/v1/auth/token", data={"username": "admin", "password": "guess-guess"}).status_code == 401
        )
    assert client.post("/api/v1/auth/token", data={"username": "admin", "password": "guess-guess"}).status_code == 401

    blocked = client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD})
    assert blocked.status_code == 429
    assert blocked.json()["error"] == "TooManyAttempts"
    assert blocked.headers["Retry-After"] == "30"
    # another username from the same address is not blocked
    assert client.post("/api/v1/auth/token", data={"username": "manager", "password": DEMO_PASSWORD}).status_code == 200

    clock.advance(seconds=31)
    assert client.post("/api/v1/auth/token", data={"username": "admin", "password": "guess-guess"}).status_code == 401
    assert (
        client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).headers["Retry-After"]
        == "60"
    )
    clock.advance(seconds=61)
    assert client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 200
    # a success forgets the failures
    assert client.post("/api/v1/auth/token", data={"username": "admin", "password": "guess-guess"}).status_code == 401
    assert client.post("/api/v1/auth/token", data={"username": "admin", "password": DEMO_PASSWORD}).status_code == 200


def test_two_api_processes_share_the_failure_count(api_db, clock):
    from fastapi.testclient import TestClient

    from fleet_api.app import create_app
    from tests.fleet_api.conftest import api_settings

    with (
        TestClient(create_app(api_settings(api_db), clock=clock)) as first,
        TestClient(create_app(api_settings(api_db), clock=clock)) as second,
    ):
        for attempt in range(6):
            process = first if attempt % 2 else second
            assert (
                process.post("/api/v1/auth/token", data={"username": "garage", "password": "nope-nope"}).status_code
                == 401
            )

        assert (
            first.post("/api/v1/auth/token", data={"username": "garage", "password": DEMO_PASSWORD}).status_code == 429
        )
        assert (
            second.post("/api/v1/auth/token", data={"username": "garage", "password": DEMO_PASSWORD}).status_code == 429
        )


def test_concurrent_wrong_passwords_are_counted_as_if_sent_one_after_the_other(api_db, clock):
    """30 guesses at once for one user from one address: only the free failures and the one
    that starts the block answer 401; every other one is refused (429) without a password check."""
    from concurrent.futures import ThreadPoolExecutor

    import httpx

    from fleet_api.app import create_app
    from tests.fleet_api.conftest import Server, api_settings

    settings = api_settings(api_db, db_pool_max=10)
    with Server(create_app(settings, clock=clock)) as server:

        def guess(_: int) -> int:
            return httpx.post(
                f"{server.url}/api/v1/auth/token",
                timeout=120,
                data={"username": "coordinator", "password": "wrong-guess"},
            ).status_code

        with ThreadPoolExecutor(max_workers=30) as pool:
            statuses = list(pool.map(guess, range(30)))

    assert statuses.count(401) == settings.login_free_failures + 1, statuses
    assert statuses.count(429) == 30 - settings.login_free_failures - 1, statuses
