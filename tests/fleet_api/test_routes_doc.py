"""fleet_api/ROUTES.md says exactly what the routes declare, and row scopes are as documented."""

from pathlib import Path

from fleet_api.app import ROUTERS
from fleet_api.authz import Principal, Role, declared_roles

ROUTES_MD = Path(__file__).resolve().parents[2] / "fleet_api" / "ROUTES.md"
ROLE_COLUMNS = ("admin", "fleet_manager", "coordinator", "mechanic", "garage_partner", "prescriber")


def documented() -> dict[tuple[str, str], frozenset[str] | None]:
    table = {}
    for line in ROUTES_MD.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[0] in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            marks = dict(zip(ROLE_COLUMNS, cells[2:]))
            table[(cells[0], cells[1])] = (
                None if "public" in marks.values() else frozenset(role for role, mark in marks.items() if mark == "✓")
            )
    return table


def test_the_routes_table_matches_the_declarations():
    declared = {
        (method, route.path): (
            None if declared_roles(route) is None else frozenset(str(role) for role in declared_roles(route))
        )
        for router in ROUTERS
        for route in router.routes
        for method in route.methods
    }

    assert documented() == declared


def principal(role: Role, **bindings) -> Principal:
    return Principal(
        user_id=1,
        username="x",
        role=role,
        garage_id=bindings.get("garage_id"),
        prescriber_id=bindings.get("prescriber_id"),
        token_hash=b"",
    )


def test_row_scopes_bind_garage_partners_and_prescribers_only():
    assert principal(Role.GARAGE_PARTNER, garage_id=3).row_scope("repair_tickets") == {"garage_id": 3}
    assert principal(Role.PRESCRIBER, prescriber_id=5).row_scope("loans") == {"prescriber_id": 5}
    assert principal(Role.PRESCRIBER, prescriber_id=5).row_scope("participants") == {"prescriber_id": 5}
    assert principal(Role.PRESCRIBER, prescriber_id=5).row_scope("repair_tickets") is None
    assert principal(Role.MECHANIC).row_scope("repair_tickets") is None
    assert principal(Role.ADMIN).row_scope("loans") is None
