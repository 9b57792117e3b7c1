"""SQL of the scheduler's sweeps that are not maintenance proper: fleet silence, batteries
before a loan, retention of operational data."""

from __future__ import annotations

from datetime import datetime, timedelta

from psycopg.rows import DictRow

from fleetbase.db import Conn, one


def newest_telemetry(conn: Conn) -> DictRow:
    """When the fleet last said anything, and whether any enabled tracker should."""
    return one(
        conn.execute(
            "SELECT (SELECT max(last_seen_at) FROM vehicle_state) AS last_seen_at,"
            " EXISTS (SELECT 1 FROM trackers t JOIN vehicles v ON v.id = t.vehicle_id"
            "         WHERE t.enabled AND v.status <> 'out_of_service') AS expected"
        )
    )


def low_batteries_before_loans(conn: Conn, *, now: datetime, lookahead: timedelta) -> list[DictRow]:
    """Validated loans starting soon on an electric vehicle whose traction battery is below
    its kind's threshold."""
    return conn.execute(
        "SELECT l.id AS loan_id, l.starts_at, v.id AS vehicle_id, v.label, s.battery_pct, t.low_battery_pct"
        " FROM loans l JOIN vehicles v ON v.id = l.vehicle_id AND v.energy = 'electric'"
        " JOIN vehicle_state s ON s.vehicle_id = v.id"
        " JOIN geofence_rule_thresholds t ON t.vehicle_kind = v.kind"
        " WHERE l.status = 'validated' AND l.starts_at BETWEEN %(now)s AND %(until)s"
        "   AND s.battery_pct < t.low_battery_pct ORDER BY l.starts_at",
        {"now": now, "until": now + lookahead},
    ).fetchall()


def open_battery_alert_loans(conn: Conn) -> list[DictRow]:
    """Loans with an open low_battery_before_loan alert, and the battery and status now."""
    return conn.execute(
        "SELECT a.dedup_key, l.status, s.battery_pct, t.low_battery_pct FROM alerts a"
        " JOIN loans l ON l.id = a.loan_id JOIN vehicles v ON v.id = l.vehicle_id"
        " LEFT JOIN vehicle_state s ON s.vehicle_id = v.id"
        " LEFT JOIN geofence_rule_thresholds t ON t.vehicle_kind = v.kind"
        " WHERE a.kind = 'low_battery_before_loan' AND a.status <> 'resolved'"
    ).fetchall()


def delete_expired(
    conn: Conn, *, now: datetime, retention_days: int, keep_days: int, audit_days: int
) -> dict[str, int]:
    """Rows past their keep. Everything that holds a coordinate after `retention_days`
    (positions, zone events, rejected telemetry, the last fix of a silent vehicle, alerts and
    e-mails telling where a vehicle was: `expire_positional_data`, 0065); audit entries after
    `audit_days` (`expire_audit_log`, the only way past the log's append-only trigger, 0066);
    closed alerts, sent e-mails, finished deliveries, job runs, dead tokens after `keep_days`."""
    cutoff = now - timedelta(days=keep_days)
    removed: dict[str, int] = dict(
        one(
            conn.execute(
                "SELECT expire_positional_data(%(days)s, %(now)s) AS counts", {"days": retention_days, "now": now}
            )
        )["counts"]
    )
    removed["audit_log"] = one(
        conn.execute("SELECT expire_audit_log(%(days)s, %(now)s) AS n", {"days": audit_days, "now": now})
    )["n"]
    statements = {
        "alerts": "DELETE FROM alerts a WHERE a.status = 'resolved' AND a.resolved_at < %(cutoff)s",
        "mail_outbox": "DELETE FROM mail_outbox WHERE sent_at < %(cutoff)s OR failed_at < %(cutoff)s",
        "webhook_deliveries": "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND created_at < %(cutoff)s",
        "scheduler_job_runs": "DELETE FROM scheduler_job_runs WHERE slot < %(cutoff)s",
        "api_tokens": "DELETE FROM api_tokens WHERE expires_at < %(cutoff)s",
        "login_failures": "DELETE FROM login_failures WHERE last_failed_at < %(cutoff)s",
    }
    for table, statement in statements.items():
        removed[table] = removed.get(table, 0) + conn.execute(statement, {"cutoff": cutoff}).rowcount
    return removed
