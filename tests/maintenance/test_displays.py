"""Display links of the wall screen: shown once, kept as a SHA-256, revocable; the screen
shows the urgent due rows and the open repair tickets, never a participant."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from fleetbase.errors import InvalidInput, NotFound
from maintenance import displays
from tests.maintenance.factories import ticket_sent_to_garage

PARIS = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def mechanic(conn) -> int:
    return conn.execute("SELECT id FROM users WHERE username = 'mechanic'").fetchone()["id"]


def test_only_the_tokens_hash_is_kept_and_a_revoked_link_says_so(conn):
    display, token = displays.create_display(conn, name="  Atelier   de Dax ", user_id=mechanic(conn), now=NOW)
    assert display["name"] == "Atelier de Dax"
    stored = conn.execute(
        "SELECT token_sha256 FROM maintenance_displays WHERE id = %(id)s", {"id": display["id"]}
    ).fetchone()["token_sha256"]
    assert bytes(stored) == displays.token_hash(token) and token.encode() not in bytes(stored)
    assert displays.display_for(conn, token)["id"] == display["id"]
    displays.revoke_display(conn, display["id"], user_id=mechanic(conn), now=NOW)
    with pytest.raises(displays.DisplayRevoked):
        displays.display_for(conn, token)
    with pytest.raises(NotFound):
        displays.revoke_display(conn, display["id"], user_id=mechanic(conn), now=NOW)
    with pytest.raises(NotFound):
        displays.display_for(conn, "not-a-token")
    assert display["id"] not in {live["id"] for live in displays.live_displays(conn)}


def test_a_display_needs_a_name(conn):
    with pytest.raises(InvalidInput):
        displays.create_display(conn, name="   ", user_id=mechanic(conn), now=NOW)


def test_the_wall_shows_urgent_rows_and_open_tickets_without_participants(conn):
    ticket_sent_to_garage(conn, label="scooter-02", title="Frein avant qui grince", now=NOW)
    _, token = displays.create_display(conn, name="Atelier", user_id=mechanic(conn), now=NOW)
    wall = displays.wall_board(conn, token, now=NOW, zone=PARIS)
    assert wall["due"] and all(row.state.level != "ok" for row in wall["due"])
    assert len(wall["due"]) == min(wall["due_total"], displays.WALL_DUE_ROWS)
    ticket = next(ticket for ticket in wall["tickets"] if ticket["title"] == "Frein avant qui grince")
    assert ticket["status_words"] == "envoyé au garage" and ticket["vehicle_label"] == "scooter-02"
    assert set(ticket) == {
        "id",
        "title",
        "vehicle_label",
        "vehicle_kind",
        "status",
        "status_words",
        "immobilised",
        "updated_at",
    }
