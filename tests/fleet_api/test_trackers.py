"""Registering a tracker gives it a broker login at once; disabling it takes the login away.

Real Mosquitto (the `broker` fixture, with the project's configuration) and the real
`mosquitto_pub`: the API rewrites the broker's password file and sends it SIGHUP.
"""

import logging
import subprocess

import pytest
from fastapi.testclient import TestClient

from fleet_api.app import create_app
from fleetbase.broker import write_password_file
from fleetbase.db import connect
from fleetbase.nats import check_nats_password
from tests.fleet_api.conftest import api_settings, bearer, token_for
from tests.ingest.conftest import wait_until
from tests.processes import running


def mqtt_login_accepted(port: int, username: str, password: str) -> bool:
    result = subprocess.run(
        [
            "mosquitto_pub",
            "-h",
            "127.0.0.1",
            "-p",
            str(port),
            "-V",
            "mqttv5",
            "-q",
            "1",
            "-u",
            username,
            "-P",
            password,
            "-t",
            f"fleet/{username}/telemetry",
            "-m",
            "{}",
        ],
        capture_output=True,
        timeout=10,
    )
    return result.returncode == 0


@pytest.fixture
def broker_client(api_db, broker, tmp_path):
    pid_file = tmp_path / "mosquitto.pid"
    pid_file.write_text(str(broker.process.pid))
    settings = api_settings(
        api_db,
        mqtt_url=f"mqtt://127.0.0.1:{broker.files.port}",
        mqtt_password_file=broker.files.password_file,
        mqtt_broker_pid_file=pid_file,
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_registered_tracker_logs_in_without_a_broker_restart_until_disabled(broker_client, broker, api_db):
    admin = bearer(token_for(broker_client, "admin"))
    vehicle = broker_client.post(
        "/api/v1/vehicles",
        headers=admin,
        json={"label": "ecar-01", "kind": "ecar", "energy": "electric", "plate": "GE-001-LD", "home_site_id": 1},
    ).json()

    registered = broker_client.post(
        "/api/v1/trackers", json={"tracker_id": "ecar-01", "vehicle_id": vehicle["id"]}, headers=admin
    )

    assert registered.status_code == 201
    credentials = registered.json()
    assert credentials["mqtt_username"] == "ecar-01" and len(credentials["mqtt_password"]) >= 20
    wait_until(lambda: mqtt_login_accepted(broker.files.port, "ecar-01", credentials["mqtt_password"]), timeout=10)
    assert not mqtt_login_accepted(broker.files.port, "ecar-01", "not-the-password")
    with connect(api_db) as conn:  # and its NATS login's hash (python -m fleetbase nats-config)
        bcrypt = conn.execute("SELECT mqtt_password_bcrypt FROM trackers WHERE tracker_id = 'ecar-01'").fetchone()
    assert check_nats_password(credentials["mqtt_password"], bcrypt["mqtt_password_bcrypt"])
    assert broker.process.poll() is None  # the same broker process, never restarted
    listed = broker_client.get("/api/v1/trackers", headers=admin).json()
    assert "mqtt_password" not in next(t for t in listed if t["tracker_id"] == "ecar-01")

    disabled = broker_client.patch("/api/v1/trackers/ecar-01", json={"enabled": False}, headers=admin)

    assert disabled.status_code == 200 and disabled.json()["disabled_at"] is not None
    wait_until(lambda: not mqtt_login_accepted(broker.files.port, "ecar-01", credentials["mqtt_password"]), timeout=10)


def test_a_vehicle_holds_one_tracker_and_a_tracker_needs_a_real_vehicle(client, as_role):
    taken = client.post("/api/v1/trackers", json={"tracker_id": "spare-01", "vehicle_id": 1}, headers=as_role["admin"])
    assert taken.status_code == 409 and taken.json()["detail"] == "Ce véhicule a déjà un tracker."
    duplicate = client.post(
        "/api/v1/trackers", json={"tracker_id": "car-01", "vehicle_id": 1}, headers=as_role["admin"]
    )
    assert duplicate.status_code == 409
    nowhere = client.post(
        "/api/v1/trackers", json={"tracker_id": "spare-01", "vehicle_id": 99999}, headers=as_role["admin"]
    )
    assert nowhere.status_code == 422 and nowhere.json()["detail"] == "Ce véhicule n'existe pas."
    bad_name = client.post(
        "/api/v1/trackers", json={"tracker_id": "Car 01!", "vehicle_id": 1}, headers=as_role["admin"]
    )
    assert bad_name.status_code == 422
    assert (
        client.patch("/api/v1/trackers/nope-99", json={"enabled": False}, headers=as_role["admin"]).status_code == 404
    )


@pytest.mark.parametrize("tracker_id", ["ingest", "simulator", "mosquitto", "admin"])
def test_a_tracker_cannot_take_a_service_login(client, as_role, tracker_id):
    spare = client.post(
        "/api/v1/vehicles",
        headers=as_role["admin"],
        json={"label": "ebike-99", "kind": "ebike", "energy": "electric", "home_site_id": 1},
    ).json()

    response = client.post(
        "/api/v1/trackers", json={"tracker_id": tracker_id, "vehicle_id": spare["id"]}, headers=as_role["admin"]
    )

    assert response.status_code == 422, response.text
    assert response.json() == {
        "error": "InvalidInput",
        "detail": f"« {tracker_id} » est un identifiant réservé"
        " aux services de la plateforme : choisissez-en un autre.",
    }


def test_the_configured_service_login_is_reserved_too(api_db):
    with TestClient(create_app(api_settings(api_db, mqtt_username="ingest-landes"))) as client:
        admin = bearer(token_for(client, "admin"))
        spare = client.post(
            "/api/v1/vehicles",
            headers=admin,
            json={"label": "ebike-98", "kind": "ebike", "energy": "electric", "home_site_id": 1},
        ).json()

        refused = client.post(
            "/api/v1/trackers", json={"tracker_id": "ingest-landes", "vehicle_id": spare["id"]}, headers=admin
        )

    assert refused.status_code == 422 and "réservé" in refused.json()["detail"]


def test_the_password_file_never_holds_a_login_twice(conn, tmp_path):
    vehicle = conn.execute(
        "INSERT INTO vehicles (label, kind, energy, home_site_id) VALUES"
        " ('ebike-97', 'ebike', 'electric', 1) RETURNING id"
    ).fetchone()["id"]
    conn.execute(
        "INSERT INTO trackers (tracker_id, vehicle_id, mqtt_password_hash) VALUES ('ingest', %(v)s, 'x')",
        {"v": vehicle},
    )  # written before the API refused such ids

    write_password_file(conn, tmp_path / "passwords", service_logins={"ingest": "service-password"})

    usernames = [line.split(":", 1)[0] for line in (tmp_path / "passwords").read_text().splitlines()]
    assert usernames.count("ingest") == 1 and len(usernames) == len(set(usernames))


def test_a_stale_pid_file_never_signals_another_process(api_db, broker, tmp_path, caplog):
    """The pid file names a process that is not our broker (it restarted, the pid was reused):
    the API must not send it SIGHUP, which would kill it."""
    pid_file = tmp_path / "mosquitto.pid"
    with running(["sleep", "600"]) as bystander:
        pid_file.write_text(f"{bystander.pid}\n")
        settings = api_settings(
            api_db,
            mqtt_url=f"mqtt://127.0.0.1:{broker.files.port}",
            mqtt_password_file=broker.files.password_file,
            mqtt_broker_pid_file=pid_file,
        )
        with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
            admin = bearer(token_for(client, "admin"))
            vehicle = client.post(
                "/api/v1/vehicles",
                headers=admin,
                json={"label": "ebike-96", "kind": "ebike", "energy": "electric", "home_site_id": 1},
            ).json()
            registered = client.post(
                "/api/v1/trackers", json={"tracker_id": "ebike-96", "vehicle_id": vehicle["id"]}, headers=admin
            )

        assert registered.status_code == 201
        assert bystander.poll() is None  # alive: not signalled
        assert "ebike-96:" in broker.files.password_file.read_text()  # the file is still written
        assert any("not the broker" in record.getMessage() for record in caplog.records)


def test_an_owntracks_key_and_a_traccar_id_are_checked_at_registration(client, as_role):
    def spare(label: str) -> int:
        return client.post(
            "/api/v1/vehicles",
            headers=as_role["admin"],
            json={"label": label, "kind": "ebike", "energy": "electric", "home_site_id": 1},
        ).json()["id"]

    too_long = client.post(
        "/api/v1/trackers",
        headers=as_role["admin"],
        json={"tracker_id": "ebike-90", "vehicle_id": spare("ebike-90"), "owntracks_key": "é" * 17},
    )  # 34 bytes
    first = client.post(
        "/api/v1/trackers",
        headers=as_role["admin"],
        json={
            "tracker_id": "ebike-91",
            "vehicle_id": spare("ebike-91"),
            "traccar_unique_id": "356307042441013",
            "owntracks_key": "é" * 16,
        },
    )
    same_box = client.post(
        "/api/v1/trackers",
        headers=as_role["admin"],
        json={"tracker_id": "ebike-92", "vehicle_id": spare("ebike-92"), "traccar_unique_id": "356307042441013"},
    )

    assert too_long.status_code == 422
    assert first.status_code == 201 and first.json()["traccar_unique_id"] == "356307042441013"
    assert first.json()["owntracks_encrypted"] is True and "owntracks_key" not in first.json()
    assert same_box.status_code == 409
    assert same_box.json()["detail"] == "Cet identifiant Traccar est déjà celui d'un autre tracker."
    listed = client.get("/api/v1/trackers", headers=as_role["admin"]).json()
    assert "http_secret" not in next(t for t in listed if t["tracker_id"] == "ebike-91")
