"""État des lieux on a tablet: a coordinator does a whole check-out and check-in of a car,
with a phone photo (carrying a GPS position) of a damage, both signatures drawn with the
mouse, the PDF receipts, and a new damage at the return that becomes a repair-ticket draft."""

from __future__ import annotations

import io
import re
import subprocess
from datetime import UTC, datetime, timedelta

import httpx
from PIL import Image
from playwright.sync_api import Page, expect

from fleetbase.db import connect
from tests.conftest import DEMO_PASSWORD
from tests.web.conftest import TABLET, check_accessibility, screenshots

GPS_IFD = 0x8825


def phone_photo() -> bytes:
    """A 2400 × 1800 JPEG with the EXIF GPS position a phone writes (Dax, the Adour bridge)."""
    exif = Image.Exif()
    exif[GPS_IFD] = {1: "N", 2: (43.0, 42.0, 36.5), 3: "W", 4: (1.0, 3.0, 11.2)}
    exif[0x010F] = "PhoneMaker"
    image = Image.new("RGB", (2400, 1800), "#94a3b8")
    image.paste(Image.new("RGB", (600, 300), "#b91c1c"), (900, 700))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=90)
    assert Image.open(io.BytesIO(buffer.getvalue())).getexif().get_ifd(GPS_IFD)
    return buffer.getvalue()


def set_telemetry(database_url: str, label: str, *, odometer_km: float, fuel_pct: float | None) -> int:
    """What the car's tracker last reported (written directly, as tests/web/fleet_state.py does)."""
    now = datetime.now(UTC)
    with connect(database_url) as conn:
        vehicle = conn.execute(
            "SELECT v.id, s.lat, s.lon FROM vehicles v JOIN sites s ON s.id = v.home_site_id WHERE v.label = %(label)s",
            {"label": label},
        ).fetchone()
        conn.execute(
            "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, speed_kmh, fuel_pct, effective_odometer_km,"
            " last_seen_at, online) VALUES (%(id)s, %(now)s, %(lat)s, %(lon)s, 0, %(fuel)s, %(km)s, %(now)s, true)"
            " ON CONFLICT (vehicle_id) DO UPDATE SET fuel_pct = EXCLUDED.fuel_pct,"
            " effective_odometer_km = EXCLUDED.effective_odometer_km, last_seen_at = EXCLUDED.last_seen_at",
            {
                "id": vehicle["id"],
                "now": now,
                "lat": vehicle["lat"],
                "lon": vehicle["lon"],
                "fuel": fuel_pct,
                "km": odometer_km,
            },
        )
    return vehicle["id"]


def validated_loan_for_today(site_url: str, vehicle: int) -> int:
    """Through the API, as the coordinator: a participant, their loan from now, validated, deposit received."""
    with httpx.Client(base_url=site_url) as api:
        token = api.post("/api/v1/auth/token", data={"username": "coordinator", "password": DEMO_PASSWORD})
        api.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        person = api.post(
            "/api/v1/participants",
            json={
                "first_name": "Inès",
                "last_name": "Lafitte",
                "prescriber_id": 1,
                "purpose": "job",
                "municipality": "Dax",
                "intercommunality": "Communauté d'agglomération du Grand Dax",
                "licences": [{"category": "B", "checked_on": "2026-01-15"}],
            },
        )
        assert person.status_code == 201, person.text
        now = datetime.now(UTC)
        loan = api.post(
            "/api/v1/bookings",
            json={
                "participant_id": person.json()["id"],
                "vehicle_id": vehicle,
                "starts_at": (now + timedelta(minutes=30)).isoformat(),
                "ends_at": (now + timedelta(days=14)).isoformat(),
            },
        )
        assert loan.status_code == 201, loan.text
        loan_id = loan.json()["id"]
        assert api.post(f"/api/v1/bookings/{loan_id}/validate").status_code == 200
        assert (
            api.post(
                f"/api/v1/bookings/{loan_id}/deposit", json={"amount_cents": 15000, "method": "cheque"}
            ).status_code
            == 200
        )
    return loan_id


def sign(page: Page, canvas_name: str) -> None:
    """A signature drawn with the mouse: a loop and a stroke across the pad."""
    canvas = page.get_by_role("img", name=canvas_name)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y = box["x"] + 30, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 25):
        page.mouse.move(x + step * 12, y + (18 if step % 4 < 2 else -18), steps=2)
    page.mouse.up()


def pdf_text(page: Page, link_name: str, tmp_path, name: str) -> tuple[str, str]:
    with page.expect_download() as download:
        page.get_by_role("button", name=link_name).click()
    path = tmp_path / name
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout
    images = subprocess.run(["pdfimages", "-list", str(path)], check=True, capture_output=True, text=True).stdout
    return " ".join(text.replace("\u202f", " ").replace("\xa0", " ").split()), images


