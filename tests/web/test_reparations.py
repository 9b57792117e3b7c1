"""Réparations in the browser: a mechanic opens a ticket and sends it to the garage; the garage
partner signs in, lands on its tickets, accepts it, starts the work with a quote, comments and
adds a photo of the repair (kept without its EXIF); the mechanic then reads all of it. The
garage partner never reaches another garage's ticket, the map or a participant, and no page it
opens names a participant; staff accept a quote they read."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from fleetbase.db import connect
from loans import repository as loans_repository
from maintenance import tickets
from tests.fleet_api.test_repair_ticket_photos import jpeg_with_exif
from tests.web.conftest import check_accessibility, screenshots

PEOPLE = (("Maïté", "Dupouy"), ("Jean-Baptiste", "Lartigau"))


@pytest.fixture
def people(web_db) -> list[dict]:
    """Participants who borrowed the ticket's scooter: nothing of them may reach the garage."""
    with connect(web_db) as conn:
        rows = [
            conn.execute(
                "INSERT INTO participants (first_name, last_name, phone, municipality)"
                " VALUES (%(first)s, %(last)s, '06 12 34 56 78', 'Tarnos') RETURNING id, first_name,"
                " last_name",
                {"first": first, "last": last},
            ).fetchone()
            for first, last in PEOPLE
        ]
        for person in rows:
            conn.execute(
                "INSERT INTO loans (vehicle_id, participant_id, status, starts_at, ends_at, held_until,"
                " checked_out_at, checked_in_at) SELECT id, %(person)s, 'returned', now() - interval '20 days',"
                " now() - interval '10 days', now() - interval '10 days', now() - interval '20 days',"
                " now() - interval '10 days' FROM vehicles WHERE label = 'scooter-05'",
                {"person": person["id"]},
            )
    return rows


def assert_no_participant(page, people: list[dict]) -> None:
    text = page.locator("body").inner_text()
    for person in people:
        assert person["last_name"] not in text and person["first_name"] not in text, (page.url, person)
    assert "06 12 34 56 78" not in text and "Tarnos" not in text and "prêt n°" not in text.lower()


def ids(web_db) -> dict:
    with connect(web_db) as conn:
        return {
            "scooter": conn.execute("SELECT id, plate FROM vehicles WHERE label = 'scooter-05'").fetchone(),
            "mechanic": conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"],
            "garage": conn.execute("SELECT min(id) AS id FROM garages").fetchone()["id"],
        }


