"""Participants in the browser: a coordinator records a person and a licence check, finds
them by name and by commune, downloads their data and erases it behind a confirmation — and
the activity report's figures do not move; a prescriber sees only their structure's people."""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

from babel.dates import format_date
from playwright.sync_api import expect

from fleetbase.db import connect
from tests.web.conftest import check_accessibility, screenshots
from tests.web.report_loans import GRAND_DAX, PARIS, previous_month, returned_loan


def french_day(day: date) -> str:
    return format_date(day, "d MMMM yyyy", locale="fr_FR")


def report_table(page) -> list[list[str]]:
    page.goto("/rapport")
    expect(page.locator("#table-detail tbody tr").first).to_be_visible()
    return [row.locator("td").all_inner_texts() for row in page.locator("#table-detail tbody tr").all()]


def test_a_coordinator_records_a_person_checks_a_licence_exports_and_erases_without_changing_the_report(
    open_browser, web_db
):
    page, watch = open_browser("coordinator")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Participants").click()
    expect(page.get_by_role("heading", name="Participants")).to_be_visible()
    page.get_by_role("button", name="Enregistrer une personne").click()
    page.get_by_label("Prénom").fill("Inès")
    page.get_by_label("Nom", exact=True).fill("Lartigau")
    page.get_by_label("Téléphone").fill("06 11 22 33 44")
    page.get_by_label("Adresse e-mail").fill("ines.lartigau@example.org")
    page.get_by_label("Commune").fill("Saint-Paul-lès-Dax")
    page.get_by_label("Intercommunalité").fill(GRAND_DAX)
    page.get_by_label("Structure prescriptrice").select_option(label="PLIE du Grand Dax")
    page.get_by_label("Motif").select_option(label="Emploi")
    page.get_by_label("Permis B (voiture)").check()
    check_accessibility(page)
    screenshots(page, "participant-nouveau")
    page.get_by_role("button", name="Enregistrer").click()

    expect(page.get_by_role("status")).to_have_text("Personne enregistrée.")
    expect(page.get_by_role("heading", name="Inès Lartigau")).to_be_visible()
    person_id = int(re.search(r"/participants/(\d+)", page.url)[1])
    today = datetime.now(PARIS).date()
    licences = page.get_by_role("table").filter(has_text="Vérifié le")
    expect(licences.get_by_role("row", name=re.compile("Permis B"))).to_contain_text(french_day(today))

    # The AM document is seen on another day: that day is recorded beside it.
    seen_on = today - timedelta(days=3)
    page.get_by_role("combobox", name="Permis", exact=True).select_option(label="Permis AM (cyclomoteur 50 cm³)")
    page.get_by_label("Document vu le").fill(seen_on.isoformat())
    page.get_by_role("button", name="Enregistrer la vérification").click()
    expect(page.get_by_role("status")).to_have_text("Vérification du permis enregistrée.")
    expect(licences.get_by_role("row", name=re.compile("Permis AM"))).to_contain_text(french_day(seen_on))

    # A new phone number: the record is corrected, its licences untouched.
    page.get_by_role("link", name="Corriger la fiche").click()
    expect(page.get_by_label("Prénom")).to_have_value("Inès")
    page.get_by_label("Téléphone").fill("07 98 76 54 32")
    page.get_by_role("button", name="Enregistrer les corrections").click()
    expect(page.get_by_role("status")).to_have_text("Fiche corrigée.")
    expect(page.get_by_text("07 98 76 54 32")).to_be_visible()
    expect(page.get_by_text("PLIE du Grand Dax")).to_be_visible()
    expect(licences.get_by_role("row")).to_have_count(3)

    # Found by the start of a name, and by the start of a commune; not by another commune.
    for field, text in (("Nom ou prénom (début)", "lart"), ("Commune (début)", "saint-paul")):
        page.goto("/participants")
        page.get_by_label(field).fill(text)
        page.get_by_role("button", name="Rechercher").click()
        expect(page.get_by_role("link", name="Lartigau Inès")).to_be_visible()
    page.get_by_label("Commune (début)").fill("Tarnos")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_text("Personne ne correspond à cette recherche.")).to_be_visible()
    page.get_by_label("Commune (début)").fill("")
    page.get_by_label("Nom ou prénom (début)").fill("Lart")
    page.get_by_role("button", name="Rechercher").click()
    check_accessibility(page)
    screenshots(page, "participants-recherche")

    # Two loans last month (one person, counted once) and one still requested.
    returned_loan(web_db, participant_id=person_id, vehicle="car-03", out_day=2, back_day=6, km=212.4)
    returned_loan(web_db, participant_id=person_id, vehicle="scooter-05", out_day=10, back_day=14, km=88.0)
    with connect(web_db) as conn:
        pending = conn.execute(
            "INSERT INTO loans (vehicle_id, participant_id, status, starts_at, ends_at, held_until)"
            " SELECT id, %(person)s, 'requested', now() + interval '5 days', now() + interval '9 days',"
            " now() + interval '10 days' FROM vehicles WHERE label = 'ebike-01' RETURNING id",
            {"person": person_id},
        ).fetchone()["id"]
    before = report_table(page)
    api_before = page.request.get("/api/v1/reports/activity?" + "from=" + before[0][0] + "&to=" + before[-1][0]).json()

    page.goto(f"/participants/{person_id}")
    expect(page.get_by_role("row", name=re.compile("car-03"))).to_contain_text("Rendu")
    check_accessibility(page)
    screenshots(page, "participant-fiche")
    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger ses données (JSON)").click()
    assert download.value.suggested_filename == f"participant-{person_id}.json"
    export = json.loads(open(download.value.path(), encoding="utf-8").read())
    assert export["participant"]["email"] == "ines.lartigau@example.org"
    assert {(licence["category"], licence["checked_on"]) for licence in export["participant"]["licences"]} == {
        ("B", today.isoformat()),
        ("AM", seen_on.isoformat()),
    }
    assert sorted(loan["vehicle_label"] for loan in export["loans"]) == ["car-03", "ebike-01", "scooter-05"]

    # Erasure: the name must be typed again; a loan not finished stops it, in French.
    page.get_by_role("button", name="Effacer ses données…").click()
    expect(page.get_by_role("heading", name="Ce que l'effacement garde")).to_be_visible()
    check_accessibility(page)
    screenshots(page, "participant-effacer")
    watch.expect_document(f"/participants/{person_id}/effacer", 422)
    watch.expect_document(f"/participants/{person_id}/effacer", 409)
    page.get_by_label(re.compile("Pour confirmer")).fill("Inès Lartigue")
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.get_by_role("alert")).to_have_text("Le nom saisi ne correspond pas : rien n'a été effacé.")
    page.get_by_label(re.compile("Pour confirmer")).fill("ines lartigau")
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.get_by_role("alert")).to_contain_text(f"Le prêt n° {pending} n'est pas terminé")
    with connect(web_db) as conn:
        conn.execute("UPDATE loans SET status = 'cancelled' WHERE id = %(id)s", {"id": pending})
    page.get_by_role("button", name="Effacer définitivement").click()

    expect(page.get_by_role("status")).to_have_text("Données effacées.")
    expect(page.get_by_role("heading", name=re.compile(f"Personne n° {person_id}"))).to_be_visible()
    expect(page.get_by_text("Lartigau")).to_have_count(0)
    check_accessibility(page)
    page.goto("/participants?nom=Lart")
    expect(page.get_by_text("Personne ne correspond à cette recherche.")).to_be_visible()

    # The funders' figures are those of before, on the page and through the API.
    assert report_table(page) == before
    api_after = page.request.get("/api/v1/reports/activity?" + "from=" + before[0][0] + "&to=" + before[-1][0]).json()
    assert api_after == api_before
    last_month = next(
        row for row in api_after["rows"] if row["intercommunality"] == GRAND_DAX and row["month"] == previous_month()
    )
    assert (last_month["participants"], last_month["loans_ended"], last_month["km"]) == (1, 2, 300.4)
    with connect(web_db) as conn:
        actions = [
            row["action"]
            for row in conn.execute(
                "SELECT action FROM audit_log WHERE subject_type = 'participant' AND subject_id = %(id)s ORDER BY id",
                {"id": str(person_id)},
            )
        ]
    assert actions == ["export_participant", "erase_participant"]


