"""Requests in the browser: a prescriber refers a person and asks for a loan, a coordinator
validates or rejects it from *Demandes à traiter*, and the prescriber follows it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from fleetbase.db import connect
from loans import participants, service
from tests.web.conftest import check_accessibility, screenshots

ZONE = ZoneInfo("Europe/Paris")
OTHER_STRUCTURE = 2  # the Mission locale: not the demo prescriber's structure


def days_ahead(days: int, hour: int) -> datetime:
    day = datetime.now(ZONE).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)


def user_id(conn, username: str) -> int:
    return conn.execute("SELECT id FROM users WHERE username = %(name)s", {"name": username}).fetchone()["id"]


def a_request(
    database_url: str,
    *,
    last_name: str,
    vehicle: str,
    prescriber_id: int = 1,
    licences=("B",),
    first_day: int = 3,
    days: int = 7,
) -> int:
    """A person of `prescriber_id`'s structure and a request for them on `vehicle`, committed."""
    now = datetime.now(UTC)
    with connect(database_url) as conn:
        person = participants.create_participant(
            conn,
            values={
                "first_name": "Sam",
                "last_name": last_name,
                "prescriber_id": prescriber_id,
                "purpose": "job",
                "licences": [{"category": category, "checked_on": now.date()} for category in licences],
            },
            scope=None,
            user_id=user_id(conn, "coordinator"),
            prescriber_user=False,
            now=now,
        )
        vehicle_id = conn.execute("SELECT id FROM vehicles WHERE label = %(label)s", {"label": vehicle}).fetchone()[
            "id"
        ]
        loan = service.request_loan(
            conn,
            participant_id=person["id"],
            vehicle_id=vehicle_id,
            starts_at=days_ahead(first_day, 9),
            ends_at=days_ahead(first_day + days, 17),
            purpose=None,
            scope=None,
            user_id=user_id(conn, "prescriber"),
            now=now,
            zone=ZONE,
        )
    return loan["id"]


def card(page, loan_id: int):
    return page.get_by_role("article", name=re.compile(rf"^Demande n° {loan_id}\b"))


