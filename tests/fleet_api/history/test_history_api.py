"""History over HTTP: a downsampled day, CSV and GPX exports, and the privacy of lent vehicles."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta

import pytest

from fleetbase.db import connect

DAY = datetime(2026, 11, 24, tzinfo=UTC)


@pytest.fixture
def day_of_fixes(api_db) -> int:
    """car-01's id, with one fix every 10 s through DAY (8,640 fixes) along a sine-shaped road."""
    with connect(api_db) as conn:
        vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = 'car-01'").fetchone()["id"]
        conn.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, speed_kmh, ignition, alt_m)"
            " SELECT %(id)s, %(day)s + make_interval(secs => s * 10), 'car-01',"
            " 43.7 + 0.02 * sin(s / 500.0), -1.2 + s * 0.00002, 30, true, 12"
            " FROM generate_series(0, 8639) AS s",
            {"id": vehicle_id, "day": DAY},
        )
    return vehicle_id


def window(**extra) -> dict:
    return {"from": DAY.isoformat(), "to": (DAY + timedelta(days=1)).isoformat()} | extra


def lend(api_db, vehicle_id: int, *, status: str = "active") -> None:
    with connect(api_db) as conn:
        conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " VALUES (%(id)s, %(status)s, %(start)s, %(end)s, %(end)s, %(start)s)",
            {"id": vehicle_id, "status": status, "start": DAY + timedelta(hours=12), "end": DAY + timedelta(days=7)},
        )


def audit_rows(api_db) -> list[dict]:
    with connect(api_db) as conn:
        return conn.execute("SELECT * FROM audit_log ORDER BY id").fetchall()


