"""Réglages in the browser: the administrator changes a loan rule, a maintenance task and an
alert threshold and finds them kept; a value out of bounds comes back in French on its form,
as typed; the fleet manager reads the settings without a way to change them."""

from __future__ import annotations

from playwright.sync_api import expect

from fleetbase.db import connect
from tests.web.conftest import check_accessibility, screenshots


def open_settings(page) -> None:
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Réglages").click()
    expect(page.get_by_role("heading", name="Réglages", exact=True)).to_be_visible()


def test_the_administrator_changes_a_loan_rule_a_maintenance_plan_and_a_threshold(open_browser, web_db):
    page, watch = open_browser("admin")
    watch.expect_document("/reglages/alertes/car", 422)  # the refused values below
    watch.expect_document("/reglages/entretien/ebike/chain", 422)
    open_settings(page)
    check_accessibility(page)
    screenshots(page, "reglages")

    scooter_rules = page.get_by_role("form", name="Scooter", exact=True).first
    scooter_rules.get_by_label("Durée maximale d'un prêt (jours)").fill("21")
    scooter_rules.get_by_label("Remise en état entre deux prêts (heures)").fill("1,5")
    scooter_rules.get_by_role("button", name="Enregistrer").click()
    saved = page.get_by_role("form", name="Scooter", exact=True).first
    expect(saved.get_by_role("status")).to_have_text("Règles de prêt enregistrées.")
    expect(saved.get_by_label("Durée maximale d'un prêt (jours)")).to_have_value("21")
    expect(saved.get_by_label("Remise en état entre deux prêts (heures)")).to_have_value("1,5")

    chain = page.get_by_role("form", name="Chaîne et cassette — Vélo électrique")
    chain.get_by_label("Tous les (km)").fill("2500")
    chain.get_by_label("Prévenir avant (km)").fill("250")
    chain.get_by_role("button", name="Enregistrer").click()
    chain = page.get_by_role("form", name="Chaîne et cassette — Vélo électrique")
    expect(chain.get_by_role("status")).to_have_text("Plan d'entretien enregistré.")
    expect(chain.get_by_label("Tous les (km)")).to_have_value("2500")

    # Out of bounds: refused in French, the form as typed, nothing stored.
    car_alerts = page.locator("#alerte-car")
    car_alerts.get_by_label("Batterie basse en dessous de (%)").fill("150")
    car_alerts.get_by_role("button", name="Enregistrer").click()
    car_alerts = page.locator("#alerte-car")
    expect(car_alerts.get_by_role("alert")).to_have_text(
        "« Batterie basse en dessous de (%) » : saisissez un nombre, au moins 0 et au plus 100."
    )
    expect(car_alerts.get_by_label("Batterie basse en dessous de (%)")).to_have_value("150")
    screenshots(page, "reglages-refus")
    car_alerts.get_by_label("Batterie basse en dessous de (%)").fill("25")
    car_alerts.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("#alerte-car").get_by_role("status")).to_have_text("Seuils d'alerte enregistrés.")

    # A task without any interval is refused too.
    chain = page.get_by_role("form", name="Chaîne et cassette — Vélo électrique")
    chain.get_by_label("Tous les (km)").fill("")
    chain.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_role("form", name="Chaîne et cassette — Vélo électrique").get_by_role("alert")).to_have_text(
        "Indiquez un intervalle : en kilomètres, en mois, ou les deux."
    )

    with connect(web_db) as conn:
        rules = conn.execute(
            "SELECT turnaround_hours, max_days FROM loan_rules WHERE vehicle_kind = 'scooter'"
        ).fetchone()
        plan = conn.execute(
            "SELECT every_km, soon_km FROM maintenance_plans"
            " WHERE vehicle_kind = 'ebike' AND task = 'chain' AND vehicle_id IS NULL"
        ).fetchone()
        battery = conn.execute(
            "SELECT low_battery_pct FROM geofence_rule_thresholds WHERE vehicle_kind = 'car'"
        ).fetchone()["low_battery_pct"]
    assert (rules["turnaround_hours"], rules["max_days"]) == (1.5, 21)
    assert (plan["every_km"], plan["soon_km"]) == (2500, 250)
    assert battery == 25


def test_the_fleet_manager_reads_the_settings_but_cannot_change_them(open_browser):
    page, watch = open_browser("fleet_manager")
    open_settings(page)
    expect(page.get_by_text("seul·e un·e administrateur·rice peut les changer")).to_be_visible()
    scooter_rules = page.get_by_role("form", name="Scooter", exact=True).first
    expect(scooter_rules.get_by_label("Durée maximale d'un prêt (jours)")).not_to_be_editable()
    expect(page.get_by_role("button", name="Enregistrer")).to_have_count(0)