def test_a_prescriber_refers_and_requests_a_coordinator_validates_and_the_prescriber_sees_it(open_browser, web_db):
    prescriber, _ = open_browser("prescriber")
    expect(prescriber).to_have_url(re.compile(r"/demandes$"))
    expect(prescriber.get_by_role("heading", name="Mes demandes")).to_be_visible()
    prescriber.get_by_role("link", name="Orienter une personne").click()
    prescriber.get_by_label("Prénom").fill("Inès")
    prescriber.get_by_label("Nom", exact=True).fill("Lafitte")
    prescriber.get_by_label("Téléphone").fill("06 11 22 33 44")
    prescriber.get_by_label("Commune de résidence").fill("Saint-Paul-lès-Dax")
    prescriber.get_by_label("Intercommunalité").select_option("Communauté d'agglomération du Grand Dax")
    prescriber.get_by_label("Motif du besoin de mobilité").select_option(label="Emploi")
    prescriber.get_by_label("BSR").check()
    check_accessibility(prescriber)
    screenshots(prescriber, "demandes-orienter")
    prescriber.get_by_role("button", name="Enregistrer et demander un prêt").click()

    expect(prescriber.get_by_role("heading", name="Demander un prêt")).to_be_visible()
    expect(prescriber.get_by_label("Personne")).to_have_text(re.compile("Inès Lafitte"))
    prescriber.get_by_label("Scooter 50 cm³").check()
    prescriber.get_by_label("Premier jour").fill(days_ahead(2, 9).date().isoformat())
    prescriber.get_by_label("Dernier jour").fill(days_ahead(30, 9).date().isoformat())
    check_accessibility(prescriber)
    screenshots(prescriber, "demandes-nouvelle")
    prescriber.get_by_role("button", name="Envoyer la demande").click()
    expect(prescriber.get_by_role("heading", name=re.compile(r"^Demande n° \d+$"))).to_be_visible()
    expect(prescriber.get_by_text("En attente", exact=True)).to_be_visible()
    loan_id = int(re.search(r"/demandes/(\d+)$", prescriber.url).group(1))
    with connect(web_db) as conn:
        person = conn.execute(
            "SELECT p.* FROM participants p JOIN loans l ON l.participant_id = p.id WHERE l.id = %(id)s",
            {"id": loan_id},
        ).fetchone()
    assert (person["last_name"], person["intercommunality"], person["prescriber_id"]) == (
        "Lafitte",
        "Communauté d'agglomération du Grand Dax",
        1,
    )

    coordinator, _ = open_browser("coordinator")
    expect(coordinator).to_have_url(re.compile(r"/demandes-a-traiter$"))
    request = card(coordinator, loan_id)
    expect(request).to_contain_text("Inès Lafitte")
    expect(request).to_contain_text("France Travail – agence de Dax")
    expect(request).to_contain_text("BSR vu le")
    expect(request).to_contain_text("suffisant")
    check_accessibility(coordinator)
    screenshots(coordinator, "demandes-a-traiter")
    choice = request.get_by_role("row").nth(2)  # the second free scooter: another vehicle than the one asked for
    label = choice.get_by_role("cell").first.inner_text()
    choice.get_by_role("button", name=re.compile("^Valider avec ")).click()
    expect(request.get_by_role("status")).to_contain_text(f"Validée : {label}")
    expect(request.get_by_role("link", name=f"Voir {label} au planning")).to_have_attribute(
        "href", re.compile(r"^/planning\?vehicule=\d+$")
    )
    check_accessibility(coordinator)
    coordinator.reload()
    expect(card(coordinator, loan_id)).to_have_count(0)  # no longer waiting

    prescriber.goto("/demandes")
    row = prescriber.get_by_role("row", name=re.compile(rf"n° {loan_id}\b"))
    expect(row).to_contain_text("Validée")
    expect(row).to_contain_text(label)
    check_accessibility(prescriber)
    screenshots(prescriber, "demandes")
    row.get_by_role("link", name=f"n° {loan_id}").click()
    expect(
        prescriber.get_by_text(re.compile(rf"^Le prêt est validé : {label}, à retirer au dépôt de \w"))
    ).to_be_visible()
    expect(prescriber.get_by_role("button", name="Annuler la demande")).to_have_count(0)
    check_accessibility(prescriber)
    screenshots(prescriber, "demande-validee")


def test_a_rejected_request_shows_its_reason_to_the_prescriber(open_browser, web_db):
    loan_id = a_request(web_db, last_name="Refusé", vehicle="car-04")
    coordinator, _ = open_browser("coordinator")
    request = card(coordinator, loan_id)
    request.get_by_text("Refuser la demande").click()
    request.get_by_label("Motif du refus").fill("Le permis B est en période probatoire suspendue : revoir en janvier.")
    request.get_by_role("button", name="Confirmer le refus").click()
    expect(request.get_by_role("status")).to_contain_text("Refusée : Le permis B est en période probatoire")

    prescriber, _ = open_browser("prescriber")
    row = prescriber.get_by_role("row", name=re.compile(rf"n° {loan_id}\b"))
    expect(row).to_contain_text("Refusée")
    expect(row).to_contain_text("Motif : Le permis B est en période probatoire suspendue : revoir en janvier.")
    prescriber.goto(f"/demandes/{loan_id}")
    expect(prescriber.get_by_role("note")).to_have_text(
        "Motif du refus : Le permis B est en période probatoire suspendue : revoir en janvier."
    )
    check_accessibility(prescriber)
    screenshots(prescriber, "demande-refusee")


