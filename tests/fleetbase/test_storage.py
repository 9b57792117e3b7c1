"""The positions' storage back end is an explicit choice, checked against the server
(FLEET_STORAGE_BACKEND: auto / plain / timescaledb)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from fleetbase.db import connect
from fleetbase.errors import ConfigurationError
from fleetbase.migrate import apply_migrations, pending_migrations
from fleetbase.storage import ServerOffer, StorageBackend, check_database, choose, database_backend, read_offer
from tests.conftest import ADMIN_URL, database_url

EVERYTHING = ServerOffer(available=True, preloaded=True, license="timescale")
APACHE_ONLY = ServerOffer(available=True, preloaded=True, license="apache")
NOT_PRELOADED = ServerOffer(available=True, preloaded=False, license=None)
ABSENT = ServerOffer(available=False, preloaded=False, license=None)


@pytest.mark.parametrize(
    ("setting", "offer", "chosen"),
    [
        ("auto", EVERYTHING, StorageBackend.TIMESCALEDB),
        ("auto", APACHE_ONLY, StorageBackend.TIMESCALEDB),
        ("auto", NOT_PRELOADED, StorageBackend.PLAIN),  # installed but not preloaded: failed to migrate before
        ("auto", ABSENT, StorageBackend.PLAIN),
        ("plain", EVERYTHING, StorageBackend.PLAIN),
        ("timescaledb", EVERYTHING, StorageBackend.TIMESCALEDB),
        ("timescaledb", APACHE_ONLY, StorageBackend.TIMESCALEDB),
    ],
)
def test_the_choice_follows_the_setting_and_what_the_server_offers(setting, offer, chosen):
    assert choose(setting, offer) is chosen


def test_compression_only_with_timescaledbs_tsl_part():
    assert EVERYTHING.compression
    assert not APACHE_ONLY.compression


@pytest.mark.parametrize(
    ("offer", "says"),
    [
        (NOT_PRELOADED, ["shared_preload_libraries"]),
        (ABSENT, ["not installed", "shared_preload_libraries"]),
    ],
)
def test_asking_for_timescaledb_where_the_server_lacks_it_says_what_is_missing(offer, says):
    with pytest.raises(ConfigurationError) as refused:
        choose("timescaledb", offer)
    for words in says:
        assert words in refused.value.detail


def test_an_unknown_setting_is_refused():
    with pytest.raises(ValueError):
        choose("mongodb", EVERYTHING)


def server_offer() -> ServerOffer:
    with connect(ADMIN_URL) as conn:
        return read_offer(conn)


def test_auto_on_this_server_makes_what_it_really_offers(new_database):
    url = new_database(empty=True)
    apply_migrations(url, storage_backend="auto")
    with connect(url) as conn:
        expected = choose("auto", server_offer())
        assert database_backend(conn) is expected
        if expected is StorageBackend.PLAIN:
            assert conn.execute("SELECT to_regclass('positions_default') IS NOT NULL AS made").fetchone()["made"]
        # the index is ours on both paths, made once
        indexes = conn.execute(
            "SELECT count(*) AS n FROM pg_indexes WHERE indexname = 'positions_fix_time_idx'"
        ).fetchone()["n"]
        assert indexes >= 1


def test_an_impossible_choice_fails_before_any_migration_runs(new_database):
    offer = server_offer()
    if not offer.missing():
        pytest.fail("this server offers TimescaleDB: test the refusal on one that does not")
    url = new_database(empty=True)
    pending_before = pending_migrations(url)
    with pytest.raises(ConfigurationError) as refused:
        apply_migrations(url, storage_backend="timescaledb")
    assert "FLEET_STORAGE_BACKEND=timescaledb" in refused.value.detail
    assert pending_migrations(url) == pending_before  # nothing half-applied


def test_plain_is_plain_and_a_later_contrary_setting_is_refused(new_database):
    url = new_database(empty=True)
    apply_migrations(url, storage_backend="plain")
    with connect(url) as conn:
        assert database_backend(conn) is StorageBackend.PLAIN
        assert check_database(conn, "auto") is StorageBackend.PLAIN
        with pytest.raises(ConfigurationError) as refused:
            check_database(conn, "timescaledb")
    assert "positions use plain" in refused.value.detail
    with pytest.raises(ConfigurationError):
        apply_migrations(url, storage_backend="timescaledb")
    assert apply_migrations(url, storage_backend="plain") == []


def test_the_ingest_worker_refuses_to_start_on_a_contrary_back_end(seeded_url):
    environment = {
        **os.environ,
        "FLEET_DATABASE_URL": seeded_url,
        "FLEET_DEMO_MODE": "true",
        "FLEET_STORAGE_BACKEND": "timescaledb",
        "FLEET_MQTT_URL": "mqtt://127.0.0.1:9",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "ingest"], env=environment, capture_output=True, text=True, timeout=120
    )
    assert finished.returncode == 2, finished.stderr
    assert "FLEET_STORAGE_BACKEND=timescaledb but the database's positions use plain" in finished.stderr


def test_expiry_fills_the_daily_figures_on_the_plain_path(new_database):
    url = new_database()
    with connect(url) as conn:
        vehicle = conn.execute("SELECT id FROM vehicles ORDER BY id LIMIT 1").fetchone()["id"]
        conn.execute("SELECT ensure_positions_partition((now() - interval '100 days')::date)")
        conn.execute(
            "INSERT INTO positions (vehicle_id, fix_time, tracker_id, lat, lon, effective_odometer_km)"
            " SELECT %(v)s, date_trunc('day', now() - interval '100 days') + n * interval '1 minute',"
            "        'trk-test', 43.7, -1.05, 1000 + n"
            " FROM generate_series(0, 9) AS n",
            {"v": vehicle},
        )
        dropped = conn.execute("SELECT expire_positions(60) AS dropped").fetchone()["dropped"]
        stats = conn.execute(
            "SELECT fixes, distance_km FROM vehicle_daily_stats WHERE vehicle_id = %s", [vehicle]
        ).fetchall()
        left = conn.execute(
            "SELECT count(*) AS n FROM positions WHERE fix_time < now() - interval '60 days'"
        ).fetchone()["n"]
    assert dropped >= 1
    assert stats == [{"fixes": 10, "distance_km": 9.0}]
    assert left == 0


def test_the_test_template_takes_no_connection(databases, seeded_template):
    with connect(ADMIN_URL) as conn:
        allowed = conn.execute("SELECT datallowconn FROM pg_database WHERE datname = %s", [seeded_template]).fetchone()[
            "datallowconn"
        ]
    assert allowed is False
    with pytest.raises(Exception, match="not currently accepting connections"):
        connect(database_url(seeded_template)).close()
