"""`python -m maintenance`: the scheduler (one active across processes; see scheduler.py).

SIGTERM or Ctrl-C stops it between two e-mails or web hooks; should a send hang past
`scheduler_stop_grace_s` (a server that answers a byte at a time), the process exits
anyway: what was in flight stays claimed and is tried again once its claim's lease is over.
"""

from __future__ import annotations

import logging
import os
import sys
import threading

from fleetbase.errors import ConfigurationError
from fleetbase.logs import setup_logging
from fleetbase.signals import stop_on_signals
from maintenance.scheduler import Scheduler
from maintenance.settings import MaintenanceSettings

log = logging.getLogger("maintenance")


def exit_when_stuck(stop: threading.Event, *, grace_s: float) -> None:
    """Once `stop` is set, give the jobs `grace_s` to end, then end the process (a daemon thread)."""
    def watch() -> None:
        stop.wait()
        threading.Event().wait(grace_s)
        log.error("jobs still running %g s after being told to stop: exiting anyway", grace_s)
        logging.shutdown()
        os._exit(3)

    threading.Thread(target=watch, name="stop-watchdog", daemon=True).start()


def main() -> int:
    setup_logging("scheduler")
    try:
        settings = MaintenanceSettings.load()
    except ConfigurationError as error:
        print(f"maintenance: {error.detail}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    exit_when_stuck(stop, grace_s=settings.scheduler_stop_grace_s)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Scheduler(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
