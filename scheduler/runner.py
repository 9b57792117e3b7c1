"""The scheduler: one active process across however many run, each job once per time slot.

- **One active scheduler.** Every `python -m scheduler` process tries to take a
  PostgreSQL session advisory lock on a connection it keeps open; the one that holds
  it runs the jobs (APScheduler), the others stand by and try again every few seconds.
  If the active process dies, its connection closes, the lock is released, and a
  standby takes over within `scheduler_standby_poll_s`.
- **Each job once per slot.** A job's slot is its interval's window (a 300 s job has
  the slots 10:00:00, 10:05:00…). A run inserts (job, slot) into scheduler_job_runs in
  the same transaction as its work: should two processes ever run together (a lock
  lost with a network split), the second finds the slot taken and does nothing. The
  jobs that send (e-mails, web hooks) commit their slot first, then each message in
  its own transactions (`notifications.alert_mail`), so no lock waits on a server.
- **Catching up once.** On becoming active, every job whose current slot has not run
  (the process was down, or lost the lock) runs once right away — not once per missed
  slot: the jobs look at the present state, so one run covers everything missed.
- **Time** comes from `clock` (tests drive it); APScheduler only decides when to wake.
"""

from __future__ import annotations

import json
import logging
import math
import threading
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from psycopg_pool import ConnectionPool

from fleetbase.db import Conn, connect, one, open_pool
from notifications import outbox_repository as repository
from notifications.mail import SmtpMailer
from scheduler.jobs import SENDING, JobContext, job_table
from scheduler.settings import SchedulerSettings

log = logging.getLogger("scheduler")

LOCK_NAME = "fleet_scheduler"


def utc_now() -> datetime:
    return datetime.now(UTC)


def slot_of(moment: datetime, interval_s: int) -> datetime:
    """The start of the interval window holding `moment` (windows aligned on the epoch)."""
    return datetime.fromtimestamp(math.floor(moment.timestamp() / interval_s) * interval_s, UTC)


class Scheduler:
    def __init__(
        self,
        settings: SchedulerSettings,
        *,
        clock: Callable[[], datetime] = utc_now,
        mailer: Callable[[Sequence[str], str, str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.jobs = job_table(settings)
        self.context = JobContext(settings=settings, mailer=mailer or SmtpMailer(settings))
        self.runner = settings.scheduler_runner
        self.pool: ConnectionPool[Conn] | None = None  # while run() holds one

    # --- one run -------------------------------------------------------------------------
    def run_job(self, name: str) -> bool:
        """Run `name` for the current slot unless it already ran; True if this call ran it.
        A scheduler that is stopping starts nothing new."""
        if self.context.stop.is_set():
            return False
        function, interval = self.jobs[name]
        now = self.clock()
        slot = slot_of(now, interval)
        try:
            with self._connection() as conn:
                if name in SENDING:
                    # It commits message by message: its slot is claimed (and committed) first.
                    with conn.transaction():
                        if not repository.claim_slot(conn, job=name, slot=slot, runner=self.runner, now=now):
                            return False
                    outcome = function(conn, now=now, context=self.context)
                    with conn.transaction():
                        self._finish(conn, name, slot, outcome)
                else:
                    with conn.transaction():
                        if not repository.claim_slot(conn, job=name, slot=slot, runner=self.runner, now=now):
                            return False
                        outcome = function(conn, now=now, context=self.context)
                        self._finish(conn, name, slot, outcome)
        except Exception:  # rolled back (a sending job: what was sent is recorded); the next slot tries again
            log.exception("job %s failed for slot %s", name, slot.isoformat())
            return False
        log.info("ran job %s slot %s: %s", name, slot.isoformat(), outcome)
        return True

    def _finish(self, conn: Conn, name: str, slot: datetime, outcome: dict[str, Any]) -> None:
        repository.finish_slot(conn, job=name, slot=slot, outcome=json.dumps(outcome, default=str), now=self.clock())

    def catch_up(self) -> list[str]:
        """Run once every job whose current slot has not run yet; the jobs run."""
        ran = []
        for name, (_, interval) in self.jobs.items():
            if self.context.stop.is_set():
                break
            with self._connection() as conn:
                last = repository.last_slot(conn, job=name)
            if last is None or last < slot_of(self.clock(), interval):
                if self.run_job(name):
                    ran.append(name)
        return ran

    def _connection(self) -> AbstractContextManager[Conn]:
        """The pool's connection while running, else one of its own (closed on leaving `with`)."""
        if self.pool is not None:
            return self.pool.connection()
        return connect(self.settings.database_url, name="scheduler")

    # --- leadership ----------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Stand by until this process holds the lock, run the jobs while it does; until `stop`.

        Stopping is prompt: a job sending e-mails or web hooks stops between two messages
        (each bounded by its timeout), catching up stops between two jobs.
        """
        self.context = replace(self.context, stop=stop)
        with open_pool(self.settings, name="scheduler") as pool:
            self.pool = pool
            while not stop.is_set():
                try:
                    self._lead_when_possible(stop)
                except (psycopg.OperationalError, psycopg.InterfaceError) as error:
                    log.warning("scheduler lost the database (%s); standing by", error)
                    stop.wait(self.settings.scheduler_standby_poll_s)
            self.pool = None

    def _lead_when_possible(self, stop: threading.Event) -> None:
        with connect(self.settings.database_url, autocommit=True, name="scheduler-lock") as lock_conn:
            told = False
            while not stop.is_set():
                if one(
                    lock_conn.execute("SELECT pg_try_advisory_lock(hashtext(%(name)s)) AS held", {"name": LOCK_NAME})
                )["held"]:
                    break
                (log.debug if told else log.info)("scheduler %s stands by: another one is active", self.runner)
                told = True
                stop.wait(self.settings.scheduler_standby_poll_s)
            else:
                return
            log.info("scheduler %s is active", self.runner)
            scheduler = self._start_jobs()
            try:
                self.catch_up()
                while not stop.wait(self.settings.scheduler_standby_poll_s):
                    lock_conn.execute("SELECT 1")  # raises if the connection (and so the lock) is gone
            finally:
                scheduler.shutdown(wait=True)
                log.info("scheduler %s stopped its jobs", self.runner)

    def _start_jobs(self) -> BackgroundScheduler:
        scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(2)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        now = utc_now()
        for name, (_, interval) in self.jobs.items():
            # Wake just after each slot starts, so the slot computed from the clock is the new one.
            first = slot_of(now, interval) + timedelta(seconds=interval, milliseconds=200)
            scheduler.add_job(
                self.run_job,
                IntervalTrigger(seconds=interval, start_date=first, timezone=UTC),
                args=[name],
                id=name,
                name=name,
            )
        scheduler.start()
        return scheduler