def test_a_prescriber_requests_a_named_vehicle_and_cancels_while_pending(open_browser, web_db):
    earlier = a_request(web_db, last_name="Annule", vehicle="car-05")
    prescriber, _ = open_browser("prescriber")
    prescriber.get_by_role("link", name="Demander un prêt pour Sam Annule").click()
    prescriber.get_by_label("Ou un véhicule précis").select_option(label="ebike-03")
    prescriber.get_by_label("Premier jour").fill(days_ahead(1, 9).date().isoformat())
    prescriber.get_by_label("Dernier jour").fill(days_ahead(2, 9).date().isoformat())
    prescriber.get_by_role("button", name="Envoyer la demande").click()
    expect(prescriber.get_by_text("Vélo électrique", exact=True)).to_be_visible()
    loan_id = int(re.search(r"/demandes/(\d+)$", prescriber.url).group(1))

    prescriber.get_by_role("button", name="Annuler la demande").click()
    expect(prescriber.get_by_text("Annulée", exact=True)).to_be_visible()
    expect(prescriber.get_by_role("button", name="Annuler la demande")).to_have_count(0)
    with connect(web_db) as conn:
        rows = conn.execute(
            "SELECT l.id, l.status, v.label FROM loans l JOIN vehicles v ON v.id = l.vehicle_id"
            " WHERE l.id = ANY(%(ids)s) ORDER BY l.id",
            {"ids": [earlier, loan_id]},
        ).fetchall()
    assert [(row["status"], row["label"]) for row in rows] == [("requested", "car-05"), ("cancelled", "ebike-03")]


def test_a_prescriber_typing_another_structures_addresses_gets_not_found(open_browser, web_db):
    theirs = a_request(web_db, last_name="Ailleurs", vehicle="car-06", prescriber_id=OTHER_STRUCTURE)
    with connect(web_db) as conn:
        person = conn.execute("SELECT participant_id FROM loans WHERE id = %(id)s", {"id": theirs}).fetchone()[
            "participant_id"
        ]
    prescriber, watch = open_browser("prescriber")
    expect(prescriber.get_by_role("row", name=re.compile(rf"n° {theirs}\b"))).to_have_count(0)
    for path in (f"/demandes/{theirs}", f"/demandes/nouvelle?personne={person}"):
        watch.expect_document(path, 404)
        response = prescriber.goto(path)
        assert response.status == 404
        expect(prescriber.get_by_role("heading", name="Page introuvable")).to_be_visible()
        expect(prescriber.get_by_text("Ailleurs")).to_have_count(0)
    check_accessibility(prescriber)
    screenshots(prescriber, "demandes-introuvable")
    watch.expect_document("/demandes-a-traiter", 403)
    assert prescriber.goto("/demandes-a-traiter").status == 403  # the coordinators' queue is not theirs
    expect(prescriber.get_by_role("heading", name="Accès refusé")).to_be_visible()


def test_the_rule_that_refuses_a_request_is_shown_beside_it_and_another_vehicle_solves_it(open_browser, web_db):
    taken = a_request(web_db, last_name="Attente", vehicle="car-07", first_day=3, days=7)
    before = a_request(web_db, last_name="Avant", vehicle="car-07", first_day=2, days=3)
    broken = a_request(web_db, last_name="Panne", vehicle="car-06", first_day=3, days=7)
    with connect(web_db) as conn:
        service.validate_loan(
            conn, before, vehicle_id=None, user_id=user_id(conn, "coordinator"), now=datetime.now(UTC), zone=ZONE
        )
        conn.execute("UPDATE vehicles SET status = 'immobilised' WHERE label = 'car-06'")

    coordinator, _ = open_browser("coordinator")
    request = card(coordinator, taken)
    expect(request).to_contain_text("Sur car-07 : Le véhicule car-07 est pris du ")
    expect(request).to_contain_text(f"par le prêt n° {before}, dont 24 h de remise en état.")
    expect(request.get_by_role("button", name="Valider avec car-07")).to_have_count(0)  # not among the free ones
    expect(card(coordinator, broken)).to_contain_text(
        "Sur car-06 : Le véhicule car-06 est immobilisé pour réparation : il ne peut pas être prêté."
    )
    check_accessibility(coordinator)
    screenshots(coordinator, "demandes-a-traiter-regles")

    request.get_by_role("button", name=re.compile("^Valider avec car-")).first.click()
    expect(request.get_by_role("status")).to_contain_text("Validée : car-")
    with connect(web_db) as conn:
        loan = conn.execute("SELECT status, vehicle_id FROM loans WHERE id = %(id)s", {"id": taken}).fetchone()
        car_07 = conn.execute("SELECT id FROM vehicles WHERE label = 'car-07'").fetchone()["id"]
    assert loan["status"] == "validated" and loan["vehicle_id"] != car_07


