"""`python -m maintenance`: the scheduler (one active across processes; see scheduler.py)."""

from __future__ import annotations

import logging
import signal
import sys
import threading

from fleetbase.errors import ConfigurationError
from maintenance.scheduler import Scheduler
from maintenance.settings import MaintenanceSettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = MaintenanceSettings.load()
    except ConfigurationError as error:
        print(f"maintenance: {error.detail}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Scheduler(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
