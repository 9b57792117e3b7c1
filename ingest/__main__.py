"""`python -m ingest`: run one ingest worker until SIGTERM or Ctrl-C.

Told to stop, the worker ends (or, past FLEET_INGEST_STOP_GRACE_S, cancels) the batch in
progress; should the process still be there well after that (a database that does not
even answer the cancel), it exits anyway: nothing it did not commit was acknowledged.
"""

import logging
import os
import sys
import threading

from fleetbase.errors import ConfigurationError
from fleetbase.signals import stop_on_signals
from ingest.settings import IngestSettings
from ingest.worker import RECEIVER_STOP_S, IngestWorker

log = logging.getLogger("ingest")


def exit_when_stuck(stop: threading.Event, *, grace_s: float) -> None:
    """Once `stop` is set, give the worker `grace_s` to end, then end the process (a daemon thread)."""
    def watch() -> None:
        stop.wait()
        threading.Event().wait(grace_s)
        log.error("the worker is still running %g s after being told to stop: exiting anyway", grace_s)
        logging.shutdown()
        os._exit(3)  # the receiver sees its pipe close and leaves without acknowledging anything

    threading.Thread(target=watch, name="exit-watchdog", daemon=True).start()


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = IngestSettings.load()
    except ConfigurationError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    # The batch's grace, the cancel's round trip, the receiver's own stop.
    exit_when_stuck(stop, grace_s=settings.ingest_stop_grace_s + 5 + RECEIVER_STOP_S)
    IngestWorker(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
