"""Entretien in the browser: a mechanic lands on what is due, records the overdue service of a
car with its invoice photo (a phone's, carrying a GPS position) and sees the task back to ok and
in the history; the board's filters; the workshop's wall screen opened by its display link
without a session, redrawing itself, then revoked."""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from fleet_api.app import create_app
from fleetbase.db import connect
from maintenance import tickets
from maintenance.records import record_service
from tests.factories import vehicle_id
from tests.fleet_api.conftest import Server, api_settings
from tests.maintenance.factories import drive_to
from tests.web.conftest import SCREENSHOTS, TABLET, check_accessibility, screenshots
from tests.web.test_etat_des_lieux import phone_photo

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "deploy"))
from demo_maintenance import seed_demo_maintenance  # noqa: E402  (deploy/ holds the demo's scripts)

PARIS = ZoneInfo("Europe/Paris")
SERVICE = "Révision (vidange, filtres)"
WALL_REFRESH_S = 2


@pytest.fixture
def site(web_db) -> Iterator[Server]:
    """The app, its wall screen redrawing every 2 s (30 s in service) so a test sees it move."""
    with Server(create_app(api_settings(web_db, web_wall_refresh_s=WALL_REFRESH_S))) as server:
        yield server


def overdue_service(database_url: str, label: str = "car-05") -> int:
    """The car's service last done two months ago at 4 000 km; it has since reached 21 000 km."""
    now = datetime.now(UTC)
    with connect(database_url) as conn:
        car = vehicle_id(conn, label)
        record_service(
            conn,
            vehicle_id=car,
            performed_on=date.today() - timedelta(days=60),
            odometer_km=4_000,
            tasks=["service"],
            cost_cents=None,
            notes="",
            by_user_id=None,
            now=now,
            zone=PARIS,
        )
        drive_to(conn, car, odometer_km=20_000, at=now - timedelta(days=10))
        drive_to(conn, car, odometer_km=21_000, at=now)
    return car


def due_row(page: Page, vehicle: str, task: str):
    return (
        page.get_by_role("listitem")
        .filter(has=page.get_by_role("link", name=vehicle, exact=True))
        .filter(has_text=task)
    )


def test_a_mechanic_records_an_overdue_service_and_it_is_ok_again(open_browser, site, web_db):
    car = overdue_service(web_db)
    page, watch = open_browser("mechanic", viewport=TABLET)
    expect(page).to_have_url(re.compile("/entretien$"))
    expect(page.get_by_role("heading", name="Entretien : ce qui est dû")).to_be_visible()
    row = due_row(page, "car-05", SERVICE)
    expect(row).to_contain_text("En retard")
    expect(row).to_contain_text(re.compile("dépassé de 2[\u202f\xa0 ]000 km"))
    expect(row).to_contain_text("dès maintenant")
    check_accessibility(page)
    screenshots(page, "entretien")

    row.get_by_role("button", name=re.compile("^Enregistrer")).click()
    expect(page.get_by_role("heading", name="Enregistrer un entretien de car-05")).to_be_visible()
    expect(page.get_by_role("checkbox", name=re.compile(re.escape(SERVICE)))).to_be_checked()
    expect(page.get_by_label("Compteur (km)")).to_have_value("21000")
    expect(page.get_by_label("Date de l'intervention")).to_have_value(datetime.now(PARIS).date().isoformat())
    check_accessibility(page)
    screenshots(page, "entretien-enregistrer")

    # A cost that is not an amount: the French sentence on the form, nothing typed lost.
    watch.expect_document(f"/entretien/vehicules/{car}/enregistrer", 422)
    page.get_by_label("Coût (€)").fill("quatre-vingts")
    page.get_by_label("Notes").fill("Vidange et filtre à huile, pneus contrôlés")
    page.get_by_role("button", name="Enregistrer l'entretien").click()
    expect(page.get_by_role("alert")).to_have_text("Le coût doit être un montant en euros, par exemple 89,90.")
    expect(page.get_by_label("Notes")).to_have_value("Vidange et filtre à huile, pneus contrôlés")
    expect(page.get_by_label("Coût (€)")).to_have_value("quatre-vingts")
    expect(page.get_by_role("checkbox", name=re.compile(re.escape(SERVICE)))).to_be_checked()

    page.get_by_label("Coût (€)").fill("89,90")
    page.get_by_label("Photo de la facture (JPEG, PNG ou WebP)").set_input_files(
        files=[{"name": "facture.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    page.get_by_role("button", name="Enregistrer l'entretien").click()

    expect(page.get_by_role("status")).to_have_text(re.compile("Entretien enregistré"))
    expect(page.get_by_role("heading", name="Entretien de car-05")).to_be_visible()
    task = page.get_by_role("listitem").filter(has_text=SERVICE)
    expect(task).to_contain_text("Ok")
    history = page.get_by_role("row").filter(has_text="Vidange et filtre à huile")
    expect(history).to_contain_text(SERVICE)
    expect(history).to_contain_text(re.compile("89,90[\u202f\xa0 ]€"))
    expect(history).to_contain_text(re.compile("21[\u202f\xa0 ]000 km"))
    expect(history).to_contain_text("Mécanicien de la plateforme")
    check_accessibility(page)
    screenshots(page, "entretien-vehicule")

    with connect(web_db) as conn:
        photo = conn.execute(
            "SELECT p.id, p.content FROM service_record_photos p JOIN service_records r"
            " ON r.id = p.service_record_id WHERE r.vehicle_id = %(car)s",
            {"car": car},
        ).fetchone()
    assert b"Exif" not in bytes(photo["content"])  # no position left in the stored invoice
    link = history.get_by_role("link", name=re.compile("^Voir la facture du "))
    expect(link).to_have_attribute("href", f"/entretien/factures/{photo['id']}")
    answer = page.request.get(f"/entretien/factures/{photo['id']}")
    assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
    assert answer.body() == bytes(photo["content"])
    assert httpx.get(f"{site.url}/entretien/factures/{photo['id']}").status_code in (303, 307)  # no session

    page.get_by_role("link", name="Entretien", exact=True).click()
    expect(due_row(page, "car-05", SERVICE)).to_contain_text("Ok")


def test_the_board_filters_by_depot_and_kind(open_browser, site):
    page, _ = open_browser("mechanic")
    page.get_by_label("Dépôt").select_option(label="Dépôt de Peyrehorade")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"depot=\d+"))
    rows = page.get_by_role("list", name="Tâches d'entretien, les plus urgentes d'abord").get_by_role("listitem")
    expect(rows.first).to_be_visible()
    assert all("Dépôt de Peyrehorade" in text for text in rows.all_inner_texts())
    page.get_by_label("Genre de véhicule").select_option(label="Scooter")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"genre=scooter"))
    expect(rows.first).to_be_visible()
    texts = rows.all_inner_texts()
    assert all("Scooter · Dépôt de Peyrehorade" in text for text in texts)
    assert {re.search(r"scooter-\d+", text).group() for text in texts} == {f"scooter-{n:02d}" for n in range(15, 20)}
    expect(page.get_by_label("Genre de véhicule")).to_have_value("scooter")


