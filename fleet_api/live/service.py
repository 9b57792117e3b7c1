"""What the live fleet shows of each vehicle, under the privacy policy of docs/PRIVACY.md.

While a vehicle is on loan (`active` or `overdue`) its position is the participant's
personal data: the live view shows it coarse (rounded to COARSE_DIGITS decimals of a
degree, about a kilometre) with no speed and no heading, never precise and continuous. A precise
look goes through the history, with a stated reason, and is audited. The rule is
applied by the query itself (`fleet_api.live.repository`), so the list and the stream
cannot differ.
"""

from __future__ import annotations

import psycopg

from fleet_api.live import repository

COARSE_DIGITS = 2


def live_fleet_json(conn: psycopg.Connection) -> str:
    return repository.live_json(conn, coarse_digits=COARSE_DIGITS)


def live_vehicles_json(conn: psycopg.Connection, *, vehicle_ids: list[int] | None) -> list[str]:
    return repository.live_json_each(conn, coarse_digits=COARSE_DIGITS, vehicle_ids=vehicle_ids)
