"""The scheduler: each job once per slot, missed runs caught up once, one active process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.rows import dict_row

from maintenance.scheduler import Scheduler, slot_of
from tests.conftest import DEMO_PASSWORD
from tests.maintenance.conftest import FakeClock, maintenance_settings

ROOT = Path(__file__).resolve().parents[2]
JOB_LINE = re.compile(r"ran job (\w+) slot (\S+):")


def _rows(url: str, query: str, params: dict | None = None) -> list[dict]:
    with psycopg.connect(url, row_factory=dict_row) as conn:
        return conn.execute(query, params or {}).fetchall()


def test_after_downtime_each_job_catches_up_once_and_a_slot_never_runs_twice(new_database):
    url = new_database()
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, 10, tzinfo=UTC))
    sent: list[tuple] = []
    scheduler = Scheduler(maintenance_settings(url), clock=clock, mailer=lambda *mail: sent.append(mail))
    assert set(scheduler.catch_up()) == set(scheduler.jobs)  # first start: every job once
    assert scheduler.catch_up() == []                        # same slots: nothing again

    clock.now += timedelta(hours=5)  # the server was down for five hours: one run each, not sixty
    assert set(scheduler.catch_up()) == set(scheduler.jobs) - {"retention"}  # still the same day's slot
    runs = _rows(url, "SELECT job, count(*) AS runs FROM scheduler_job_runs GROUP BY job")
    assert {row["job"]: row["runs"] for row in runs} == {name: 1 if name == "retention" else 2
                                                         for name in scheduler.jobs}
    due = _rows(url, "SELECT slot, outcome FROM scheduler_job_runs WHERE job = 'due_scan' ORDER BY slot")
    assert due[-1]["slot"] == slot_of(clock.now, 300) and due[-1]["outcome"]["states"] > 0


def test_two_schedulers_racing_for_one_slot_run_it_once(new_database):
    url = new_database()
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, 10, tzinfo=UTC))
    first, second = (Scheduler(maintenance_settings(url, scheduler_runner=name), clock=clock, mailer=print)
                     for name in ("a", "b"))
    outcomes: list[bool] = []
    threads = [threading.Thread(target=lambda s=s: outcomes.append(s.run_job("due_scan"))) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
    assert len(_rows(url, "SELECT 1 FROM maintenance_due_state")) > 0
    assert len(_rows(url, "SELECT 1 FROM scheduler_job_runs WHERE job = 'due_scan'")) == 1


def _start(url: str, runner: str, smtp_port: int, log: Path) -> subprocess.Popen:
    env = os.environ | {
        "FLEET_DATABASE_URL": url, "FLEET_DEMO_MODE": "true", "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
        "FLEET_SMTP_PORT": str(smtp_port), "FLEET_SCHEDULER_RUNNER": runner,
        "FLEET_SCHEDULER_STANDBY_POLL_S": "0.3",
        **{f"FLEET_SCHEDULER_{job}_S": "1" for job in ("DUE_SCAN", "OVERDUE_LOANS", "TRACKER_WATCH", "BATTERY",
                                                          "NOTIFY", "WEBHOOKS")},
    }
    return subprocess.Popen([sys.executable, "-m", "maintenance"], cwd=ROOT, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _wait_for(url: str, runner: str, log: Path, *, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not _rows(url, "SELECT 1 FROM scheduler_job_runs WHERE runner = %(runner)s", {"runner": runner}):
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_two_scheduler_processes_on_one_database_run_each_job_once(new_database, smtp_server, tmp_path):
    catcher, smtp_port = smtp_server
    url = new_database()
    now = datetime.now(UTC)
    with psycopg.connect(url, row_factory=dict_row) as conn:  # an active loan past its end, an alert to e-mail
        vehicle = conn.execute("SELECT id FROM vehicles WHERE label = 'car-03'").fetchone()["id"]
        loan = conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " VALUES (%(v)s, 'active', %(s)s, %(e)s, %(e)s, %(s)s) RETURNING id",
            {"v": vehicle, "s": now - timedelta(days=8), "e": now - timedelta(hours=3)}).fetchone()["id"]
        conn.execute("INSERT INTO alerts (kind, target_role, message, dedup_key) VALUES"
                     " ('test', 'mechanic', 'Essai d''envoi.', 'test:mail')")
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    processes = {"a": _start(url, "a", smtp_port, logs["a"])}
    _wait_for(url, "a", logs["a"])  # a is active before b starts
    processes["b"] = _start(url, "b", smtp_port, logs["b"])
    try:
        time.sleep(4)
        runners = {row["runner"] for row in _rows(url, "SELECT DISTINCT runner FROM scheduler_job_runs")}
        assert runners == {"a"}  # b stands by
        processes["a"].send_signal(signal.SIGTERM)
        assert processes["a"].wait(timeout=15) == 0
        _wait_for(url, "b", logs["b"])  # b takes over
        time.sleep(2)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=15)

    ran = [match.groups() for log in logs.values() for match in JOB_LINE.finditer(log.read_text())]
    assert len(ran) == len(set(ran)) > 14  # every (job, slot) once, across both processes
    assert {job for job, _ in ran} >= {"due_scan", "overdue_loans", "notify", "webhooks", "retention"}
    assert len(_rows(url, "SELECT 1 FROM loan_transitions WHERE loan_id = %(loan)s AND to_status = 'overdue'",
                     {"loan": loan})) == 1
    assert len(_rows(url, "SELECT 1 FROM alerts WHERE dedup_key = %(key)s", {"key": f"loan_overdue:{loan}"})) == 1
    subjects = [mail.subject for mail in catcher.messages]
    assert subjects.count("[Plateforme mobilité] Alerte") == 1
    assert subjects.count("[Plateforme mobilité] Prêt en retard — car-03") == 1