def test_two_coordinators_validating_overlapping_requests_at_once_one_wins_nothing_half_written(open_browser, web_db):
    first = a_request(web_db, last_name="Premier", vehicle="car-08", first_day=4, days=6)
    second = a_request(web_db, last_name="Second", vehicle="car-08", first_day=6, days=6)
    windows = []
    for loan_id in (first, second):
        page, _ = open_browser("coordinator")
        expect(card(page, loan_id).get_by_role("button", name="Valider avec car-08")).to_be_visible()
        windows.append((page, loan_id))
    for page, loan_id in windows:  # both posts leave before either answer is read
        card(page, loan_id).get_by_role("button", name="Valider avec car-08").click(no_wait_after=True)
    outcomes = []
    for page, loan_id in windows:
        request = card(page, loan_id)
        expect(request.get_by_role("status").or_(request.get_by_role("alert"))).to_be_visible()
        outcomes.append("validated" if request.get_by_role("status").count() else "refused")
    assert sorted(outcomes) == ["refused", "validated"]
    page, loan_id = windows[outcomes.index("refused")]
    expect(card(page, loan_id).get_by_role("alert")).to_have_text(
        re.compile(r"^Le véhicule car-08 (est pris du .* par le prêt n° \d+|vient d'être réservé sur ces dates)")
    )
    check_accessibility(page)
    screenshots(page, "demandes-a-traiter-refus")

    with connect(web_db) as conn:
        rows = conn.execute(
            "SELECT id, status, rejection_reason, (SELECT count(*) FROM loan_transitions t"
            " WHERE t.loan_id = l.id) AS steps FROM loans l WHERE id = ANY(%(ids)s) ORDER BY id",
            {"ids": [first, second]},
        ).fetchall()
    states = {row["id"]: (row["status"], row["steps"]) for row in rows}
    winner = windows[outcomes.index("validated")][1]
    assert states[winner] == ("validated", 2)
    assert states[loan_id] == ("requested", 1)  # the loser's request is untouched, its transition not written


def test_a_request_the_rules_refuse_shows_the_french_sentence_on_the_form_and_records_nothing(open_browser, web_db):
    a_request(web_db, last_name="Vélo", vehicle="ebike-01", licences=())  # a person without any licence
    prescriber, watch = open_browser("prescriber")
    watch.expect_document("/demandes/nouvelle", 409)
    prescriber.get_by_role("link", name="Demander un prêt pour Sam Vélo").click()
    prescriber.get_by_label("Voiture", exact=True).check()
    prescriber.get_by_label("Premier jour").fill(days_ahead(3, 9).date().isoformat())
    prescriber.get_by_label("Dernier jour").fill(days_ahead(9, 9).date().isoformat())
    prescriber.get_by_role("button", name="Envoyer la demande").click()
    expect(prescriber.get_by_role("alert")).to_have_text(
        "Pour une voiture, la personne doit détenir le permis B (vérifié par un·e conseiller·ère) ;"
        " aucun n'est enregistré."
    )
    expect(prescriber.get_by_label("Voiture", exact=True)).to_be_checked()  # the form keeps what was typed
    check_accessibility(prescriber)
    with connect(web_db) as conn:
        assert conn.execute("SELECT count(*) AS n FROM loans").fetchone()["n"] == 1
