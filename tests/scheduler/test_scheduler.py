"""The scheduler: each job once per slot, missed runs caught up once, one active process."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.raising import AlertDraft, open_alerts
from fleetbase.db import connect
from notifications.mail import SmtpMailer
from scheduler.runner import Scheduler, slot_of
from tests.conftest import DEMO_PASSWORD
from tests.outside import FakeClock, maintenance_settings
from tests.processes import running, wait_until

ROOT = Path(__file__).resolve().parents[2]
JOB_LINE = re.compile(r"ran job (\w+) slot (\S+):")


def _rows(url: str, query: str, params: dict | None = None) -> list[dict]:
    with connect(url) as conn:
        return conn.execute(query, params or {}).fetchall()


def test_after_downtime_each_job_catches_up_once_and_a_slot_never_runs_twice(new_database):
    url = new_database()
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, 10, tzinfo=UTC))
    sent: list[tuple] = []
    scheduler = Scheduler(maintenance_settings(url), clock=clock, mailer=lambda *mail: sent.append(mail))
    assert set(scheduler.catch_up()) == set(scheduler.jobs)  # first start: every job once
    assert scheduler.catch_up() == []  # same slots: nothing again

    clock.now += timedelta(hours=5)  # the server was down for five hours: one run each, not sixty
    assert set(scheduler.catch_up()) == set(scheduler.jobs) - {"retention"}  # still the same day's slot
    runs = _rows(url, "SELECT job, count(*) AS runs FROM scheduler_job_runs GROUP BY job")
    assert {row["job"]: row["runs"] for row in runs} == {
        name: 1 if name == "retention" else 2 for name in scheduler.jobs
    }
    due = _rows(url, "SELECT slot, outcome FROM scheduler_job_runs WHERE job = 'due_scan' ORDER BY slot")
    assert due[-1]["slot"] == slot_of(clock.now, 300) and due[-1]["outcome"]["states"] > 0


def test_two_schedulers_racing_for_one_slot_run_it_once(new_database):
    url = new_database()
    clock = FakeClock(datetime(2026, 6, 1, 9, 0, 10, tzinfo=UTC))
    first, second = (
        Scheduler(maintenance_settings(url, scheduler_runner=name), clock=clock, mailer=print) for name in ("a", "b")
    )
    outcomes: list[bool] = []
    threads = [threading.Thread(target=lambda s=s: outcomes.append(s.run_job("due_scan"))) for s in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [False, True]
    assert len(_rows(url, "SELECT 1 FROM maintenance_due_state")) > 0
    assert len(_rows(url, "SELECT 1 FROM scheduler_job_runs WHERE job = 'due_scan'")) == 1


def _environment(url: str, runner: str, smtp_port: int) -> dict[str, str]:
    return os.environ | {
        "FLEET_DATABASE_URL": url,
        "FLEET_DEMO_MODE": "true",
        "FLEET_DEMO_PASSWORD": DEMO_PASSWORD,
        "FLEET_SMTP_PORT": str(smtp_port),
        "FLEET_SCHEDULER_RUNNER": runner,
        "FLEET_SCHEDULER_STANDBY_POLL_S": "0.3",
        **{
            f"FLEET_SCHEDULER_{job}_S": "1"
            for job in ("DUE_SCAN", "OVERDUE_LOANS", "TRACKER_WATCH", "BATTERY", "NOTIFY", "WEBHOOKS")
        },
    }


@contextmanager
def _scheduler_process(
    url: str, runner: str, smtp_port: int, log: Path, **environment: str
) -> Iterator[subprocess.Popen]:
    """`python -m scheduler` as `runner`, logging to `log`; stopped (then killed) whatever happens."""
    with (
        log.open("w") as output,
        running(
            [sys.executable, "-m", "scheduler"],
            cwd=ROOT,
            env=_environment(url, runner, smtp_port) | environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        ) as process,
    ):
        yield process


def _slots_run(log: Path) -> list[tuple[str, str]]:
    """(job, slot) of every run the process logged."""
    return [match.groups() for match in JOB_LINE.finditer(log.read_text())]


def _exits_within(process: subprocess.Popen, seconds: float, what: str) -> int:
    """Send SIGTERM; the exit code, or the test fails if the process is still running after `seconds`."""
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the scheduler was still running {seconds} s after SIGTERM ({what})")


def test_two_scheduler_processes_on_one_database_run_each_job_once(new_database, smtp_server, tmp_path):
    catcher, smtp_port = smtp_server
    url = new_database()
    now = datetime.now(UTC)
    with connect(url) as conn:  # an active loan past its end, an alert to e-mail
        vehicle = conn.execute("SELECT id FROM vehicles WHERE label = 'car-03'").fetchone()["id"]
        loan = conn.execute(
            "INSERT INTO loans (vehicle_id, status, starts_at, ends_at, held_until, checked_out_at)"
            " VALUES (%(v)s, 'active', %(s)s, %(e)s, %(e)s, %(s)s) RETURNING id",
            {"v": vehicle, "s": now - timedelta(days=8), "e": now - timedelta(hours=3)},
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO alerts (kind, target_role, message, dedup_key) VALUES"
            " ('test', 'mechanic', 'Essai d''envoi.', 'test:mail')"
        )
    logs = {name: tmp_path / f"{name}.log" for name in ("a", "b")}
    with _scheduler_process(url, "a", smtp_port, logs["a"]) as first:
        wait_until(
            lambda: _rows(url, "SELECT 1 FROM scheduler_job_runs WHERE runner = 'a'"),
            timeout=60,
            message=lambda: logs["a"].read_text(),
        )  # a is active before b starts
        with _scheduler_process(url, "b", smtp_port, logs["b"]) as second:
            # b finds the lock taken and stands by, while a goes on running the one-second jobs.
            wait_until(lambda: "stands by" in logs["b"].read_text(), timeout=60, message=lambda: logs["b"].read_text())
            since = slot_of(datetime.now(UTC), 1)
            wait_until(
                lambda: _rows(
                    url,
                    "SELECT 1 FROM scheduler_job_runs WHERE runner = 'a' AND job = 'due_scan' AND slot > %(since)s",
                    {"since": since},
                ),
                timeout=60,
                message=lambda: logs["a"].read_text(),
            )
            assert {row["runner"] for row in _rows(url, "SELECT DISTINCT runner FROM scheduler_job_runs")} == {"a"}

            assert _exits_within(first, 15, "the active one, a") == 0
            # b takes over, and runs the one-second jobs on its own schedule.
            wait_until(
                lambda: (
                    sum(job == "notify" for job, _ in _slots_run(logs["b"])) >= 2
                    and sum(job == "webhooks" for job, _ in _slots_run(logs["b"])) >= 2
                ),
                timeout=60,
                message=lambda: logs["b"].read_text(),
            )
            assert _exits_within(second, 15, "b, having taken over") == 0

    ran = _slots_run(logs["a"]) + _slots_run(logs["b"])
    assert len(ran) == len(set(ran)) > 14  # every (job, slot) once, across both processes
    assert {job for job, _ in ran} >= {"due_scan", "overdue_loans", "notify", "webhooks", "retention"}
    assert (
        len(
            _rows(
                url, "SELECT 1 FROM loan_transitions WHERE loan_id = %(loan)s AND to_status = 'overdue'", {"loan": loan}
            )
        )
        == 1
    )
    assert len(_rows(url, "SELECT 1 FROM alerts WHERE dedup_key = %(key)s", {"key": f"loan_overdue:{loan}"})) == 1
    subjects = [mail.subject for mail in catcher.messages]
    assert subjects.count("[Plateforme mobilité] Alerte") == 1
    assert subjects.count("[Plateforme mobilité] Prêt en retard — car-03") == 1


def test_a_scheduler_sending_a_backlog_to_a_slow_smtp_server_stops_promptly_and_loses_nothing(
    new_database, smtp_server, tmp_path
):
    catcher, smtp_port = smtp_server
    catcher.delay_s = 0.5  # each message takes half a second: the whole backlog, over a minute
    url = new_database()
    backlog = 300
    with connect(url) as conn:
        open_alerts(
            conn,
            [
                AlertDraft(
                    "loan_overdue",
                    "warning",
                    "coordinator",
                    None,
                    None,
                    f"Prêt n° {number} en retard.",
                    f"test:backlog:{number}",
                )
                for number in range(backlog)
            ],
            now=datetime.now(UTC),
        )
    with _scheduler_process(url, "a", smtp_port, tmp_path / "a.log") as process:
        wait_until(lambda: len(_backlog_sent(catcher)) >= 3, timeout=120, message="the backlog never started going")
        assert _exits_within(process, 15, f"{len(_backlog_sent(catcher))} of {backlog} e-mails sent") == 0
    sent = len(_backlog_sent(catcher))
    assert sent < backlog
    notified = _rows(url, "SELECT count(*) AS n FROM alerts WHERE kind = 'loan_overdue' AND notified_at IS NOT NULL")
    assert notified[0]["n"] == sent  # what went is recorded as sent, and only that

    catcher.delay_s = 0
    with _scheduler_process(url, "b", smtp_port, tmp_path / "b.log") as process:  # the rest goes, nothing twice
        wait_until(
            lambda: len(_backlog_sent(catcher)) >= backlog,
            timeout=120,
            message=lambda: f"{len(_backlog_sent(catcher))} of {backlog} sent",
        )
        assert _exits_within(process, 15, "after the backlog") == 0
    assert sorted(_backlog_sent(catcher)) == list(range(backlog))


def _backlog_sent(catcher) -> list[int]:
    """Numbers of the backlog's loans whose alert was e-mailed, once per e-mail."""
    return [
        int(match.group(1)) for mail in catcher.messages if (match := re.search(r"Prêt n° (\d+) en retard", mail.body))
    ]


