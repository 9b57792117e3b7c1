"""Health: `/healthz` says up or not to anyone, cheaply; `/api/v1/health` tells an administrator
which part is down."""

from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleet_api.settings import ApiSettings
from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import bearer, token_for
from tests.processes import wait_until


def api_settings(url: str, port: int, **overrides) -> ApiSettings:
    return ApiSettings(
        **{
            "database_url": url,
            "mqtt_url": f"mqtt://127.0.0.1:{port}",
            "demo_mode": True,
            "demo_password": DEMO_PASSWORD,
            "mqtt_password": "ingest-password-for-tests",
            "health_timeout_s": 2,
        }
        | overrides
    )


def service_logins_seen(broker) -> int:
    """Logins of the ingest service account the broker has logged."""
    if not broker.files.log_file.exists():
        return 0
    return broker.files.log_file.read_text().count("u'ingest'")


def test_healthz_says_up_and_nothing_more(seeded_url, broker):
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_says_down_without_saying_why(seeded_url, broker):
    broker.stop()
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "degraded"}


def test_many_calls_cost_one_probe_until_it_is_stale(seeded_url, broker):
    settings = api_settings(seeded_url, broker.files.port, health_cache_s=3600)
    with TestClient(create_app(settings)) as client:
        statuses = {client.get("/healthz").status_code for _ in range(25)}
        wait_until(lambda: service_logins_seen(broker) >= 1, timeout=10)
        broker.stop()  # the cached probe still says "up": no new login is attempted
        still_up = client.get("/healthz").status_code

    assert statuses == {200} and still_up == 200
    assert service_logins_seen(broker) == 1


def test_a_stale_probe_is_renewed(seeded_url, broker):
    with TestClient(create_app(api_settings(seeded_url, broker.files.port, health_cache_s=0.2))) as client:
        assert client.get("/healthz").status_code == 200
        broker.stop()

        wait_until(lambda: client.get("/healthz").status_code == 503, timeout=20)


def test_an_administrator_sees_which_part_is_down(seeded_url, broker):
    broker.stop()
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        admin = bearer(token_for(client, "admin"))
        details = client.get("/api/v1/health", headers=admin)
        mechanic = client.get("/api/v1/health", headers=bearer(token_for(client, "mechanic")))
        anonymous = client.get("/api/v1/health")

    assert details.status_code == 200
    body = details.json()
    assert body["status"] == "degraded" and body["checked_at"]
    assert body["database"] == {"reachable": True, "detail": "ok"}
    assert body["broker"]["reachable"] is False and "ConnectionRefused" in body["broker"]["detail"]
    assert (mechanic.status_code, anonymous.status_code) == (403, 401)


def test_unknown_routes_answer_in_the_error_shape(seeded_url, broker):
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}
