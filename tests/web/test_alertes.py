"""Alertes in the real browser: a mechanic's open page shows a new alert without a reload,
and two alerts are acknowledged at once; each role sees only the alerts meant for it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from accounts import service
from alerts.raising import AlertDraft, open_alerts
from fleet_api.app import create_app
from fleetbase.db import connect
from tests.fleet_api.conftest import Server, api_settings
from tests.ingest.conftest import query
from tests.web.conftest import check_accessibility, screenshots


@pytest.fixture
def site(web_db):
    """The app polling for new alerts every second (not the 15 s a workshop would use)."""
    with Server(create_app(api_settings(web_db, web_alerts_refresh_s=1))) as server:
        yield server


def raise_alerts(url: str, *drafts: AlertDraft) -> list[int]:
    with connect(url) as conn:
        return open_alerts(conn, list(drafts), now=datetime.now(UTC))


def draft(message: str, *, severity: str = "warning", role: str = "mechanic", key: str | None = None) -> AlertDraft:
    return AlertDraft("maintenance_due", severity, role, 1, None, message, key or f"test:{message}")


def test_a_new_alert_appears_on_the_mechanics_open_page_and_two_are_acknowledged_at_once(open_browser, web_db):
    raise_alerts(web_db, draft("Vidange de car-01 à faire avant 15 000 km.", key="test:oil"))
    page, _ = open_browser("mechanic")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Alertes").click()
    expect(page.get_by_role("heading", name="Alertes")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Attention Vidange de car-01"))).to_be_visible()
    page.evaluate("window.sameDocument = true")  # gone if the page were reloaded

    raise_alerts(
        web_db,
        draft("Freins de car-01 : plaquettes usées, véhicule à immobiliser.", severity="critical"),
        draft("Le prêt 12 est en retard.", role="coordinator"),
    )

    fresh = page.get_by_role("row", name=re.compile("Urgent Freins de car-01"))
    expect(fresh).to_be_visible()
    assert page.evaluate("window.sameDocument") is True
    expect(page.get_by_text("Le prêt 12 est en retard.")).to_have_count(0)  # the coordinator's
    rows = page.get_by_role("row").filter(has_text="car-01")
    expect(rows.first).to_contain_text("Freins")  # newest first
    check_accessibility(page)
    screenshots(page, "alertes")

    for message in ("Freins de car-01", "Vidange de car-01"):
        page.get_by_role("row", name=re.compile(message)).get_by_role("checkbox").check()
    page.get_by_role("button", name="Marquer les alertes cochées comme vues").click()
    expect(page.get_by_role("status").filter(has_text="marquées")).to_have_text("2 alertes marquées comme vues.")
    for message in ("Freins de car-01", "Vidange de car-01"):
        expect(page.get_by_role("row", name=re.compile(message))).to_contain_text(re.compile(r"Vue le \d"))
    assert {
        row["status"]
        for row in query(
            web_db, "SELECT status FROM alerts WHERE target_role = 'mechanic' AND starts_with(dedup_key, 'test:')"
        )
    } == {"acknowledged"}
    check_accessibility(page)
    screenshots(page, "alertes-vues")


def test_one_alert_is_acknowledged_by_its_own_button_and_the_administrator_sees_every_roles(open_browser, web_db):
    raise_alerts(
        web_db,
        draft("Pneus de car-02 à contrôler.", key="test:tyres"),
        draft("Batterie faible avant le prêt 7.", role="fleet_manager", key="test:battery"),
    )
    page, _ = open_browser("mechanic")
    page.goto("/alertes")
    page.get_by_role("button", name=re.compile("^Marquer vue l'alerte")).first.click()
    expect(page.get_by_role("status").filter(has_text="marquée")).to_have_text("1 alerte marquée comme vue.")

    admin, _ = open_browser("admin")
    admin.goto("/alertes")
    expect(
        admin.get_by_role("row", name=re.compile("Batterie faible avant le prêt 7. pour : responsable de parc"))
    ).to_be_visible()
    expect(admin.get_by_role("row", name=re.compile("Pneus de car-02"))).to_contain_text("Vue le")
    check_accessibility(admin)


def test_nothing_ticked_is_said_in_french(open_browser, web_db):
    page, watch = open_browser("fleet_manager")
    page.goto("/alertes")
    watch.expect_document("/alertes/vues", 422)
    with page.expect_navigation():
        page.evaluate("document.querySelector('#alertes-vues').submit()")  # a plain post, as without JavaScript
    expect(page.get_by_role("alert")).to_have_text("Cochez au moins une alerte.")


def test_a_disabled_mechanics_open_alerts_page_goes_to_sign_in_by_itself(open_browser, web_db):
    page, _ = open_browser("mechanic")
    page.goto("/alertes")
    expect(page.get_by_role("heading", name="Alertes")).to_be_visible()
    with connect(web_db) as conn:  # what the administrator's « Désactiver le compte » does
        mechanic = conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]
        admin = conn.execute("SELECT id FROM users WHERE username = 'admin'").fetchone()["id"]
        service.update_user(conn, mechanic, given={"disabled": True}, by_user_id=admin, now=datetime.now(UTC))
    # The page's next poll finds the session ended and sends the whole window to sign-in.
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/alertes&expiree=1$"))
    expect(page.get_by_role("status")).to_have_text("Votre session a pris fin : connectez-vous à nouveau.")
