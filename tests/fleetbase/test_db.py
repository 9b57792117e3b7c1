"""The one partial UPDATE (`update_columns`) and the pool's sessions, on the real PostgreSQL."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from fleetbase.db import open_pool, update_columns
from fleetbase.settings import FleetSettings
from tests.factories import source_packages, vehicle_id

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_it_sets_the_given_columns_and_updated_at(conn):
    car = vehicle_id(conn, "car-01")
    cursor = update_columns(
        conn, "vehicles", car, {"plate": "ZZ-999-ZZ"}, allowed=("plate",), now=NOW, returning="plate, updated_at"
    )
    assert cursor.fetchone() == {"plate": "ZZ-999-ZZ", "updated_at": NOW}


def test_a_missing_row_updates_nothing(conn):
    assert update_columns(conn, "vehicles", 10**9, {"plate": "X"}, allowed=("plate",)).rowcount == 0


def test_no_change_reads_the_row(conn):
    car = vehicle_id(conn, "car-01")
    assert update_columns(conn, "vehicles", car, {}, allowed=("plate",), returning="label").fetchone() == {
        "label": "car-01"
    }


def test_a_column_outside_the_allowed_ones_is_refused_even_under_python_O():
    # The check must not be an assert, which `python -O` removes.
    script = (
        "from fleetbase.db import update_columns\n"
        "try:\n    update_columns(None, 'vehicles', 1, {'status': 'on_loan'}, allowed=('plate',))\n"
        "except ValueError as error:\n    print(error)\n"
    )
    printed = subprocess.run([sys.executable, "-O", "-c", script], capture_output=True, text=True, check=True)
    assert "not updatable: ['status']" in printed.stdout


def test_pool_sessions_are_in_utc(seeded_url):
    with open_pool(FleetSettings(database_url=seeded_url, db_pool_min=1, db_pool_max=1), name="test") as pool:
        with pool.connection() as conn:
            assert conn.execute("SHOW timezone").fetchone() == {"TimeZone": "UTC"}


def test_every_partial_update_goes_through_it():
    """No repository builds its own `UPDATE … SET` from a list of column names any more."""
    root = Path(__file__).resolve().parents[2]
    packages = source_packages()
    hand_made = [
        str(path.relative_to(root))
        for package in packages
        for path in (root / package).rglob("*.py")
        if path.name != "db.py" and ('sql.SQL("{} = {}")' in path.read_text() or "= %({name})s" in path.read_text())
    ]
    assert not hand_made


# Where SQL may stand outside a repository, and why.
SQL_OUTSIDE_REPOSITORIES = {
    "fleetbase/db.py": "the one partial UPDATE itself",
    "fleetbase/migrate.py": "the schema's migrations",
    "fleetbase/storage.py": "which storage engine is there",
    "fleetbase/seed.py": "the seeded rows",
    "fleetbase/__main__.py": "creating the database",
    "fleet_api/health.py": "SELECT 1, the health check",
    "fleet_api/live/hub.py": "LISTEN, the live stream",
    "scheduler/runner.py": "the advisory lock of the one active scheduler",
}


def test_sql_lives_in_repositories():
    """A query is found by its file's name: `*repository.py`, or one of the places above."""
    root = Path(__file__).resolve().parents[2]
    outside = sorted(
        str(path.relative_to(root))
        for package in source_packages()
        for path in (root / package).rglob("*.py")
        if ".execute(" in path.read_text()
        and not path.name.endswith("repository.py")
        and "migrations" not in path.parts
        and str(path.relative_to(root)) not in SQL_OUTSIDE_REPOSITORIES
    )
    assert not outside, "move these queries into a repository:\n" + "\n".join(outside)
