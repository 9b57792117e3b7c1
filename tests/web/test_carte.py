"""Carte de la flotte, in the browser: live moves from the broker, clusters, the list, refusals."""

from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from fleetbase.db import connect
from ingest.repository import notify_changed
from tests.ingest.conftest import Worker, publish, worker_settings  # noqa: F401 (fixture)
from tests.web.conftest import ROOT, check_accessibility, screenshots
from tests.web.fleet_state import fill_fleet_state


@pytest.fixture
def pipeline_db(web_db) -> str:
    """The ingest worker (`worker_settings`) writes into the database the site reads."""
    return web_db


def reading(lat: float, lon: float, battery_pct: float, *, seconds_ago: int) -> str:
    fix_time = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=seconds_ago)
    return json.dumps(
        {
            "ts": fix_time.isoformat(),
            "lat": lat,
            "lon": lon,
            "speed_kmh": 14.0,
            "battery_pct": battery_pct,
            "odometer_km": 812.4,
            "ignition": True,
        }
    )


def test_a_reading_from_a_tracker_moves_its_marker_and_its_gauge_without_a_reload(
    open_browser, broker, worker_settings
):
    with Worker(worker_settings):
        page, _ = open_browser("fleet_manager")
        expect(page.get_by_role("status")).to_have_text("En direct : 42 véhicules.")
        page.evaluate("() => { window.sameDocument = true; }")

        publish(broker.files.port, "ebike-01", reading(43.6047, -1.0017, 80, seconds_ago=1800))
        marker = page.get_by_role("button", name=re.compile(r"^ebike-01, "))
        expect(marker).to_have_attribute("title", re.compile(r"batterie 80 %"))
        first = marker.bounding_box()
        row = page.get_by_role("row", name=re.compile(r"^ebike-01 "))
        expect(row).to_contain_text("80 % batterie")

        # Half an hour later, 7 km away at Heugas (a plausible ride: the worker keeps it).
        publish(broker.files.port, "ebike-01", reading(43.6456, -1.0786, 15, seconds_ago=5))
        expect(marker).to_have_attribute("title", re.compile(r"batterie 15 %"))
        expect(row).to_contain_text("15 % batterie (bas)")
        expect(row).to_contain_text("En ligne")
        second = marker.bounding_box()
        assert (second["x"], second["y"]) != (first["x"], first["y"])  # it moved on the screen
        assert second["x"] < first["x"] and second["y"] < first["y"]  # west and north, as Heugas is
        expect(marker).to_have_class(re.compile(r"energy-low"))
        assert page.evaluate("() => window.sameDocument") is True  # no reload happened


def test_the_fleet_manager_reads_the_fleet_on_the_map_and_in_the_list(open_browser, web_db):
    fill_fleet_state(web_db)
    page, _ = open_browser("fleet_manager")
    expect(page.get_by_role("status")).to_have_text("En direct : 42 véhicules.")
    counts = page.get_by_role("list", name="En un coup d'œil")
    expect(counts).to_contain_text("En prêt : 1")
    expect(counts).to_contain_text("Silencieux : 1")
    expect(counts).to_contain_text("En maintenance : 1")

    # Vehicles parked together at Dax are one cluster, told apart by a list on click.
    dax = page.get_by_role("button", name=re.compile(r"^\d+ véhicules$")).first
    dax.click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup).to_contain_text("véhicules ici")
    expect(popup.get_by_role("link").first).to_have_attribute("href", re.compile(r"^/vehicules/\d+$"))
    page.locator(".leaflet-popup").get_by_role("button", name="Fermer").click()
    expect(popup).to_have_count(0)

    # The lent car: coarse, and no speed, in its popup.
    page.get_by_role("button", name=re.compile(r"^car-02, ")).click()
    expect(popup).to_contain_text("Position approximative")
    expect(popup).not_to_contain_text("Vitesse")
    page.locator(".leaflet-popup").get_by_role("button", name="Fermer").click()

    # The list: filters and counts.
    page.get_by_label("Type").select_option("scooter")
    expect(page.locator("#resume-liste")).to_have_text("28 véhicules sur 42.")
    page.get_by_label("Silencieux").check()
    expect(page.locator("#resume-liste")).to_have_text("1 véhicule sur 42.")
    expect(page.get_by_role("row", name=re.compile(r"^scooter-03 "))).to_contain_text("Silencieux, il y a 2 h")
    page.get_by_label("Silencieux").uncheck()
    page.get_by_label("Type").select_option("")
    page.get_by_label("Dépôt").select_option(label="Dépôt de Soustons")
    expect(page.locator("#resume-liste")).to_have_text(re.compile(r"^\d véhicules sur 42\.$"))
    page.get_by_label("Dépôt").select_option("")
    page.get_by_role("button", name="Énergie").click()  # lowest first
    first_row = page.locator("#liste-vehicules tbody tr").first
    expect(first_row).to_contain_text("(critique)")

    expect(page.locator(".leaflet-popup")).to_have_count(0)
    check_accessibility(page)
    desktop, _ = screenshots(page, "carte")
    if os.environ.get("FLEET_UPDATE_DOCS_PICTURES"):  # the README's picture, only when asked:
        shutil.copyfile(desktop, ROOT / "docs" / "carte.png")  # a test run leaves the checkout clean


@pytest.mark.parametrize("role", ["prescriber", "garage_partner"])
def test_the_map_refuses_roles_that_may_not_follow_the_fleet(open_browser, role):
    page, watch = open_browser(role)
    watch.expect_document("/carte", 403)
    response = page.goto("/carte")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Cette page n'est pas ouverte aux comptes")
    expect(
        page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Carte de la flotte")
    ).to_have_count(0)
    check_accessibility(page)


