"""The mechanics' board (*Entretien*): every vehicle × task with its due state, its depot,
the words of its level, most urgent first; filtered by depot and kind.

The states and their forecast ("at this pace, due around …") come from
`maintenance.service.compute_due`, the same computation as GET /api/v1/maintenance/due.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from psycopg.rows import DictRow

from fleetbase.db import Conn
from maintenance import board_repository, french
from maintenance.due import DueState
from maintenance.service import compute_due

LEVEL_WORDS = {"ok": "ok", "due_soon": "bientôt", "due": "à faire", "overdue": "en retard"}
URGENT = frozenset({"due_soon", "due", "overdue"})


@dataclass(frozen=True)
class BoardRow:
    state: DueState
    site_id: int
    site_name: str

    @property
    def level_words(self) -> str:
        return LEVEL_WORDS[self.state.level]

    @property
    def kind_words(self) -> str:
        return french.KINDS.get(self.state.vehicle_kind, "Véhicule")


def due_board(
    conn: Conn,
    *,
    now: datetime,
    zone: ZoneInfo,
    site_id: int | None = None,
    kind: str | None = None,
    urgent_only: bool = False,
) -> list[BoardRow]:
    """The board's rows, most urgent first; `urgent_only`: only due soon, due and overdue."""
    vehicles = {vehicle["id"]: vehicle for vehicle in board_repository.board_vehicles(conn, site_id=site_id, kind=kind)}
    if not vehicles:
        return []
    states = compute_due(conn, now=now, zone=zone, vehicle_ids=list(vehicles))
    return [
        BoardRow(state, vehicles[state.vehicle_id]["site_id"], vehicles[state.vehicle_id]["site_name"])
        for state in states
        if not urgent_only or state.level in URGENT
    ]


def counts(rows: list[BoardRow]) -> dict[str, int]:
    """How many rows of each level, worst first."""
    return {level: sum(1 for row in rows if row.state.level == level) for level in ("overdue", "due", "due_soon", "ok")}


def depots(conn: Conn) -> list[DictRow]:
    return board_repository.depots(conn)
