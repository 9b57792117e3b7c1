"""`python -m scheduler`: the scheduler (one active across processes; see scheduler.py).

SIGTERM or Ctrl-C stops it between two e-mails or web hooks; should a send hang past
`scheduler_stop_grace_s` (a server that answers a byte at a time), the process exits
anyway: what was in flight stays claimed and is tried again once its claim's lease is over.
"""

from __future__ import annotations

import logging
import sys

from fleetbase.errors import ConfigurationError
from fleetbase.logs import setup_logging
from fleetbase.signals import exit_when_stuck, stop_on_signals
from scheduler.runner import Scheduler
from scheduler.settings import SchedulerSettings

log = logging.getLogger("scheduler")


def main() -> int:
    setup_logging("scheduler")
    try:
        settings = SchedulerSettings.load()
    except ConfigurationError as error:
        print(f"scheduler: {error.detail}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    exit_when_stuck(stop, grace_s=settings.scheduler_stop_grace_s, log=log)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Scheduler(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
