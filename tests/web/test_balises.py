"""Santé des balises keeps itself up to date: a tracker's new reading shows without a reload."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.fleet_api.conftest import Server, api_settings
from tests.ingest.conftest import Worker, publish, worker_settings  # noqa: F401 (fixture)
from tests.web.conftest import check_accessibility, screenshots
from tests.web.fleet_state import fill_fleet_state


@pytest.fixture
def site(web_db) -> Iterator[Server]:
    """The app with the page's refresh every second instead of every 30 s (a setting)."""
    with Server(create_app(api_settings(web_db, web_health_refresh_s=1))) as server:
        yield server


@pytest.fixture
def pipeline_db(web_db) -> str:
    return web_db


def test_a_silent_tracker_that_reports_again_shows_online_without_a_reload(
    open_browser, broker, worker_settings, web_db
):
    fill_fleet_state(web_db)  # scooter-03 silent for two hours
    with connect(web_db) as conn:
        where = conn.execute(
            "SELECT s.lat, s.lon FROM vehicle_state s JOIN vehicles v ON v.id = s.vehicle_id"
            " WHERE v.label = 'scooter-03'"
        ).fetchone()
    page, _ = open_browser("fleet_manager")
    page.goto("/balises")
    row = page.get_by_role("row", name=re.compile(r"^scooter-03 "))
    expect(row).to_contain_text("Silencieuse")
    expect(row.get_by_role("cell").nth(5)).to_have_text("0")  # received in 24 h
    expect(page.get_by_role("status")).to_contain_text("1 silencieuse")
    assert page.locator("#sante").get_attribute("hx-trigger") == "every 1s"
    page.evaluate("() => { window.sameDocument = true; }")

    fix_time = (datetime.now(UTC) - timedelta(seconds=5)).replace(microsecond=0).isoformat()
    with Worker(worker_settings):
        publish(
            broker.files.port,
            "scooter-03",
            json.dumps(
                {
                    "ts": fix_time,
                    "lat": float(where["lat"]),
                    "lon": float(where["lon"]),
                    "speed_kmh": 0.0,
                    "fuel_pct": 40,
                    "odometer_km": 1500.0,
                    "ignition": False,
                }
            ),
        )
        expect(row).to_contain_text("En ligne")
    expect(row.get_by_role("cell").nth(5)).to_have_text("1")
    expect(row).not_to_contain_text("il y a 2 h")
    expect(page.get_by_role("status")).to_contain_text("0 silencieuse")
    assert page.evaluate("() => window.sameDocument") is True  # the table changed, the page stayed
    check_accessibility(page)
    screenshots(page, "balises-a-jour")
