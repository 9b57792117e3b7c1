"""Zones in the browser: an administrator draws a circle and a corridor on the map with the
mouse, names and saves them, and finds them stored with their shape; a bow-tie polygon and
a depot drawn away from its site are refused with the API's French sentence beside the form;
a zone's vertex is dragged elsewhere and the new shape is stored."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from fleetbase.db import connect
from geofence import service
from tests.web.conftest import check_accessibility, screenshots

# Away from the seeded depots and towns, in the middle of the service area.
EMPTY_PLACE = (43.60, -1.12)


def open_zones(page: Page) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Zones").click()
    expect(page.get_by_role("heading", name="Zones", exact=True)).to_be_visible()
    page.wait_for_function("() => window.zonesMap && window.zonesMap.ready")
    page.locator("#carte-zones").scroll_into_view_if_needed()  # the whole map on the screen, to draw on


def pixel(page: Page, lat: float, lon: float, *, dx: float = 0, dy: float = 0) -> tuple[float, float]:
    """Where (lat, lon) is on the screen, moved by (dx, dy) pixels."""
    box = page.locator("#carte-zones").bounding_box()
    point = page.evaluate(
        "([lat, lon]) => { const p = window.zonesMap.map.latLngToContainerPoint([lat, lon]); return [p.x, p.y]; }",
        [lat, lon],
    )
    return box["x"] + point[0] + dx, box["y"] + point[1] + dy


def click_at(page: Page, spot: tuple[float, float]) -> None:
    page.mouse.click(*spot)


def zone_named(web_db: str, name: str) -> dict | None:
    with connect(web_db) as conn:
        return conn.execute(
            "SELECT kind, site_id, geometry, radius_m, width_m FROM geofences WHERE name = %(name)s", {"name": name}
        ).fetchone()


def save_as(page: Page, name: str, kind: str = "Autre") -> None:
    page.get_by_label("Nom", exact=True).fill(name)
    page.get_by_label("Type").select_option(label=kind)
    page.get_by_role("button", name="Enregistrer la zone").click()


def test_an_administrator_draws_a_circle_and_a_corridor_and_a_bow_tie_is_refused_in_french(open_browser, web_db):
    page, watch = open_browser("admin")
    open_zones(page)
    watch.expect_refusal("/api/v1/geofences", 422)
    lat, lon = EMPTY_PLACE

    # A circle: its centre, then a point on its edge.
    page.get_by_role("button", name="Dessiner un cercle").click()
    click_at(page, pixel(page, lat, lon))
    click_at(page, pixel(page, lat, lon, dx=40))
    expect(page.locator("#zone-forme")).to_contain_text("Cercle de")
    save_as(page, "Parking de la gare")
    expect(page.get_by_role("status").filter(has_text="enregistrée")).to_have_text(
        "Zone « Parking de la gare » enregistrée."
    )
    circle = zone_named(web_db, "Parking de la gare")
    assert circle["kind"] == "other" and circle["geometry"]["type"] == "Point" and circle["radius_m"] > 1000
    list_row = page.locator("#table-zones tbody tr").filter(has_text="Parking de la gare")
    expect(list_row).to_contain_text("cercle")
    expect(list_row).to_contain_text("km²")

    # A corridor: a line of three points, ended by the toolbar's « Terminer », and its width.
    page.get_by_role("button", name="Dessiner un couloir").click()
    for dx, dy in ((-120, 80), (-60, 110), (0, 90)):
        click_at(page, pixel(page, lat, lon, dx=dx, dy=dy))
    page.get_by_role("button", name="Terminer").click()
    expect(page.locator("#zone-forme")).to_contain_text("Couloir le long d'une ligne de 3 points")
    page.get_by_label("Largeur du couloir (m)").fill("150")
    save_as(page, "Couloir Labenne–Saint-Geours")
    expect(page.get_by_role("status").filter(has_text="enregistrée")).to_contain_text("Couloir Labenne")
    corridor = zone_named(web_db, "Couloir Labenne–Saint-Geours")
    assert corridor["geometry"]["type"] == "LineString" and len(corridor["geometry"]["coordinates"]) == 3
    assert corridor["width_m"] == 150

    # A bow-tie: four corners in crossing order, closed on the first.
    page.get_by_role("button", name="Dessiner un polygone").click()
    corners = ((60, -60), (160, 40), (160, -60), (60, 40))
    for dx, dy in corners:
        click_at(page, pixel(page, lat, lon, dx=dx, dy=dy))
    click_at(page, pixel(page, lat, lon, dx=60, dy=-60))
    expect(page.locator("#zone-forme")).to_contain_text("Polygone de 4 sommets")
    save_as(page, "Nœud papillon")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Zone refusée")
    expect(alert).to_contain_text("se croise lui-même")
    assert zone_named(web_db, "Nœud papillon") is None
    expect(page.get_by_label("Nom", exact=True)).to_have_value("Nœud papillon")  # the drawing stays, as typed

    page.get_by_role("button", name="Annuler").click()
    expect(page.get_by_role("alert")).to_be_hidden()
    check_accessibility(page)
    screenshots(page, "zones")


def test_a_depot_drawn_away_from_its_site_is_refused_and_a_vertex_moved_is_kept(open_browser, web_db):
    with connect(web_db) as conn:
        service.create_zone(
            conn,
            {
                "type": "Feature",
                "properties": {"name": "Marché de Tyrosse", "kind": "other"},
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[-1.30, 43.62], [-1.26, 43.62], [-1.26, 43.65], [-1.30, 43.65], [-1.30, 43.62]]],
                },
            },
        )
        site = conn.execute("SELECT name, municipality FROM sites ORDER BY name LIMIT 1").fetchone()
    page, watch = open_browser("admin")
    open_zones(page)
    watch.expect_refusal("/api/v1/geofences", 422)
    lat, lon = EMPTY_PLACE

    page.get_by_role("button", name="Dessiner un cercle").click()
    click_at(page, pixel(page, lat, lon))
    click_at(page, pixel(page, lat, lon, dx=15))
    page.get_by_label("Nom", exact=True).fill("Dépôt égaré")
    page.get_by_label("Type").select_option(label="Dépôt")
    page.get_by_label("Site dont c'est le dépôt").select_option(label=f"{site['name']} ({site['municipality']})")
    page.get_by_role("button", name="Enregistrer la zone").click()
    expect(page.get_by_role("alert")).to_contain_text("Une zone de dépôt doit contenir l'adresse de son site")
    assert zone_named(web_db, "Dépôt égaré") is None
    page.get_by_role("button", name="Annuler").click()

    # The zone chosen in the list (its text alternative), its first corner dragged.
    page.get_by_role("button", name="Modifier la zone Marché de Tyrosse").click()
    expect(page.get_by_role("heading", name="Modifier la zone « Marché de Tyrosse »")).to_be_visible()
    corner = pixel(page, 43.62, -1.30)
    page.mouse.move(*corner)
    page.mouse.down()
    page.mouse.move(corner[0] - 30, corner[1] + 30, steps=5)
    page.mouse.up()
    page.get_by_role("button", name="Enregistrer la zone").click()
    expect(page.get_by_role("status").filter(has_text="enregistrée")).to_have_text(
        "Zone « Marché de Tyrosse » enregistrée."
    )
    ring = zone_named(web_db, "Marché de Tyrosse")["geometry"]["coordinates"][0]
    assert len(ring) == 5 and ring[0] == ring[-1]
    moved = ring[0]
    assert moved[0] < -1.30 and moved[1] < 43.62, ring  # further west and south than before