def test_a_mechanic_sends_a_ticket_the_garage_starts_it_with_a_quote_and_the_mechanic_sees_it(
    open_browser, web_db, people
):
    known = ids(web_db)
    mechanic, _ = open_browser("mechanic")
    mechanic.goto("/reparations")
    mechanic.get_by_role("button", name="Ouvrir une fiche de réparation").click()
    expect(mechanic.get_by_role("heading", name="Ouvrir une fiche de réparation")).to_be_visible()
    mechanic.get_by_label("Véhicule", exact=True).select_option(str(known["scooter"]["id"]))
    mechanic.get_by_label("Garage", exact=True).select_option(label="Garage solidaire Sud Landes")
    mechanic.get_by_label("Objet").fill("Frein avant inefficace")
    mechanic.get_by_label("Description de la panne").fill("Le levier touche la poignée.\nBruit au freinage.")
    mechanic.get_by_label(re.compile("Véhicule immobilisé")).check()
    mechanic.get_by_label("Photo (JPEG, PNG ou WebP)").set_input_files(
        files=[{"name": "levier.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif()}]
    )
    mechanic.get_by_label("Légende").fill("Le levier au repos")
    check_accessibility(mechanic)
    screenshots(mechanic, "reparation-nouvelle")
    mechanic.get_by_role("button", name="Ouvrir et envoyer au garage").click()

    expect(mechanic.get_by_role("status")).to_have_text("Fiche envoyée au garage : il a reçu un e-mail avec son lien.")
    expect(mechanic.get_by_text("Statut de la fiche : Envoyée au garage")).to_be_visible()
    ticket_id = int(re.search(r"/reparations/(\d+)", mechanic.url)[1])
    expect(mechanic.get_by_role("img", name="Photo 1 de la panne : Le levier au repos")).to_be_visible()
    with connect(web_db) as conn:
        [mail] = conn.execute(
            "SELECT body FROM mail_outbox WHERE subject LIKE %(s)s",
            {"s": f"Nouvelle fiche de réparation n° {ticket_id} %"},
        ).fetchall()
    assert f"http://127.0.0.1:8000/reparations/{ticket_id}" in mail["body"]

    # The garage signs in and lands on its tickets.
    garage, _ = open_browser("garage_partner")
    expect(garage).to_have_url(re.compile(r"/reparations$"))
    first_link = garage.get_by_role("navigation", name="Menu principal").get_by_role("link").nth(1)
    expect(first_link).to_have_text("Réparations")
    row = garage.get_by_role("row").filter(has_text="Frein avant inefficace")
    expect(row).to_contain_text("Envoyée au garage")
    expect(row).to_contain_text(known["scooter"]["plate"])
    check_accessibility(garage)
    screenshots(garage, "reparations-garage")
    assert_no_participant(garage, people)
    row.get_by_role("link", name="Frein avant inefficace").click()

    expect(garage.get_by_role("heading", name=f"Fiche n° {ticket_id} : Frein avant inefficace")).to_be_visible()
    expect(garage.get_by_text("Scooter scooter-05")).to_be_visible()
    expect(garage.get_by_role("img", name=re.compile("Photo 1 de la panne"))).to_be_visible()
    garage.get_by_role("button", name="Accepter la fiche").click()
    expect(garage.get_by_text("Statut de la fiche : Acceptée")).to_be_visible()
    garage.get_by_label("Devis en euros").fill("145,50")
    garage.get_by_role("button", name="Commencer les travaux").click()
    expect(garage.get_by_text("Statut de la fiche : En cours")).to_be_visible()
    expect(garage.get_by_text("145,50 €", exact=True)).to_be_visible()

    garage.get_by_label("Votre commentaire pour la plateforme").fill("Plaquettes commandées, livrées demain.")
    garage.get_by_role("button", name="Envoyer le commentaire").click()
    expect(garage.get_by_role("status")).to_have_text("Commentaire ajouté.")
    garage.get_by_label("Photo (JPEG, PNG ou WebP)").set_input_files(
        files=[{"name": "etrier.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_exif()}]
    )
    garage.get_by_label("Légende (facultative)").fill("Étrier démonté")
    garage.get_by_role("button", name="Ajouter la photo").click()
    expect(garage.get_by_role("status")).to_have_text("Photo ajoutée.")
    expect(garage.get_by_role("img", name="Photo 1 de la réparation : Étrier démonté")).to_be_visible()
    garage.get_by_label("Pièce", exact=True).fill("Plaquettes de frein avant")
    garage.get_by_label("Quantité").fill("2")
    garage.get_by_label("Prix unitaire (€)").fill("18,90")
    garage.get_by_role("button", name="Ajouter la pièce").click()
    expect(garage.get_by_role("row").filter(has_text="Plaquettes de frein avant")).to_contain_text("37,80 €")
    garage.goto(f"/reparations/{ticket_id}")
    check_accessibility(garage)
    screenshots(garage, "reparation-fiche-garage")
    assert_no_participant(garage, people)

    with connect(web_db) as conn:
        photos = conn.execute(
            "SELECT tag, content, author_role FROM repair_ticket_photos WHERE ticket_id = %(id)s ORDER BY id",
            {"id": ticket_id},
        ).fetchall()
    assert [(photo["tag"], photo["author_role"]) for photo in photos] == [
        ("fault", "mechanic"),
        ("repair", "garage_partner"),
    ]
    for photo in photos:  # what a phone writes (a position, its maker) is gone from the stored bytes
        assert bytes(photo["content"]).startswith(b"\xff\xd8\xff")
        assert b"Exif" not in bytes(photo["content"]) and b"PhoneMaker" not in bytes(photo["content"])

    mechanic.goto(f"/reparations/{ticket_id}")
    expect(mechanic.get_by_text("Statut de la fiche : En cours")).to_be_visible()
    expect(mechanic.get_by_text("145,50 €", exact=True)).to_be_visible()
    expect(mechanic.get_by_text("Plaquettes commandées, livrées demain.")).to_be_visible()
    expect(mechanic.get_by_role("img", name="Photo 1 de la réparation : Étrier démonté")).to_be_visible()
    check_accessibility(mechanic)
    screenshots(mechanic, "reparation-fiche-plateforme")
    mechanic.goto("/reparations")
    expect(mechanic.get_by_role("row").filter(has_text="Frein avant inefficace")).to_contain_text("En cours")
    check_accessibility(mechanic)
    screenshots(mechanic, "reparations-plateforme")


def test_the_garage_partner_reaches_neither_another_garages_ticket_nor_the_map_nor_a_participant(
    open_browser, web_db, people
):
    known = ids(web_db)
    staff = tickets.Actor(user_id=known["mechanic"], role="mechanic")
    with connect(web_db) as conn:
        other_garage = conn.execute(
            "INSERT INTO garages (name, email) VALUES ('Garage du Seignanx',"
            " 'atelier@seignanx.example.org') RETURNING id"
        ).fetchone()["id"]
        theirs = tickets.create(
            conn,
            actor=staff,
            vehicle_id=known["scooter"]["id"],
            garage_id=other_garage,
            title="Pneu arrière crevé",
            description="",
            immobilised=False,
            tasks=[],
            now=datetime.now(UTC),
        )
        tickets.change_status(
            conn,
            theirs["id"],
            actor=staff,
            status="sent",
            note="",
            final_cost_cents=None,
            now=datetime.now(UTC),
            zone=ZoneInfo("Europe/Paris"),
            public_url="http://x.example",
        )
        ours = tickets.create(
            conn,
            actor=staff,
            vehicle_id=known["scooter"]["id"],
            garage_id=known["garage"],
            title="Éclairage avant",
            description="Le phare ne s'allume plus.",
            immobilised=False,
            tasks=[],
            now=datetime.now(UTC),
        )
        loan = conn.execute(
            "SELECT min(id) AS id FROM loans WHERE participant_id = %(p)s", {"p": people[0]["id"]}
        ).fetchone()["id"]
        conn.execute(
            "UPDATE repair_tickets SET loan_id = %(loan)s WHERE id = %(id)s",  # as a check-in's draft
            {"loan": loan, "id": ours["id"]},
        )

    garage, watch = open_browser("garage_partner")
    expect(garage.get_by_role("link", name="Éclairage avant")).to_be_visible()
    expect(garage.get_by_text("Pneu arrière crevé")).to_have_count(0)
    assert_no_participant(garage, people)
    garage.get_by_role("link", name="Éclairage avant").click()
    expect(garage.get_by_text("Le phare ne s'allume plus.")).to_be_visible()
    assert_no_participant(garage, people)

    # Typed by hand: another garage's ticket is "not found", exactly as a number nobody has.
    for path in (f"/reparations/{theirs['id']}", "/reparations/999999"):
        watch.expect_document(path, 404)
        response = garage.goto(path)
        assert response.status == 404
        expect(garage.get_by_role("heading", name="Page introuvable")).to_be_visible()
        expect(garage.get_by_text("Fiche de réparation inconnue.")).to_be_visible()
        assert "Pneu arrière crevé" not in garage.content()
    check_accessibility(garage)
    for path in ("/carte", "/participants", f"/participants/{people[0]['id']}", f"/prets/{loan}"):
        watch.expect_document(path, 403)
        response = garage.goto(path)
        assert response.status in (403, 404), path
        expect(garage.get_by_role("heading", name=re.compile("Accès refusé|Page introuvable"))).to_be_visible()
        assert_no_participant(garage, people)
    api = garage.request.get(f"/api/v1/repair-tickets/{theirs['id']}")
    assert api.status == 404


def test_staff_accept_the_quote_the_garage_gave(open_browser, web_db):
    known = ids(web_db)
    staff = tickets.Actor(user_id=known["mechanic"], role="mechanic")
    now = datetime.now(UTC) - timedelta(minutes=5)
    with connect(web_db) as conn:
        ticket = tickets.create(
            conn,
            actor=staff,
            vehicle_id=known["scooter"]["id"],
            garage_id=known["garage"],
            title="Courroie à changer",
            description="",
            immobilised=True,
            tasks=[],
            now=now,
        )
        tickets.change_status(
            conn,
            ticket["id"],
            actor=staff,
            status="sent",
            note="",
            final_cost_cents=None,
            now=now,
            zone=ZoneInfo("Europe/Paris"),
            public_url="http://x.example",
        )
        garage_user = conn.execute("SELECT id FROM users WHERE username = 'garage'").fetchone()["id"]
        tickets.set_costs(
            conn,
            ticket["id"],
            actor=tickets.Actor(garage_user, "garage_partner", known["garage"]),
            now=now,
            public_url="http://x.example",
            quote_cents=23000,
        )

    mechanic, watch = open_browser("mechanic")
    mechanic.goto(f"/reparations/{ticket['id']}")
    expect(mechanic.get_by_text("Le garage propose un devis de 230,00 €.")).to_be_visible()
    # An amount that is not one is refused in French, and nothing changes.
    watch.expect_document(f"/reparations/{ticket['id']}/couts", 422)
    mechanic.get_by_label("Coût final (€)").fill("deux cents")
    mechanic.get_by_role("button", name="Enregistrer les montants").click()
    expect(mechanic.get_by_role("alert")).to_have_text("Coût final : écrivez un montant en euros, par exemple 120,50.")
    expect(mechanic.get_by_text("Le garage propose un devis de 230,00 €.")).to_be_visible()
    mechanic.get_by_role("button", name="Accepter le devis de 230,00 €").click()
    expect(mechanic.get_by_role("status")).to_have_text("Devis accepté : le garage peut commencer.")
    expect(mechanic.get_by_text("Statut de la fiche : Acceptée")).to_be_visible()
    expect(mechanic.get_by_text(re.compile(r"^230,00 € par Mécanicien de la plateforme, le "))).to_be_visible()
    expect(mechanic.get_by_text("Devis de 230,00 € accepté.")).to_be_visible()

    # The fleet manager finds it from the vehicle's page.
    manager, _ = open_browser("fleet_manager")
    manager.goto(f"/vehicules/{known['scooter']['id']}")
    manager.get_by_role("link", name=f"Fiche n° {ticket['id']} : Courroie à changer").click()
    expect(manager.get_by_text("Statut de la fiche : Acceptée")).to_be_visible()


def test_a_mechanic_completes_a_draft_from_a_check_in_opens_it_and_sends_it(open_browser, web_db, people):
    known = ids(web_db)
    with connect(web_db) as conn:
        loan = conn.execute("SELECT min(id) AS id FROM loans").fetchone()["id"]
        draft = loans_repository.insert_repair_draft(
            conn,
            vehicle_id=known["scooter"]["id"],
            loan_id=loan,
            opened_by=known["mechanic"],
            title="scooter-05 : rétroviseur gauche cassé",
            description="- rétroviseur gauche : cassé",
            now=datetime.now(UTC),
        )

    mechanic, _ = open_browser("mechanic")
    mechanic.goto("/reparations")
    mechanic.get_by_label("Statut").select_option(label="Brouillon (1)")
    mechanic.get_by_role("button", name="Filtrer").click()
    expect(mechanic.get_by_role("caption")).to_have_text("1 fiche : brouillon")
    mechanic.get_by_role("link", name="scooter-05 : rétroviseur gauche cassé").click()
    expect(mechanic.get_by_text("Statut de la fiche : Brouillon")).to_be_visible()
    expect(mechanic.get_by_role("button", name="Ouvrir la fiche")).to_have_count(0)  # no garage yet
    mechanic.get_by_label("Garage", exact=True).select_option(label="Garage solidaire Sud Landes")
    mechanic.get_by_role("button", name="Enregistrer la fiche").click()
    expect(mechanic.get_by_role("status")).to_have_text("Fiche modifiée.")
    expect(mechanic.get_by_text("Fiche modifiée : garage")).to_be_visible()
    mechanic.get_by_role("button", name="Ouvrir la fiche").click()
    expect(mechanic.get_by_text("Statut de la fiche : Ouverte")).to_be_visible()
    mechanic.get_by_label("Message au garage (facultatif, dans son e-mail)").fill("Pièce d'origine si possible.")
    mechanic.get_by_role("button", name="Envoyer au garage").click()
    expect(mechanic.get_by_text("Statut de la fiche : Envoyée au garage")).to_be_visible()
    with connect(web_db) as conn:
        [mail] = conn.execute(
            "SELECT body FROM mail_outbox WHERE subject LIKE %(s)s", {"s": f"Nouvelle fiche de réparation n° {draft} %"}
        ).fetchall()
    assert "Commentaire : Pièce d'origine si possible." in mail["body"]
    assert f"/reparations/{draft}\n" in mail["body"]