def french_number(text: str) -> re.Pattern:
    return re.compile(text.replace(" ", "[\u202f\xa0 ]"))


def test_a_coordinator_does_a_whole_check_out_and_check_in_on_a_tablet(open_browser, site, web_db, tmp_path):
    car = set_telemetry(web_db, "car-05", odometer_km=12345.6, fuel_pct=70)
    loan_id = validated_loan_for_today(site.url, car)
    page, watch = open_browser("coordinator", viewport=TABLET)
    watch.expect_refusal(f"/api/v1/bookings/{loan_id}/checkout", 422)

    # Départ: the odometer and the fuel come from the tracker.
    page.goto(f"/prets/{loan_id}/depart")
    expect(page.get_by_role("heading", name="État des lieux de départ")).to_be_visible()
    expect(page.get_by_text("Inès Lafitte").first).to_be_visible()
    expect(page.get_by_label("Compteur (km)")).to_have_value("12345.6")
    expect(page.get_by_label("Carburant (%)")).to_have_value("70")
    expect(page.get_by_text(french_number("D'après la balise : 12 345,6 km."))).to_be_visible()
    page.get_by_label("Clés").check()
    page.get_by_label("Papiers du véhicule").check()
    page.get_by_label("Carte verte (assurance)").check()

    page.get_by_role("button", name="Noter un dommage : pare-chocs arrière").click()
    page.get_by_label("Description").fill("rayure de 10 cm")
    page.locator("input[type=file]").set_input_files(
        files=[{"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": phone_photo()}]
    )
    expect(page.get_by_text("1 photo(s) envoyée(s).")).to_be_visible()
    expect(page.get_by_role("img", name="Photo : pare-chocs arrière")).to_be_visible()

    # A different odometer needs a reason: the API's sentence is shown on the page.
    page.get_by_label("Compteur (km)").fill("12360")
    expect(page.get_by_label("Raison de la correction du compteur")).to_be_visible()
    sign(page, "Signature de Inès Lafitte")
    sign(page, "Signature pour la plateforme (coordinator)")
    page.get_by_role("button", name="Valider le départ").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("indiquez la raison de la correction"))
    page.get_by_label("Compteur (km)").fill("12345.6")
    expect(page.get_by_label("Raison de la correction du compteur")).to_be_hidden()

    # Unsigned by the platform: refused with the API's sentence, then signed again.
    page.get_by_role("button", name="Effacer la signature de la plateforme").click()
    page.get_by_role("button", name="Valider le départ").click()
    expect(page.get_by_role("alert")).to_have_text(
        "L'état des lieux doit être signé par la personne et par la plateforme."
    )
    check_accessibility(page)
    screenshots(page, "etat-des-lieux-depart")
    sign(page, "Signature pour la plateforme (coordinator)")
    page.get_by_role("button", name="Valider le départ").click()
    expect(page.get_by_role("status").filter(has_text="Départ enregistré")).to_be_visible()
    expect(page.get_by_role("cell", name=french_number("12 345,6 km"))).to_be_visible()

    with connect(web_db) as conn:
        [photo] = conn.execute(
            "SELECT p.content FROM inspection_photos p JOIN inspections i ON i.id = p.inspection_id"
            " WHERE i.loan_id = %(id)s",
            {"id": loan_id},
        ).fetchall()
        signers = conn.execute(
            "SELECT s.signer FROM inspection_signatures s JOIN inspections i"
            " ON i.id = s.inspection_id WHERE i.loan_id = %(id)s ORDER BY 1",
            {"id": loan_id},
        ).fetchall()
    stored = Image.open(io.BytesIO(bytes(photo["content"])))
    assert stored.format == "JPEG" and max(stored.size) == 1600  # shrunk in the browser
    assert len(stored.getexif()) == 0 and b"Exif" not in bytes(photo["content"])  # no position left
    assert [row["signer"] for row in signers] == ["participant", "staff"]

    text, images = pdf_text(page, "Télécharger le reçu (PDF)", tmp_path, "depart.pdf")
    assert "État des lieux de départ" in text and f"prêt n° {loan_id}" in text
    assert "Véhicule : car-05 (voiture)" in text and "Personne : Inès Lafitte" in text
    assert "Compteur : 12 345,6 km" in text and "Carburant : 70 %" in text
    assert "Clés : oui" in text and "Papiers du véhicule : oui" in text
    assert "pare-chocs arrière : rayure de 10 cm (1 photo)" in text
    assert "La personne (signé)" in text and "Pour la plateforme (signé)" in text
    assert [line.split()[2] for line in images.splitlines()[2:]].count("image") == 2  # both signatures

    # Retour, 74.4 km later: the departure is shown beside what is noted now.
    set_telemetry(web_db, "car-05", odometer_km=12420.0, fuel_pct=40)
    page.get_by_role("button", name="Faire l'état des lieux de retour").click()
    expect(page.get_by_role("heading", name="État des lieux de retour")).to_be_visible()
    expect(page.get_by_text(french_number("Au départ : 12 345,6 km."))).to_be_visible()
    expect(page.get_by_text("Au départ : 70 %.")).to_be_visible()
    expect(page.get_by_text("(noté au départ)")).to_be_visible()
    expect(page.get_by_label("Compteur (km)")).to_have_value("12420")
    page.get_by_label("Clés").check()
    page.get_by_label("Papiers du véhicule").check()
    page.get_by_role("button", name="Noter un dommage : rétroviseur gauche").click()
    page.get_by_label("Description").nth(1).fill("coque fendue")
    sign(page, "Signature de Inès Lafitte")
    sign(page, "Signature pour la plateforme (coordinator)")
    check_accessibility(page)
    screenshots(page, "etat-des-lieux-retour")
    page.get_by_role("button", name="Valider le retour").click()

    expect(page.get_by_role("status").filter(has_text="Retour enregistré")).to_be_visible()
    expect(page.get_by_text(french_number("Kilomètres parcourus : 74,4 km"))).to_be_visible()
    with connect(web_db) as conn:
        [ticket] = conn.execute(
            "SELECT id, status, title FROM repair_tickets WHERE loan_id = %(id)s", {"id": loan_id}
        ).fetchall()
    assert ticket["status"] == "draft" and "rétroviseur gauche" in ticket["title"]
    expect(page.get_by_text(f"Brouillon de réparation n° {ticket['id']} ouvert pour le mécanicien")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Départ")).to_be_visible()
    expect(page.get_by_role("columnheader", name="Retour")).to_be_visible()
    check_accessibility(page)
    screenshots(page, "etat-des-lieux-fait")

    text, images = pdf_text(page, "Télécharger le reçu (PDF)", tmp_path, "retour.pdf")
    assert "État des lieux de retour" in text
    assert "Compteur : 12 420,0 km (au départ : 12 345,6 km, soit 74,4 km parcourus)" in text
    assert "pare-chocs arrière : rayure de 10 cm" in text
    assert "rétroviseur gauche : coque fendue — nouveau depuis le départ" in text
    assert "Carburant : 40 %" in text
    assert [line.split()[2] for line in images.splitlines()[2:]].count("image") == 2


def test_an_ebike_check_out_asks_for_the_battery_and_its_own_checklist_and_only_staff_open_it(
    open_browser, site, web_db
):
    bike = set_telemetry(web_db, "ebike-04", odometer_km=812.3, fuel_pct=None)
    with connect(web_db) as conn:
        conn.execute("UPDATE vehicle_state SET battery_pct = 64 WHERE vehicle_id = %(id)s", {"id": bike})
    loan_id = validated_loan_for_today(site.url, bike)
    page, watch = open_browser("coordinator", viewport=TABLET)

    page.goto(f"/prets/{loan_id}/depart")
    expect(page.get_by_label("Batterie (%)")).to_have_value("65")  # the slider's nearest step
    expect(page.get_by_text("D'après la balise : 64 %.")).to_be_visible()
    for item in ("Antivol", "Chargeur", "Casque"):
        expect(page.get_by_label(item)).to_be_visible()
    expect(page.get_by_label("Clés")).to_have_count(0)
    expect(page.get_by_role("group", name="Vélo électrique vu de côté, l'avant à droite")).to_be_visible()
    page.get_by_role("button", name="Noter un dommage : batterie").focus()
    page.keyboard.press("Enter")  # a part of the outline is reached with the keyboard too
    expect(page.get_by_role("heading", name="1. batterie")).to_be_visible()
    check_accessibility(page)
    screenshots(page, "etat-des-lieux-velo")

    watch.expect_document(f"/prets/{loan_id}/retour/recu.pdf", 404)
    page.goto(f"/prets/{loan_id}/retour")
    expect(page.get_by_text("L'état des lieux de départ n'a pas été fait : commencez par lui.")).to_be_visible()
    page.goto(f"/prets/{loan_id}/retour/recu.pdf")
    expect(page.get_by_text("État des lieux de retour pas encore fait pour le prêt")).to_be_visible()

    for role in ("prescriber", "mechanic", "fleet_manager"):
        other, other_watch = open_browser(role)
        other_watch.expect_document(f"/prets/{loan_id}/depart", 403)
        other.goto(f"/prets/{loan_id}/depart")
        expect(other.get_by_role("heading", name="Accès refusé")).to_be_visible()