def test_a_day_is_downsampled_keeping_both_ends(client, as_role, day_of_fixes):
    response = client.get(
        f"/api/v1/vehicles/{day_of_fixes}/positions", headers=as_role["fleet_manager"], params=window(max_points=500)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["total_points"] == 8640 and body["downsampled"] is True
    assert len(body["positions"]) == 500
    assert body["positions"][0]["fix_time"] == DAY.isoformat()
    assert body["positions"][-1]["fix_time"] == (DAY + timedelta(seconds=86_390)).isoformat()
    times = [point["fix_time"] for point in body["positions"]]
    assert times == sorted(times)
    assert audit_rows(client.app.state.settings.database_url) == []  # not lent: nothing to audit


def test_csv_and_gpx_exports_hold_every_fix(client, as_role, day_of_fixes):
    exported = client.get(
        f"/api/v1/vehicles/{day_of_fixes}/positions.csv", headers=as_role["coordinator"], params=window()
    )
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 8640 and rows[0]["fix_time"] == DAY.isoformat() and rows[0]["ignition"] == "True"

    gpx = client.get(
        f"/api/v1/vehicles/{day_of_fixes}/positions.gpx", headers=as_role["admin"], params=window(max_points=100)
    )
    assert gpx.status_code == 200
    namespace = {"gpx": "http://www.topografix.com/GPX/1/1"}
    points = ElementTree.fromstring(gpx.content).findall(".//gpx:trkpt", namespace)
    assert len(points) == 100
    assert points[0].find("gpx:time", namespace).text == "2026-11-24T00:00:00Z"
    assert float(points[0].get("lat")) == pytest.approx(43.7)


def test_trips_of_a_day_of_continuous_driving(client, as_role, day_of_fixes):
    response = client.get(f"/api/v1/vehicles/{day_of_fixes}/trips", headers=as_role["fleet_manager"], params=window())

    assert response.status_code == 200
    (trip,) = response.json()["trips"]
    assert trip["fixes"] == 8640 and trip["duration_s"] == 86_390
    assert trip["distance_km"] > 8640 * 0.00002 * 80  # at least the eastward progress


def test_a_lent_vehicle_s_positions_are_refused_outside_an_incident(client, as_role, day_of_fixes, api_db):
    """The incident that opens them, and its audit: tests/fleet_api/test_incidents.py."""
    lend(api_db, day_of_fixes)
    url = f"/api/v1/vehicles/{day_of_fixes}/positions"

    refused = client.get(url, headers=as_role["fleet_manager"], params=window())
    assert refused.status_code == 403
    assert refused.json()["error"] == "Forbidden" and "incident" in refused.json()["detail"]
    assert client.get(f"{url}.gpx", headers=as_role["admin"], params=window()).status_code == 403
    assert (
        client.get(f"/api/v1/vehicles/{day_of_fixes}/trips", headers=as_role["admin"], params=window()).status_code
        == 403
    )
    assert audit_rows(api_db) == []

    before_loan = client.get(
        url,
        headers=as_role["fleet_manager"],
        params={"from": DAY.isoformat(), "to": (DAY + timedelta(hours=11)).isoformat()},
    )
    assert before_loan.status_code == 200 and audit_rows(api_db) == []


def test_bad_windows_are_422_and_unknown_vehicles_404(client, as_role, day_of_fixes):
    url = f"/api/v1/vehicles/{day_of_fixes}/positions"
    assert (
        client.get(
            url, headers=as_role["admin"], params={"from": "2026-11-25T00:00:00Z", "to": "2026-11-24T00:00:00Z"}
        ).status_code
        == 422
    )
    assert (
        client.get(
            url, headers=as_role["admin"], params={"from": "2026-01-01T00:00:00Z", "to": "2026-11-24T00:00:00Z"}
        ).status_code
        == 422
    )
    assert client.get(url, headers=as_role["admin"], params={"max_points": 1}).status_code == 422
    assert client.get("/api/v1/vehicles/99999/positions", headers=as_role["admin"]).status_code == 404


def test_an_export_of_a_vehicle_named_outside_latin_1_is_served(client, as_role, day_of_fixes):
    label = 'Vélo ☆ "bleu"'
    assert (
        client.patch(f"/api/v1/vehicles/{day_of_fixes}", headers=as_role["admin"], json={"label": label}).status_code
        == 200
    )

    exported = client.get(
        f"/api/v1/vehicles/{day_of_fixes}/positions.csv", headers=as_role["coordinator"], params=window(max_points=10)
    )

    assert exported.status_code == 200
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="V_lo____bleu_-20261124T0000.csv"')
    assert "filename*=UTF-8''V%C3%A9lo%20%E2%98%86%20%22bleu%22-20261124T0000.csv" in disposition


def test_a_window_holding_more_fixes_than_a_request_reads_is_downsampled_by_the_database(api_db, clock, day_of_fixes):
    """8,640 fixes against a cap of 1,000 read per request: the track and its sampled exports are
    still served (the database picks the candidates), every-fix exports and trips are refused."""
    from fastapi.testclient import TestClient

    from fleet_api.app import create_app
    from tests.fleet_api.conftest import api_settings, bearer, token_for

    with connect(api_db) as conn:
        north, south = (
            conn.execute(
                "SELECT max(lat) AS north, min(lat) AS south FROM positions WHERE vehicle_id = %(id)s",
                {"id": day_of_fixes},
            )
            .fetchone()
            .values()
        )
    with TestClient(create_app(api_settings(api_db, history_max_fixes=1000), clock=clock)) as client:
        manager = bearer(token_for(client, "manager"))
        url = f"/api/v1/vehicles/{day_of_fixes}/positions"
        track = client.get(url, headers=manager, params=window(max_points=500))
        sampled_csv = client.get(f"{url}.csv", headers=manager, params=window(max_points=300))
        every_fix_csv = client.get(f"{url}.csv", headers=manager, params=window())
        trips = client.get(f"/api/v1/vehicles/{day_of_fixes}/trips", headers=manager, params=window())

    assert track.status_code == 200, track.text
    body = track.json()
    assert (body["total_points"], body["downsampled"], len(body["positions"])) == (8640, True, 500)
    times = [point["fix_time"] for point in body["positions"]]
    assert times[0] == DAY.isoformat() and times[-1] == (DAY + timedelta(seconds=86_390)).isoformat()
    assert times == sorted(set(times))
    lats = [point["lat"] for point in body["positions"]]
    # the turns of the road are kept (to within a thousandth of the road's swing)
    assert max(lats) == pytest.approx(north, abs=2e-5) and min(lats) == pytest.approx(south, abs=2e-5)
    assert sampled_csv.status_code == 200 and len(list(csv.DictReader(io.StringIO(sampled_csv.text)))) == 300
    assert every_fix_csv.status_code == 422 and "max_points" in every_fix_csv.json()["detail"]
    assert trips.status_code == 422


@pytest.mark.parametrize("max_fixes", [200_000, 1000])
def test_fixes_timed_to_the_microsecond_are_found_again_once_chosen(api_db, clock, max_fixes):
    """The fixes downsampling keeps are named by their time: exact to the microsecond, whether
    every fix of the window is looked at (≤ max_fixes) or the database's candidates."""
    from fastapi.testclient import TestClient

    from fleet_api.app import create_app
    from tests.fleet_api.conftest import api_settings, bearer, token_for

    first = DAY + timedelta(microseconds=123_457)
    with connect(api_db) as conn:
        vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = 'car-03'").fetchone()["id"]
        conn.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon)"
            " SELECT %(id)s, %(first)s + make_interval(secs => s * 0.337001), 'car-03',"
            " 43.7 + 0.01 * sin(s / 50.0), -1.2 + s * 0.00001 FROM generate_series(0, 2999) AS s",
            {"id": vehicle_id, "first": first},
        )
        stored = {
            row["fix_time"]
            for row in conn.execute("SELECT fix_time FROM positions WHERE vehicle_id = %(id)s", {"id": vehicle_id})
        }
    with TestClient(create_app(api_settings(api_db, history_max_fixes=max_fixes), clock=clock)) as client:
        track = client.get(
            f"/api/v1/vehicles/{vehicle_id}/positions",
            headers=bearer(token_for(client, "manager")),
            params=window(max_points=300),
        ).json()

    assert (track["total_points"], len(track["positions"])) == (3000, 300)
    assert {datetime.fromisoformat(point["fix_time"]) for point in track["positions"]} <= stored
    assert track["positions"][0]["fix_time"] == first.isoformat()
