"""`python -m ingest`: run one ingest worker until SIGTERM or Ctrl-C.

Told to stop, the worker ends (or, past FLEET_INGEST_STOP_GRACE_S, cancels) the batch in
progress; should the process still be there well after that (a database that does not
even answer the cancel), it exits anyway: nothing it did not commit was acknowledged.
"""

import logging
import os
import sys
import threading

import psycopg

from fleetbase.db import connect
from fleetbase.errors import ConfigurationError
from fleetbase.logs import setup_logging
from fleetbase.storage import check_database
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


def check_storage(settings: IngestSettings) -> None:
    """The positions' back end agrees with FLEET_STORAGE_BACKEND and the server (a database
    not reachable yet is the worker's to wait for: it retries on its own)."""
    try:
        with connect(settings.database_url, name="ingest:start") as conn:
            check_database(conn, settings.storage_backend)
    except psycopg.OperationalError:
        logging.getLogger("ingest").warning("database not reachable at start; storage back end not checked")


def main() -> int:
    setup_logging("ingest")
    try:
        settings = IngestSettings.load()
        check_storage(settings)
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