def move(database_url: str, vehicle: int, lat: float, lon: float, battery_pct: float | None = None) -> None:
    """A change as the ingest workers make it: vehicle_state, then NOTIFY for the live stream."""
    with connect(database_url) as conn:
        conn.execute(
            "UPDATE vehicle_state SET lat = %(lat)s, lon = %(lon)s,"
            " battery_pct = coalesce(%(battery)s, battery_pct), last_seen_at = now()"
            " WHERE vehicle_id = %(id)s",
            {"lat": lat, "lon": lon, "battery": battery_pct, "id": vehicle},
        )
        notify_changed(conn, [vehicle])


def test_a_move_hidden_in_a_cluster_waits_for_the_zoom_and_a_move_out_of_it_shows_at_once(open_browser, web_db):
    fill_fleet_state(web_db)
    with connect(web_db) as conn:
        hidden, leaving = conn.execute(  # both parked at the Dax depot; ebike-01 is electric
            "SELECT v.id, v.label, s.lat, s.lon FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
            " WHERE v.label IN ('ebike-01', 'scooter-01') ORDER BY v.label"
        ).fetchall()
    page, _ = open_browser("fleet_manager")
    expect(page.get_by_role("status")).to_have_text("En direct : 42 véhicules.")
    assert page.evaluate("() => typeof window.Alpine") == "undefined"  # no Alpine on the map page
    marker_at = "(id) => { const at = window.fleetMap.markers.get(id).getLatLng(); return [at.lat, at.lng]; }"
    before = page.evaluate(marker_at, hidden["id"])
    cluster_label = page.evaluate(
        """(id) => {
        const m = window.fleetMap.markers.get(id);
        const parent = window.fleetMap.cluster.getVisibleParent(m);
        return parent === m ? null : parent.getChildCount(); }""",
        hidden["id"],
    )
    assert cluster_label and cluster_label >= 3  # the depot's vehicles are one cluster at this zoom
    depot = page.get_by_role("button", name=f"{cluster_label} véhicules")
    expect(depot).to_have_count(1)

    # A few metres inside the depot's cluster: the list says it at once, the marker waits.
    target = (float(hidden["lat"]) + 0.0002, float(hidden["lon"]) + 0.0001)
    move(web_db, hidden["id"], *target, battery_pct=7)
    row = page.get_by_role("row", name=re.compile(rf"^{hidden['label']} "))
    expect(row).to_contain_text("7 % batterie (critique)")
    page.wait_for_function("(id) => window.fleetMap.unseen.has(id)", arg=hidden["id"])
    assert page.evaluate(marker_at, hidden["id"]) == before
    expect(depot).to_have_count(1)  # same cluster, same count

    # Leaving the depot for Magescq, 16 km away: out of the cluster at once.
    move(web_db, leaving["id"], 43.7810, -1.2210)
    expect(page.get_by_role("button", name=re.compile(rf"^{leaving['label']}, "))).to_be_visible()
    expect(page.get_by_role("button", name=f"{cluster_label - 1} véhicules")).to_have_count(1)

    # Zoomed in on the depot: the waiting move is made, the marker is where the vehicle is.
    page.evaluate("([lat, lon]) => window.fleetMap.map.setView([lat, lon], 18, { animate: false })", list(target))
    page.wait_for_function(
        "([id, lat, lon]) => { const at = window.fleetMap.markers.get(id).getLatLng();"
        " return at.lat === lat && at.lng === lon; }",
        arg=[hidden["id"], *target],
    )
    shown = page.evaluate(
        """([id, lat, lon]) => {
        const m = window.fleetMap.markers.get(id);
        const parent = window.fleetMap.cluster.getVisibleParent(m);  // itself, or the cluster it is drawn in
        const inside = parent === m ? m.getLatLng().equals([lat, lon]) : parent.getBounds().contains([lat, lon]);
        return { inside, title: m.options.title, icon: m.options.icon.options.className }; }""",
        [hidden["id"], *target],
    )
    assert shown["inside"] and "batterie 7 %" in shown["title"] and "energy-critical" in shown["icon"]
    assert not page.evaluate("(id) => window.fleetMap.unseen.has(id)", hidden["id"])


def test_a_vehicle_the_filter_leaves_out_stays_off_the_map_when_it_moves(open_browser, web_db):
    fill_fleet_state(web_db)
    with connect(web_db) as conn:
        ebike = conn.execute("SELECT id FROM vehicles WHERE label = 'ebike-01'").fetchone()["id"]
    page, _ = open_browser("fleet_manager")
    expect(page.get_by_role("status")).to_have_text("En direct : 42 véhicules.")
    page.get_by_label("Type").select_option("scooter")
    expect(page.locator("#resume-liste")).to_have_text("28 véhicules sur 42.")
    on_map = "(id) => window.fleetMap.cluster.hasLayer(window.fleetMap.markers.get(id))"
    assert page.evaluate(on_map, ebike) is False

    move(web_db, ebike, 43.7810, -1.2210, battery_pct=50)  # to Magescq, alone on the map
    page.wait_for_function(
        "([id, lat]) => window.fleetMap.markers.get(id).getLatLng().lat === lat", arg=[ebike, 43.7810]
    )
    assert page.evaluate(on_map, ebike) is False  # moved, and still left out
    expect(page.get_by_role("button", name=re.compile(r"^ebike-01, "))).to_have_count(0)

    page.get_by_label("Type").select_option("")  # shown again, where it is now
    expect(page.get_by_role("button", name=re.compile(r"^ebike-01, "))).to_have_attribute(
        "title", re.compile(r"batterie 50 %")
    )
    assert page.evaluate(on_map, ebike) is True
