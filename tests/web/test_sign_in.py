"""Signing in and out in the browser: each role lands on its page, follows every link it sees."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import DEMO_PASSWORD
from tests.fleet_api.conftest import DEMO_LOGINS
from tests.web.conftest import SCREENSHOTS, check_accessibility, screenshots

LANDING = {
    "admin": "/carte",
    "fleet_manager": "/carte",
    "coordinator": "/demandes-a-traiter",
    "mechanic": "/entretien",
    "garage_partner": "/reparations",
    "prescriber": "/demandes",
}


def test_a_person_signs_in_lands_on_their_page_and_signs_out(open_browser):
    page, _ = open_browser()
    page.goto("/carte")
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/carte$"))
    expect(page.get_by_role("heading", name="Connexion")).to_be_visible()
    check_accessibility(page)
    screenshots(page, "connexion")

    page.get_by_label("Identifiant").fill("manager")
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    expect(page).to_have_url(re.compile(r"/carte$"))  # back where they asked to go
    session = next(c for c in page.context.cookies() if c["name"] == "fleet_session")
    assert session["httpOnly"] and session["sameSite"] == "Lax" and not session["secure"]  # plain http here

    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté·e.")).to_be_visible()
    page.goto("/carte")
    expect(page).to_have_url(re.compile(r"/connexion\?suite=/carte$"))


def test_a_wrong_password_is_refused_in_french(open_browser):
    page, watch = open_browser()
    watch.expect_document("/connexion", 401)
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill("manager")
    page.get_by_label("Mot de passe").fill("not the password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_have_text("Identifiant ou mot de passe incorrect.")
    expect(page.get_by_label("Identifiant")).to_have_value("manager")
    check_accessibility(page)


@pytest.mark.parametrize("role", list(DEMO_LOGINS))
def test_each_role_lands_on_its_page_and_can_follow_every_link_it_sees(open_browser, role):
    page, _ = open_browser(role)
    expect(page).to_have_url(re.compile(re.escape(LANDING[role]) + "$"))
    menu = page.get_by_role("navigation", name="Menu principal")
    paths = [link.get_attribute("href") for link in menu.get_by_role("link").all()]
    assert LANDING[role] in paths
    for path in paths:
        response = page.goto(path)
        assert response.status == 200, f"{role} sees a link to {path} that answers {response.status}"
        check_accessibility(page)


def test_on_a_phone_the_menu_opens_from_its_button(open_browser):
    page, _ = open_browser("fleet_manager", viewport={"width": 390, "height": 844})
    menu = page.get_by_role("button", name="Menu")
    expect(menu).to_have_attribute("aria-expanded", "false")
    expect(page.get_by_role("link", name="Santé des balises")).to_be_hidden()
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    page.get_by_role("link", name="Santé des balises").click()
    expect(page.get_by_role("heading", name="Santé des balises")).to_be_visible()
    check_accessibility(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "balises-telephone.png")
