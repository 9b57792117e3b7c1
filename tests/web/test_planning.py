"""Planning, a loan's page, Aujourd'hui au dépôt and the calendar feeds, in the browser.

The app runs on the tests' clock, fixed on Wednesday 9 December 2026 at 10:00 in Paris, so
that "today", the week and the month on the page are known; loans are made through the
services, as a coordinator would have made them on the requests' pages.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from icalendar import Calendar
from playwright.sync_api import Page, expect

from fleet_api.app import create_app
from fleetbase.db import connect
from loans.overdue import mark_overdue_loans
from maintenance import tickets
from tests.factories import user_id, vehicle_id
from tests.fleet_api.conftest import Clock, Server, api_settings
from tests.loans.factories import PARIS, active, make_participant, request, validated
from tests.processes import wait_until
from tests.web.conftest import TABLET, check_accessibility, screenshots

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # Wednesday 9 December 2026, 10:00 in Paris


def paris(day: int, hour: int) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=PARIS)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def site(web_db, clock):
    with Server(create_app(api_settings(web_db), clock=clock)) as server:
        yield server


@pytest.fixture
def loans(web_db) -> dict:
    """The week's loans: car-01 validated from Wednesday to Friday, a request on scooter-01 from
    Saturday into next week, car-02 out since last week, ebike-01 immobilised since Tuesday."""
    with connect(web_db) as conn:
        camille = make_participant(conn, first_name="Camille", last_name="Durand")
        made = {
            "validated": validated(
                conn, participant=camille, vehicle="car-01", starts_at=paris(9, 14), days=2.1, now=NOW
            ),
            "requested": request(
                conn, participant=camille, vehicle="scooter-01", starts_at=paris(12, 9), days=4, now=NOW
            ),
            "active": active(
                conn, participant=camille, vehicle="car-02", starts_at=paris(2, 9), days=7.33, now=paris(2, 8)
            ),
            "ticket": tickets.create(
                conn,
                actor=tickets.Actor(user_id(conn, "manager"), "fleet_manager"),
                vehicle_id=vehicle_id(conn, "ebike-01"),
                garage_id=1,
                title="Roue voilée",
                description="",
                immobilised=True,
                tasks=[],
                now=paris(8, 11),
            ),
        }
        made["ids"] = {label: vehicle_id(conn, label) for label in ("car-01", "car-02", "scooter-01", "ebike-01")}
    return made


def column_of(page: Page, day: str):
    return page.get_by_role("columnheader", name=re.compile(rf"^{re.escape(day)}\b"))


def spans_days(page: Page, bar, first_day: str, last_day: str) -> bool:
    """The bar starts under `first_day`'s column and ends under `last_day`'s (within a few pixels).

    Waits for it: on a busy machine the table may still be laid out again (a stylesheet,
    a font) after the bar first shows; an AssertionError with the boxes after 20 s.
    """

    def boxes():
        return bar.bounding_box(), column_of(page, first_day).bounding_box(), column_of(page, last_day).bounding_box()

    def lined_up() -> bool:
        box, first, last = boxes()
        return abs(box["x"] - first["x"]) < 6 and abs((box["x"] + box["width"]) - (last["x"] + last["width"])) < 6

    wait_until(lined_up, timeout=20, message=lambda: f"bar, {first_day}, {last_day}: {boxes()}")
    return True


def test_the_coordinator_reads_the_week_and_the_month_with_loans_and_a_repair(open_browser, loans):
    page, _ = open_browser("coordinator")
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Planning").click()

    expect(page.get_by_role("heading", name="Semaine 50, du 7 décembre au 13 décembre 2026")).to_be_visible()
    today = page.locator("th[aria-current=date]")
    expect(today).to_have_text(re.compile(r"mer\.\s+9\s*aujourd'hui"))
    car_01 = page.get_by_role("row", name=re.compile(r"^car-01(?![0-9])"))
    bar = car_01.get_by_role("link", name=re.compile(rf"^Validé · n° {loans['validated']['id']} · C\. Durand"))
    expect(bar).to_be_visible()
    assert spans_days(page, bar, "mer. 9", "ven. 11")
    out = page.get_by_role("link", name=re.compile(rf"^En cours · n° {loans['active']['id']}"))
    assert spans_days(page, out, "lun. 7", "mer. 9")
    repair = page.get_by_role("row", name=re.compile(r"^ebike-01(?![0-9])")).get_by_text(
        re.compile(rf"Immobilisé · réparation n° {loans['ticket']['id']} : Roue voilée")
    )
    expect(repair).to_be_visible()
    assert spans_days(page, repair, "mar. 8", "dim. 13")
    request_bar = page.get_by_role("link", name=re.compile(rf"^Demandé · n° {loans['requested']['id']}"))
    assert spans_days(page, request_bar, "sam. 12", "dim. 13")
    check_accessibility(page)
    screenshots(page, "planning-semaine")

    page.get_by_role("link", name="Semaine suivante →").click()
    expect(page.get_by_role("heading", name="Semaine 51, du 14 décembre au 20 décembre 2026")).to_be_visible()
    expect(page.locator("th[aria-current=date]")).to_have_count(0)
    assert spans_days(
        page,
        page.get_by_role("link", name=re.compile(rf"^Demandé · n° {loans['requested']['id']}")),
        "lun. 14",
        "mer. 16",
    )
    expect(page.get_by_role("link", name=re.compile(rf"^Validé · n° {loans['validated']['id']}"))).to_have_count(0)

    page.get_by_role("link", name="Voir le mois").click()
    expect(page.get_by_role("heading", name="Décembre 2026")).to_be_visible()
    expect(page.locator("th[aria-current=date]")).to_have_accessible_name(re.compile(r"mer\.\s+9\s*aujourd'hui"))
    bar = page.get_by_role("link", name=re.compile(rf"^Validé · n° {loans['validated']['id']}"))
    assert spans_days(page, bar, "mer. 9", "ven. 11")
    check_accessibility(page)
    screenshots(page, "planning-mois")
    page.get_by_role("link", name="Mois suivant →").click()
    expect(page.get_by_role("heading", name="Janvier 2027")).to_be_visible()
    page.get_by_role("link", name="Mois précédent").click()
    expect(page.get_by_role("heading", name="Décembre 2026")).to_be_visible()

    page.get_by_role("link", name=re.compile(rf"^Validé · n° {loans['validated']['id']}")).click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Prêt n° {loans['validated']['id']}"))).to_be_visible()
    expect(page.get_by_text("Camille Durand")).to_be_visible()
    expect(page.get_by_role("link", name="État des lieux de départ")).to_have_attribute(
        "href", f"/prets/{loans['validated']['id']}/depart"
    )
    check_accessibility(page)
    screenshots(page, "pret")
    page.get_by_role("link", name="← Planning de car-01").click()
    expect(page.get_by_role("heading", name="Planning de car-01")).to_be_visible()
    expect(page.get_by_role("row", name=re.compile(r"^car-02(?![0-9])"))).to_have_count(0)


def test_the_fleet_manager_sees_the_loans_without_names_and_comes_from_the_vehicle_page(open_browser, loans):
    page, _ = open_browser("fleet_manager")
    page.goto(f"/vehicules/{loans['ids']['car-01']}")
    page.get_by_role("link", name="Planning de ce véhicule").click()

    expect(page.get_by_role("heading", name="Planning de car-01")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(rf"^Validé · n° {loans['validated']['id']}\s*,"))).to_be_visible()
    page.get_by_role("link", name="Tous les véhicules").click()
    expect(page.get_by_role("link", name=re.compile(rf"^En cours · n° {loans['active']['id']}"))).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Durand")
    expect(page.get_by_role("heading", name="Calendriers pour téléphone")).to_have_count(0)
    check_accessibility(page)

    page.get_by_role("link", name=re.compile(rf"^En cours · n° {loans['active']['id']}")).click()
    expect(page.get_by_role("heading", name=re.compile(rf"^Prêt n° {loans['active']['id']}"))).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("Durand")
    expect(page.get_by_role("link", name="État des lieux de retour")).to_have_count(0)


def test_the_depot_tablet_lists_todays_departures_and_returns_per_depot(open_browser, loans, web_db):
    with connect(web_db) as conn:
        person = make_participant(conn, first_name="Léa", last_name="Moreau")
        due_today = active(
            conn, participant=person, vehicle="scooter-03", starts_at=paris(2, 9), days=7.25, now=paris(2, 8)
        )
        late = active(conn, participant=person, vehicle="scooter-04", starts_at=paris(1, 9), days=7, now=paris(1, 8))
        validated(conn, participant=person, vehicle="scooter-05", starts_at=paris(10, 9), days=2, now=NOW)
        mark_overdue_loans(conn, now=NOW, zone=PARIS)
        depots = {
            row["label"]: (row["site_id"], row["name"])
            for row in conn.execute(
                "SELECT v.label, s.id AS site_id, s.name FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
            )
        }
    page, _ = open_browser("coordinator", viewport=TABLET)
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Aujourd'hui au dépôt").click()

    heading = re.compile(r"^Aujourd'hui au dépôt mercredi 9 décembre 2026")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    leaving = page.get_by_role("region", name=depots["car-01"][1]).get_by_role(
        "link", name=re.compile(r"^Départ de car-01 Prêt n° \d+ · Camille Durand Prévu à 14:00")
    )
    expect(leaving).to_have_attribute("href", f"/prets/{loans['validated']['id']}/depart")
    box = leaving.bounding_box()
    assert box["height"] >= 48 and box["width"] >= 250  # a finger's target
    back = page.get_by_role("region", name=depots["scooter-03"][1]).get_by_role(
        "link", name=re.compile(r"^Retour de scooter-03 .*Retour prévu à 15:00")
    )
    expect(back).to_have_attribute("href", f"/prets/{due_today['id']}/retour")
    overdue = page.get_by_role("region", name=depots["scooter-04"][1]).get_by_role(
        "link", name=re.compile(r"^Retour de scooter-04 .*En retard : retour prévu le 8 décembre à 09:00")
    )
    expect(overdue).to_have_attribute("href", f"/prets/{late['id']}/retour")
    expect(page.get_by_role("link", name=re.compile(r"^Départ de scooter-05"))).to_have_count(0)
    expect(page.get_by_role("link", name=re.compile(r"^Retour de car-02 .*Retour prévu à 16:55"))).to_have_count(1)
    check_accessibility(page)
    screenshots(page, "depot")

    page.get_by_role("navigation", name="Dépôts").get_by_role("link", name=depots["scooter-04"][1]).click()
    expect(page.get_by_role("region")).to_have_count(1)
    expect(page.get_by_role("heading", name=depots["scooter-04"][1], level=2)).to_be_visible()


def test_a_coordinator_makes_a_calendar_address_a_phone_reads_then_revokes_it(open_browser, loans):
    page, watch = open_browser("coordinator")
    page.goto("/planning")
    page.get_by_label("Prêts de").select_option(value=f"vehicule:{loans['ids']['car-01']}")
    page.get_by_role("button", name="Créer l'adresse du calendrier").click()

    expect(page.get_by_role("heading", name="Calendrier des prêts de car-01")).to_be_visible()
    address = page.get_by_label(re.compile(r"^Adresse secrète du calendrier")).input_value()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/calendrier/[A-Za-z0-9_-]{40,}\.ics", address)
    check_accessibility(page)
    screenshots(page, "calendrier-cree")
    phone = page.context.browser.new_context()  # a phone's calendar: no session cookie
    try:
        answer = phone.request.get(address)
        assert answer.status == 200 and answer.headers["content-type"].startswith("text/calendar")
        [event] = Calendar.from_ical(answer.body()).walk("VEVENT")
        assert str(event["summary"]) == f"Prêt n° {loans['validated']['id']} · car-01 · C. D. (Validé)"
        assert event.decoded("dtstart") == paris(9, 14)
        assert b"Durand" not in answer.body()

        page.get_by_role("link", name="← Retour au planning").click()
        expect(page.get_by_role("table", name="Calendriers en service")).to_contain_text("car-01")
        page.get_by_role("button", name="Révoquer le calendrier de car-01").click()
        expect(page.get_by_role("status")).to_have_text("Calendrier révoqué : son adresse ne répond plus.")
        expect(page.get_by_text("Aucun calendrier en service.")).to_be_visible()
        assert phone.request.get(address).status == 404
    finally:
        phone.close()
