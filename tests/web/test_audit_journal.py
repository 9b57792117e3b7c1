"""Journal d'audit in the browser: a coordinator's export of a person's data and a fleet
manager's incident (with its reason) appear in the administrator's journal, newest first;
the filters (account, action, vehicle, days) narrow it, in the address, without JavaScript
needed; nobody else may open it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from playwright.sync_api import expect

from fleetbase.db import connect
from incidents.service import IncidentKind, open_incident
from loans import participants
from tests.factories import user_id, vehicle_id
from tests.loans.factories import PARIS, make_participant
from tests.web.conftest import check_accessibility, screenshots

REASON = "Vol signalé par le conseiller : le véhicule n'est pas au dépôt."


def test_an_export_and_an_incident_appear_in_the_journal_and_the_filters_narrow_it(open_browser, web_db):
    now = datetime.now(UTC)
    with connect(web_db) as conn:
        person = make_participant(conn, now=now)
        participants.export_participant(conn, person, user_id=user_id(conn, "coordinator"), now=now)
        open_incident(
            conn,
            vehicle_id=vehicle_id(conn, "scooter-02"),
            kind=IncidentKind.THEFT_SUSPECTED,
            reason=REASON,
            loan_id=None,
            alert_id=None,
            user_id=user_id(conn, "manager"),
            now=now + timedelta(seconds=1),
            auto_close_after=timedelta(hours=48),
        )

    page, watch = open_browser("admin")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Journal d'audit").click()
    expect(page.get_by_role("heading", name="Journal d'audit")).to_be_visible()
    rows = page.locator("#journal tbody tr")
    expect(rows.first).to_contain_text("Incident ouvert")  # newest first
    expect(rows.first).to_contain_text("manager")
    expect(rows.first).to_contain_text("scooter-02")
    expect(rows.first).to_contain_text(REASON)
    export = rows.filter(has_text="Export des données d'une personne")
    expect(export).to_have_count(1)
    expect(export).to_contain_text("coordinator")
    expect(export).to_contain_text(f"Personne n° {person}")
    expect(export).to_contain_text(now.astimezone(PARIS).strftime("%H:%M"))
    check_accessibility(page)
    screenshots(page, "journal")

    # By action: the export only.
    page.get_by_label("Action").select_option(label="Export des données d'une personne")
    page.get_by_role("button", name="Filtrer").click()
    expect(page).to_have_url(re.compile(r"/journal\?.*action=export_participant"))
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(f"Personne n° {person}")

    # By account and vehicle: the incident only.
    page.get_by_role("button", name="Tout afficher").click()
    page.get_by_label("Compte").select_option(label="manager")
    page.get_by_label("Véhicule").select_option(label="scooter-02")
    page.get_by_role("button", name="Filtrer").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(REASON)

    # By days: from tomorrow, nothing yet.
    tomorrow = (now.astimezone(PARIS) + timedelta(days=1)).date()
    page.goto(f"/journal?du={tomorrow.isoformat()}")
    expect(page.get_by_role("table")).to_contain_text("Aucune entrée pour ces filtres")
    page.goto(f"/journal?participant={person}&au={now.astimezone(PARIS).date().isoformat()}")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Export des données")


def test_only_the_administrator_reads_the_journal(open_browser):
    page, watch = open_browser("fleet_manager")
    watch.expect_document("/journal", 403)
    expect(page.get_by_role("link", name="Journal d'audit")).to_have_count(0)
    page.goto("/journal")
    expect(page.get_by_role("heading", name="Accès refusé")).to_be_visible()