def test_a_prescriber_sees_only_their_structures_people_and_neither_exports_nor_erases(open_browser, web_db):
    with connect(web_db) as conn:
        other = conn.execute(
            "INSERT INTO participants (first_name, last_name, municipality, prescriber_id)"
            " VALUES ('Hors', 'Périmètre', 'Tarnos', 3) RETURNING id"
        ).fetchone()["id"]
    page, watch = open_browser("prescriber")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Participants").click()
    page.get_by_role("button", name="Enregistrer une personne").click()
    expect(page.get_by_label("Structure prescriptrice")).to_have_count(0)  # always their own
    page.get_by_label("Prénom").fill("Yanis")
    page.get_by_label("Nom", exact=True).fill("Bordes")
    page.get_by_label("Commune").fill("Tarnos")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("heading", name="Yanis Bordes")).to_be_visible()
    expect(page.get_by_text("France Travail – agence de Dax")).to_be_visible()
    own = re.search(r"/participants/(\d+)", page.url)[1]
    expect(page.get_by_role("button", name=re.compile("Effacer|Télécharger"))).to_have_count(0)
    expect(page.get_by_role("button", name="Enregistrer la vérification")).to_have_count(0)

    page.goto("/participants?commune=Tarnos")
    expect(page.get_by_role("link", name="Bordes Yanis")).to_be_visible()
    expect(page.get_by_text("Périmètre")).to_have_count(0)
    check_accessibility(page)
    screenshots(page, "participants-prescripteur")
    for path, status in ((f"/participants/{other}", 404), (f"/participants/{own}/effacer", 403)):
        watch.expect_document(path, status)
        assert page.goto(path).status == status
        expect(page.get_by_role("heading", name=re.compile("Page introuvable|Accès refusé"))).to_be_visible()
