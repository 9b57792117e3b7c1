"""`python -m maintenance`: the scheduler (one active across processes; see scheduler.py)."""

from __future__ import annotations

import logging
import sys

from fleetbase.errors import ConfigurationError
from fleetbase.signals import stop_on_signals
from maintenance.scheduler import Scheduler
from maintenance.settings import MaintenanceSettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        settings = MaintenanceSettings.load()
    except ConfigurationError as error:
        print(f"maintenance: {error.detail}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Scheduler(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