def test_a_scheduler_stuck_on_a_stalled_smtp_server_still_exits_after_its_grace(new_database, smtp_server, tmp_path):
    catcher, smtp_port = smtp_server
    catcher.hold = threading.Event()  # accepts the message, then never answers
    url = new_database()
    with connect(url) as conn:
        [alert] = open_alerts(
            conn,
            [AlertDraft("loan_overdue", "warning", "coordinator", None, None, "Prêt n° 1 en retard.", "test:stalled")],
            now=datetime.now(UTC),
        )
    environment = {"FLEET_SMTP_TIMEOUT_S": "600", "FLEET_SCHEDULER_STOP_GRACE_S": "2"}
    with _scheduler_process(url, "a", smtp_port, tmp_path / "a.log", **environment) as process:
        wait_until(catcher.holding.is_set, timeout=120, message=lambda: (tmp_path / "a.log").read_text())
        assert _exits_within(process, 15, "stuck in a send") != 0
    assert "exiting anyway" in (tmp_path / "a.log").read_text()
    # Not recorded as sent: it goes again once its claim's lease is over.
    [row] = _rows(url, "SELECT notified_at, mail_next_attempt_at FROM alerts WHERE id = %(id)s", {"id": alert})
    assert row["notified_at"] is None and row["mail_next_attempt_at"] > datetime.now(UTC)


def test_the_smtp_server_is_greeted_with_the_configured_name_not_a_dns_look_up(conn, smtp_server, seeded_url):
    catcher, port = smtp_server
    mailer = SmtpMailer(maintenance_settings(seeded_url, smtp_port=port, smtp_helo_name="planificateur.example.org"))
    mailer(["mecano@example.org"], "Essai", "Bonjour.")
    assert catcher.helo_names == ["planificateur.example.org"]
