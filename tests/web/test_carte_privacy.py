"""Carte de la flotte under FLEET_LOAN_LOCATION_POLICY=incident_only: a lent vehicle is listed
without a marker, until an incident opened on it shows it precisely to the fleet manager."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import expect

from fleet_api.app import create_app
from tests.fleet_api.conftest import Server, api_settings
from tests.fleet_api.test_live import sign_in as api_sign_in
from tests.web.conftest import check_accessibility, screenshots
from tests.web.fleet_state import fill_fleet_state


@pytest.fixture
def site(web_db) -> Iterator[Server]:
    """The site of a plateforme that shows no position of a lent vehicle outside an incident."""
    with Server(create_app(api_settings(web_db, loan_location_policy="incident_only"))) as server:
        yield server


def test_a_lent_vehicle_is_listed_without_a_marker_until_an_incident_is_opened_on_it(open_browser, web_db, site):
    fill_fleet_state(web_db)
    page, _ = open_browser("fleet_manager")
    expect(page.get_by_role("status")).to_have_text("En direct : 42 véhicules.")
    row = page.get_by_role("row", name=re.compile(r"^car-02 "))
    expect(row).to_contain_text("En prêt (position non affichée : véhicule prêté)")
    expect(page.get_by_role("button", name=re.compile(r"^car-02, "))).to_have_count(0)
    check_accessibility(page)
    screenshots(page, "carte-pret-sans-position")

    admin = api_sign_in(site.url, "admin")
    car = next(v for v in httpx.get(f"{site.url}/api/v1/vehicles", headers=admin).json() if v["label"] == "car-02")
    opened = httpx.post(
        f"{site.url}/api/v1/incidents",
        headers=admin,
        json={"vehicle_id": car["id"], "kind": "accident", "reason": "Accident signalé par la participante."},
    )
    assert opened.status_code == 201

    marker = page.get_by_role("button", name=re.compile(r"^car-02, "))
    expect(marker).to_have_count(1)  # the stream brought it, without a reload
    expect(row).not_to_contain_text("position non affichée")
    marker.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text(f"Position précise : incident n° {opened.json()['id']} ouvert")
    expect(popup).not_to_contain_text("Vitesse")
    check_accessibility(page)
    screenshots(page, "carte-incident")
