"""Calendar feeds: the loans of one depot or one vehicle as an iCal (.ics) document, read by a
phone's calendar at a secret address. Nothing here commits.

The address holds a random token; only its SHA-256 is stored, so it is shown once, when
made. A phone's calendar may be seen by others: an event names the loan by its number,
the vehicle and the participant's initials, never their name.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event
from psycopg.rows import DictRow

from fleet import vehicle_repository
from fleetbase.db import Conn
from fleetbase.errors import InvalidInput, NotFound
from loans import calendar_repository, participant_repository, planning_repository, repository
from loans.planning import MAX_LOANS, STATUS_WORDS, initials
from loans.rules import when

FEED_STATUSES = frozenset({"validated", "active", "overdue", "returned"})
PAST = timedelta(days=60)
AHEAD = timedelta(days=366)


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def create_feed(
    conn: Conn, *, site_id: int | None, vehicle_id: int | None, user_id: int, now: datetime
) -> tuple[DictRow, str]:
    """A new feed of a depot or a vehicle, and its token (to be shown once)."""
    if (site_id is None) == (vehicle_id is None):
        raise InvalidInput("Choisissez un dépôt ou un véhicule.")
    if site_id is not None and repository.get_site(conn, site_id) is None:
        raise InvalidInput("Ce dépôt n'existe pas.")
    if vehicle_id is not None and vehicle_repository.get_vehicle(conn, vehicle_id) is None:
        raise InvalidInput("Ce véhicule n'existe pas.")
    token = secrets.token_urlsafe(32)
    feed_id = calendar_repository.insert_feed(
        conn, token_sha256=token_hash(token), site_id=site_id, vehicle_id=vehicle_id, created_by=user_id, now=now
    )
    return next(feed for feed in calendar_repository.live_feeds(conn) if feed["id"] == feed_id), token


def revoke_feed(conn: Conn, feed_id: int, *, user_id: int, now: datetime) -> None:
    if not calendar_repository.revoke_feed(conn, feed_id, by_user_id=user_id, now=now):
        raise NotFound("Ce calendrier n'existe pas ou a déjà été révoqué.")


def feed_calendar(conn: Conn, token: str, *, now: datetime, zone: ZoneInfo) -> bytes:
    """The feed's .ics document: its loans from two months ago to a year ahead."""
    feed = calendar_repository.feed_by_token(conn, token_hash(token))
    if feed is None:
        raise NotFound("Ce calendrier n'existe pas ou a été révoqué.")
    vehicles = {
        vehicle["id"]: vehicle
        for vehicle in planning_repository.planned_vehicles(
            conn, site_id=feed["site_id"], vehicle_id=feed["vehicle_id"]
        )
    }
    loans = [
        loan
        for loan in repository.list_loans(
            conn,
            scope=None,
            status=None,
            vehicle_id=feed["vehicle_id"],
            start=now - PAST,
            end=now + AHEAD,
            limit=MAX_LOANS,
        )
        if loan["status"] in FEED_STATUSES and loan["vehicle_id"] in vehicles
    ]
    names = participant_repository.names(conn, [loan["participant_id"] for loan in loans if loan["participant_id"]])
    where = feed["site_name"] or feed["vehicle_label"]
    calendar = Calendar()
    calendar.add("prodid", "-//Plateforme mobilité//Planning des prêts//FR")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"Prêts — {where}")
    calendar.add("x-wr-timezone", str(zone))
    for loan in sorted(loans, key=lambda loan: (loan["starts_at"], loan["id"])):
        calendar.add_component(
            _event(loan, vehicles[loan["vehicle_id"]], names.get(loan["participant_id"]), now=now, zone=zone)
        )
    return bytes(calendar.to_ical())  # icalendar leaves to_ical unannotated


def _event(loan: DictRow, vehicle: DictRow, name: tuple[str, str] | None, *, now: datetime, zone: ZoneInfo) -> Event:
    who = initials(*name) if name else "participant non renseigné"
    event = Event()
    event.add("uid", f"pret-{loan['id']}@plateforme-mobilite")
    event.add("dtstamp", now)
    event.add("last-modified", loan["updated_at"])
    event.add("dtstart", loan["starts_at"])
    event.add("dtend", loan["ends_at"])
    event.add("summary", f"Prêt n° {loan['id']} · {vehicle['label']} · {who} ({STATUS_WORDS[loan['status']]})")
    event.add("location", vehicle["site_name"])
    event.add(
        "description",
        f"Prêt n° {loan['id']} du véhicule {vehicle['label']} ({vehicle['site_name']}),"
        f" du {when(loan['starts_at'], zone)} au {when(loan['ends_at'], zone)}."
        f" Participant : {who}. État : {STATUS_WORDS[loan['status']].lower()}.",
    )
    if loan["status"] == "returned":
        event.add("status", "CONFIRMED")
    return event


def live_feeds(conn: Conn) -> list[DictRow]:
    return calendar_repository.live_feeds(conn)
