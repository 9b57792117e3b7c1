"""Fiche véhicule and Santé des balises, in the browser, with readings from a real broker."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from fleetbase.db import connect
from tests import factories
from tests.ingest.conftest import Worker, publish, worker_settings  # noqa: F401 (fixture)
from tests.processes import wait_until
from tests.web.conftest import check_accessibility, screenshots
from tests.web.fleet_state import fill_fleet_state


@pytest.fixture
def pipeline_db(web_db) -> str:
    return web_db


def vehicle_id_in(database_url: str, label: str) -> int:
    with connect(database_url) as conn:
        return factories.vehicle_id(conn, label)


def a_ride(end: datetime) -> str:
    """Ten minutes from Dax towards Narrosse at about 30 km/h, ignition on, then parked."""
    start = end - timedelta(minutes=12)
    fixes = [
        {
            "ts": (start + timedelta(seconds=60 * i)).isoformat(),
            "lat": 43.7089 - 0.0005 * i,
            "lon": -1.0496 + 0.0045 * i,
            "speed_kmh": 30.0,
            "ignition": True,
            "odometer_km": 20000 + 0.5 * i,
            "fuel_pct": 70 - i,
        }
        for i in range(11)
    ]
    fixes += [
        {
            "ts": (start + timedelta(seconds=660 + 30 * i)).isoformat(),
            "lat": fixes[-1]["lat"],
            "lon": fixes[-1]["lon"],
            "speed_kmh": 0.0,
            "ignition": False,
            "odometer_km": 20005,
        }
        for i in range(3)
    ]
    return json.dumps(fixes)


def test_the_fleet_manager_reads_a_vehicles_page_with_its_day_of_trips_and_exports_it(
    open_browser, broker, worker_settings, web_db
):
    fill_fleet_state(web_db)
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=1)
    day = (end - timedelta(minutes=12)).astimezone(ZoneInfo("Europe/Paris")).date()
    car = vehicle_id_in(web_db, "car-01")
    with Worker(worker_settings):
        publish(broker.files.port, "car-01", a_ride(end))
        wait_until(
            lambda: connect(web_db).execute("SELECT count(*) AS n FROM positions").fetchone()["n"] >= 14, timeout=20
        )
    page, _ = open_browser("fleet_manager")
    page.goto(f"/vehicules/{car}?jour={day.isoformat()}")
    expect(page.get_by_role("heading", name=re.compile(r"^car-01"))).to_be_visible()
    expect(page.get_by_text("Kilométrage retenu")).to_be_visible()
    expect(
        page.get_by_text(re.compile(r"Compteur du véhicule : 20\u202f005,0 km|Compteur du véhicule : 20 005,0 km"))
    ).to_be_visible()
    expect(page.locator("#resume-trajets")).to_have_text(re.compile(r"^1 trajet, \d+,\d km, \d+ min de conduite"))
    expect(page.locator("#table-trajets tbody tr")).to_have_count(1)
    csv = page.request.get(page.get_by_role("link", name="CSV").get_attribute("href"))
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert len(csv.text().strip().splitlines()) == 1 + 14
    gpx = page.request.get(page.get_by_role("link", name="GPX").get_attribute("href"))
    assert gpx.status == 200 and "<trkpt" in gpx.text()
    check_accessibility(page)
    screenshots(page, "fiche-vehicule")

    page.goto(f"/vehicules/{vehicle_id_in(web_db, 'car-02')}")  # on loan: no track, no map
    expect(page.get_by_text("ses trajets ne sont pas affichés")).to_be_visible()
    expect(page.locator("#carte-trajet")).to_have_count(0)
    check_accessibility(page)


def test_tracker_health_shows_why_readings_are_refused_without_a_lent_vehicles_coordinates(
    open_browser, broker, worker_settings, web_db
):
    fill_fleet_state(web_db)
    with connect(web_db) as conn:
        conn.execute("UPDATE loans SET checked_out_at = starts_at WHERE status = 'active'")
    fix_time = (datetime.now(UTC) - timedelta(seconds=20)).replace(microsecond=0).isoformat()
    with Worker(worker_settings):
        publish(broker.files.port, "scooter-04", "{not json")
        publish(broker.files.port, "car-02", json.dumps({"ts": fix_time, "lat": 43.6512, "lon": 190.5}))
        wait_until(
            lambda: connect(web_db).execute("SELECT count(*) AS n FROM dead_letters").fetchone()["n"] == 2, timeout=20
        )
    page, _ = open_browser("fleet_manager")
    page.goto("/balises")
    expect(page.get_by_role("heading", name="Santé des balises")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^scooter-04 "))).to_contain_text("Refusés" and "1")
    letters = page.locator("#refuses + table")
    expect(letters).to_contain_text("Contenu illisible (JSON invalide)")
    expect(letters).to_contain_text("{not json")
    expect(letters).to_contain_text("Valeur hors limites")
    expect(letters).to_contain_text("masqué : véhicule en prêt")
    expect(letters).not_to_contain_text("43.6512")
    expect(letters).not_to_contain_text("190.5")
    check_accessibility(page)
    screenshots(page, "balises")

    page.get_by_role("row", name=re.compile(r"^scooter-04 ")).get_by_role("link", name="1").click()
    expect(page.get_by_role("heading", name="Messages refusés de scooter-04")).to_be_visible()
    expect(page.locator("#refuses + p + table tbody tr")).to_have_count(1)
