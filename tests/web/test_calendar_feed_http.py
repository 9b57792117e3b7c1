"""The calendar feed and the planning's forms over HTTP: a phone reads the .ics without a
session, a revoked or unknown address answers 404; who may make feeds, and bad addresses."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from fleet_api.app import create_app
from fleetbase.db import connect
from tests.factories import vehicle_id
from tests.fleet_api.conftest import Clock, api_settings
from tests.loans.factories import PARIS, make_participant, validated
from tests.web.test_sessions import csrf_of, sign_in

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def app(web_db, clock):
    return create_app(api_settings(web_db), clock=clock)


@pytest.fixture
def coordinator(app) -> Iterator[TestClient]:
    with TestClient(app) as client:
        sign_in(client, "coordinator")
        yield client


def make_feed(client: TestClient, choice: str) -> str:
    planning = client.get("/planning")
    made = client.post("/planning/calendriers", data={"csrf_token": csrf_of(planning.text), "choix": choice})
    assert made.status_code == 201, made.text
    return re.search(r'id="adresse"[^>]*>http://testserver(/calendrier/[^<]+\.ics)<', made.text).group(1)


def test_a_phone_reads_the_depot_feed_until_it_is_revoked(app, coordinator, web_db):
    with connect(web_db) as conn:
        loan = validated(
            conn,
            participant=make_participant(conn, first_name="Inès", last_name="Lafitte"),
            vehicle="car-01",
            starts_at=datetime(2026, 12, 10, 9, tzinfo=PARIS),
            days=3,
            now=NOW,
        )
        site_id = conn.execute(
            "SELECT home_site_id FROM vehicles WHERE id = %(id)s", {"id": vehicle_id(conn, "car-01")}
        ).fetchone()["home_site_id"]
    address = make_feed(coordinator, f"depot:{site_id}")

    with TestClient(app) as phone:  # no session
        answer = phone.get(address)
        assert answer.status_code == 200 and answer.headers["content-type"] == "text/calendar; charset=utf-8"
        calendar = Calendar.from_ical(answer.content)
        assert str(calendar["x-wr-calname"]).startswith("Prêts — Dépôt de ")
        [event] = calendar.walk("VEVENT")
        assert str(event["summary"]) == f"Prêt n° {loan['id']} · car-01 · I. L. (Validé)"
        assert "Lafitte" not in answer.text

        planning = coordinator.get("/planning")
        feed_id = re.search(r'action="/planning/calendriers/(\d+)/revoquer"', planning.text).group(1)
        revoked = coordinator.post(
            f"/planning/calendriers/{feed_id}/revoquer",
            data={"csrf_token": csrf_of(planning.text)},
            follow_redirects=False,
        )
        assert revoked.status_code == 303
        gone = phone.get(address)
        assert gone.status_code == 404 and "Ce calendrier n'existe pas ou a été révoqué." in unescape(gone.text)
        assert phone.get("/calendrier/guessed-token.ics").status_code == 404


def test_only_coordinators_make_feeds_and_bad_addresses_get_french_pages(app, coordinator):
    without_csrf = coordinator.post("/planning/calendriers", data={"csrf_token": "forged", "choix": "depot:1"})
    assert without_csrf.status_code == 403 and "CSRF" in without_csrf.text
    nowhere = coordinator.post(
        "/planning/calendriers",
        data={"csrf_token": csrf_of(coordinator.get("/planning").text), "choix": "depot:999999"},
    )
    assert nowhere.status_code == 422 and "Ce dépôt n'existe pas." in unescape(nowhere.text)
    assert coordinator.get("/planning?semaine=2026-W60").status_code == 422
    assert coordinator.get("/planning?vehicule=999999").status_code == 404
    assert coordinator.get("/prets/999999").status_code == 404
    assert coordinator.get("/depot?depot=999999").status_code == 404
    with TestClient(app) as manager:
        sign_in(manager, "manager")
        planning = manager.get("/planning")
        assert planning.status_code == 200 and "Calendriers pour téléphone" not in planning.text
        refused = manager.post("/planning/calendriers", data={"csrf_token": "x", "choix": "depot:1"})
        assert refused.status_code == 403
        assert manager.get("/depot").status_code == 403
    with TestClient(app) as prescriber:
        sign_in(prescriber, "prescriber")
        assert prescriber.get("/planning").status_code == 403
