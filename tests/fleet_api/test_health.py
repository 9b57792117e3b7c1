"""`GET /healthz` reports the database and the broker as they really are."""

from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleet_api.settings import ApiSettings
from tests.conftest import DEMO_PASSWORD


def api_settings(url: str, port: int) -> ApiSettings:
    return ApiSettings(database_url=url, mqtt_url=f"mqtt://127.0.0.1:{port}", demo_mode=True,
                       demo_password=DEMO_PASSWORD, mqtt_password="ingest-password-for-tests",
                       health_timeout_s=2)


def test_healthz_reports_database_and_broker_reachable(seeded_url, broker):
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["database"]["reachable"] is True
    assert response.json()["broker"]["reachable"] is True


def test_healthz_says_which_part_is_down(seeded_url, broker):
    broker.stop()
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["broker"]["reachable"] is False
    assert response.json()["database"]["reachable"] is True


def test_unknown_routes_answer_in_the_error_shape(seeded_url, broker):
    with TestClient(create_app(api_settings(seeded_url, broker.files.port))) as client:
        response = client.get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}
