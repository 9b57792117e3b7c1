"""The scheduler's other sweeps: a silent fleet, batteries before a loan, retention."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.jobs import JobContext, batteries_before_loans, fleet_silence, retention
from tests.factories import vehicle_id
from tests.outside import maintenance_settings

NOW = datetime(2026, 9, 14, 6, 0, tzinfo=UTC)


def _context(url: str) -> JobContext:
    return JobContext(settings=maintenance_settings(url, scheduler_ingest_stale_s=900), mailer=print)


def _state(conn, vehicle: int, *, seen: datetime, battery_pct: float | None = None) -> None:
    conn.execute(
        "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, battery_pct, last_seen_at)"
        " VALUES (%(v)s, %(at)s, 43.7, -1.05, %(battery)s, %(at)s) ON CONFLICT (vehicle_id) DO UPDATE"
        " SET last_seen_at = EXCLUDED.last_seen_at, battery_pct = EXCLUDED.battery_pct",
        {"v": vehicle, "at": seen, "battery": battery_pct},
    )


def test_a_fleet_gone_silent_raises_one_critical_alert_closed_when_data_comes_back(conn, seeded_url):
    context = _context(seeded_url)
    _state(conn, vehicle_id(conn, "car-01"), seen=NOW - timedelta(minutes=5))
    assert fleet_silence(conn, now=NOW, context=context) == {"resolved": 0}
    assert fleet_silence(conn, now=NOW + timedelta(minutes=20), context=context) == {"opened": 1}
    assert fleet_silence(conn, now=NOW + timedelta(minutes=25), context=context) == {"opened": 0}
    alert = conn.execute("SELECT severity, target_role, message FROM alerts WHERE kind = 'ingest_stalled'").fetchone()
    assert alert["severity"] == "critical" and alert["target_role"] == "fleet_manager"
    assert alert["message"] == (
        "Aucune donnée reçue de la flotte depuis le 14 septembre 2026 à 07:55 : vérifiez"
        " le serveur MQTT et le service de réception (ingest)."
    )
    _state(conn, vehicle_id(conn, "car-01"), seen=NOW + timedelta(minutes=26))
    assert fleet_silence(conn, now=NOW + timedelta(minutes=27), context=context) == {"resolved": 1}


def test_an_electric_vehicle_due_out_with_a_low_battery_is_flagged_until_charged(conn, seeded_url):
    context = _context(seeded_url)
    bike = vehicle_id(conn, "ebike-02")
    loan = conn.execute(
        "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until) VALUES"
        " (%(v)s, 'validated', %(s)s, %(e)s, %(e)s) RETURNING id",
        {"v": bike, "s": NOW + timedelta(hours=3), "e": NOW + timedelta(days=7)},
    ).fetchone()["id"]
    _state(conn, bike, seen=NOW, battery_pct=9)  # e-bike threshold: 15 %
    assert batteries_before_loans(conn, now=NOW, context=context) == {"resolved": 0, "opened": 1}
    assert batteries_before_loans(conn, now=NOW + timedelta(minutes=5), context=context)["opened"] == 0
    message = conn.execute(
        "SELECT message FROM alerts WHERE dedup_key = %(k)s", {"k": f"low_battery_before_loan:{loan}"}
    ).fetchone()["message"]
    assert message == (
        "ebike-02 part en prêt le 14 septembre 2026 à 11:00 avec une batterie à 9 % (seuil 15 %) :"
        " à recharger avant le départ."
    )
    _state(conn, bike, seen=NOW + timedelta(hours=1), battery_pct=80)
    assert batteries_before_loans(conn, now=NOW + timedelta(hours=1), context=context) == {"resolved": 1, "opened": 0}


def test_retention_drops_old_operational_rows_and_keeps_recent_ones(conn, seeded_url):
    context = _context(seeded_url)
    conn.execute(
        "INSERT INTO dead_letters (received_at, topic, payload, reason) VALUES"
        " (%(old)s, 'fleet/x/telemetry', 'x', 'bad_json'), (%(recent)s, 'fleet/x/telemetry', 'y', 'bad_json')",
        {"old": NOW - timedelta(days=61), "recent": NOW - timedelta(days=2)},
    )
    conn.execute(
        "INSERT INTO alerts (kind, target_role, message, dedup_key, status, created_at, resolved_at) VALUES"
        " ('test', 'mechanic', 'vieille', 'old', 'resolved', %(old)s, %(old)s),"
        " ('test', 'mechanic', 'ouverte', 'open', 'open', %(old)s, NULL)",
        {"old": NOW - timedelta(days=400)},
    )
    removed = retention(conn, now=NOW, context=context)
    assert removed["dead_letters"] == 1 and removed["alerts"] == 1
    assert [row["reason"] for row in conn.execute("SELECT reason FROM dead_letters")] == ["bad_json"]
    assert [row["message"] for row in conn.execute("SELECT message FROM alerts WHERE kind = 'test'")] == ["ouverte"]