def test_the_wall_screen_opens_without_a_session_redraws_itself_and_is_revoked(open_browser, site, web_db, caplog):
    caplog.set_level(logging.INFO, logger="fleet_api.requests")
    with connect(web_db) as conn:  # the fleet's past services, as `make demo` gives them: little is due
        seed_demo_maintenance(conn, now=datetime.now(UTC), zone=PARIS)
    overdue_service(web_db)
    page, _ = open_browser("mechanic")
    page.get_by_label("Nom de l'écran").fill("Atelier de Dax")
    page.get_by_role("button", name="Créer un lien d'écran").click()
    expect(page.get_by_role("status")).to_contain_text("Le lien de l'écran est créé")
    address = page.get_by_label(re.compile("Adresse secrète de l'écran")).input_value()
    assert re.fullmatch(re.escape(site.url) + r"/ecran/[A-Za-z0-9_-]{40,}", address)
    with connect(web_db) as conn:
        assert (
            conn.execute(
                "SELECT count(*) AS n FROM maintenance_displays WHERE token_sha256 = sha256(%(t)s)",
                {"t": address.rsplit("/", 1)[1].encode()},
            ).fetchone()["n"]
            == 1
        )

    wall, wall_watch = open_browser(viewport={"width": 1920, "height": 1080})  # a new window, no session
    assert wall.context.cookies() == []
    wall.goto(address)
    expect(wall.get_by_role("heading", name="Atelier — Atelier de Dax")).to_be_visible()
    expect(wall.get_by_role("heading", name=re.compile(r"Entretiens dus \(\d+\)"))).to_be_visible()
    expect(wall.get_by_role("listitem").filter(has_text="car-05").filter(has_text=SERVICE)).to_contain_text("EN RETARD")
    expect(wall.get_by_text("Aucune réparation en cours.")).to_be_visible()
    check_accessibility(wall)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    wall.screenshot(path=SCREENSHOTS / "ecran-atelier-1920x1080.png")

    # A ticket opened meanwhile appears by itself, without a reload.
    with connect(web_db) as conn:
        mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
        garage = conn.execute("SELECT id FROM garages ORDER BY id LIMIT 1").fetchone()["id"]
        tickets.create(
            conn,
            actor=tickets.Actor(mechanic, "mechanic"),
            vehicle_id=vehicle_id(conn, "scooter-02"),
            garage_id=garage,
            title="Frein avant qui grince",
            description="",
            immobilised=True,
            tasks=[],
            now=datetime.now(UTC),
        )
    wall.evaluate("() => { window.notReloaded = true; }")
    ticket = wall.get_by_role("listitem").filter(has_text="Frein avant qui grince")
    expect(ticket).to_contain_text("OUVERT")
    expect(ticket).to_contain_text("scooter-02")
    assert wall.evaluate("() => window.notReloaded === true")
    screenshots(wall, "ecran-atelier")

    # Revoked from /entretien: the screen says so at its next redraw, and the address for good.
    page.goto("/entretien")
    page.get_by_role("button", name="Révoquer le lien de Atelier de Dax").click()
    expect(page.get_by_role("status")).to_contain_text("Lien d'écran révoqué")
    expect(page.get_by_text("Aucun lien d'écran en service.")).to_be_visible()
    expect(wall.get_by_role("heading", name="Lien révoqué")).to_be_visible()
    wall_watch.expect_document(address.removeprefix(site.url), 410)
    answer = wall.goto(address)
    assert answer.status == 410
    expect(wall.get_by_role("heading", name="Lien révoqué")).to_be_visible()
    check_accessibility(wall)
    assert httpx.get(address + "x").status_code == 404
    token = address.rsplit("/", 1)[1]
    assert "/ecran/{token}/tableau" in caplog.text and token not in caplog.text  # the secret never logged


def test_the_service_form_takes_a_phone_sized_invoice_other_pages_do_not(site):
    body = {"facture": ("facture.jpg", b"\xff\xd8\xff" + b"0" * 3_000_000, "image/jpeg")}
    assert httpx.post(f"{site.url}/entretien/vehicules/1/enregistrer", files=body).status_code == 303  # sign in
    assert httpx.post(f"{site.url}/entretien/ecrans", files=body).status_code == 413
