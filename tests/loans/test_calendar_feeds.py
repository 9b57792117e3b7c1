"""Calendar feeds: a depot's or a vehicle's loans as iCal, named by number and initials, and
an address that stops answering once revoked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from fleetbase.errors import InvalidInput, NotFound
from loans import calendar_feeds
from tests.factories import user_id, vehicle_id
from tests.loans.factories import PARIS, active, make_participant, request, validated

NOW = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)


def home_site(conn, label: str) -> int:
    row = conn.execute("SELECT home_site_id FROM vehicles WHERE label = %(l)s", {"l": label}).fetchone()
    return row["home_site_id"]


def events(document: bytes) -> list:
    return Calendar.from_ical(document).walk("VEVENT")


def test_a_depot_feed_holds_its_loans_with_initials_never_names(conn):
    person = make_participant(conn, first_name="Inès", last_name="Lafitte")
    held = validated(
        conn, participant=person, vehicle="car-01", starts_at=datetime(2026, 12, 10, 9, tzinfo=PARIS), days=3, now=NOW
    )
    out = active(
        conn,
        participant=person,
        vehicle="car-02",
        starts_at=datetime(2026, 12, 1, 9, tzinfo=PARIS),
        days=14,
        now=datetime(2026, 12, 1, 8, tzinfo=UTC),
    )
    asked = request(
        conn, participant=person, vehicle="car-01", starts_at=datetime(2026, 12, 20, 9, tzinfo=PARIS), days=2, now=NOW
    )
    feed, token = calendar_feeds.create_feed(
        conn, site_id=home_site(conn, "car-01"), vehicle_id=None, user_id=user_id(conn), now=NOW
    )

    found = {
        str(event["uid"]): event for event in events(calendar_feeds.feed_calendar(conn, token, now=NOW, zone=PARIS))
    }

    same_depot = home_site(conn, "car-02") == home_site(conn, "car-01")
    assert f"pret-{held['id']}@plateforme-mobilite" in found
    assert (f"pret-{out['id']}@plateforme-mobilite" in found) == same_depot
    assert f"pret-{asked['id']}@plateforme-mobilite" not in found  # a request is not in a phone's calendar
    event = found[f"pret-{held['id']}@plateforme-mobilite"]
    assert str(event["summary"]) == f"Prêt n° {held['id']} · car-01 · I. L. (Validé)"
    assert event.decoded("dtstart") == held["starts_at"] and event.decoded("dtend") == held["ends_at"]
    assert "du 10 décembre 2026 à 09:00 au 13 décembre 2026 à 09:00" in str(event["description"])
    text = calendar_feeds.feed_calendar(conn, token, now=NOW, zone=PARIS).decode()
    assert "Lafitte" not in text and "Inès" not in text
    assert (
        len(token) >= 40
        and token.encode()
        not in conn.execute("SELECT token_sha256 FROM calendar_feeds WHERE id = %(id)s", {"id": feed["id"]}).fetchone()[
            "token_sha256"
        ]
    )


def test_a_vehicle_feed_holds_only_that_vehicle_and_a_revoked_one_is_gone(conn):
    person = make_participant(conn)
    mine = validated(
        conn,
        participant=person,
        vehicle="scooter-01",
        starts_at=datetime(2026, 12, 10, 9, tzinfo=PARIS),
        days=2,
        now=NOW,
    )
    validated(
        conn,
        participant=person,
        vehicle="scooter-02",
        starts_at=datetime(2026, 12, 10, 9, tzinfo=PARIS),
        days=2,
        now=NOW,
    )
    feed, token = calendar_feeds.create_feed(
        conn, site_id=None, vehicle_id=vehicle_id(conn, "scooter-01"), user_id=user_id(conn), now=NOW
    )

    assert [str(event["uid"]) for event in events(calendar_feeds.feed_calendar(conn, token, now=NOW, zone=PARIS))] == [
        f"pret-{mine['id']}@plateforme-mobilite"
    ]
    calendar_feeds.revoke_feed(conn, feed["id"], user_id=user_id(conn), now=NOW)
    with pytest.raises(NotFound):
        calendar_feeds.feed_calendar(conn, token, now=NOW, zone=PARIS)
    with pytest.raises(NotFound):
        calendar_feeds.revoke_feed(conn, feed["id"], user_id=user_id(conn), now=NOW)
    with pytest.raises(NotFound):
        calendar_feeds.feed_calendar(conn, "not-a-token", now=NOW, zone=PARIS)
    with pytest.raises(InvalidInput):
        calendar_feeds.create_feed(conn, site_id=None, vehicle_id=None, user_id=user_id(conn), now=NOW)
