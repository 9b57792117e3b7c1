"""`python -m ingest`: run one ingest worker until SIGTERM or Ctrl-C.

Told to stop, the worker ends (or, past FLEET_INGEST_STOP_GRACE_S, cancels) the batch in
progress; should the process still be there well after that (a database that does not
even answer the cancel), it exits anyway: nothing it did not commit was acknowledged.
"""

import logging
import sys

import psycopg

from fleetbase.db import connect
from fleetbase.errors import ConfigurationError
from fleetbase.logs import setup_logging
from fleetbase.signals import exit_when_stuck, stop_on_signals
from fleetbase.storage import check_database
from ingest.settings import IngestSettings
from ingest.worker import RECEIVER_STOP_S, IngestWorker

log = logging.getLogger("ingest")


def check_storage(settings: IngestSettings) -> None:
    """The positions' back end agrees with FLEET_STORAGE_BACKEND and the server (a database
    not reachable yet is the worker's to wait for: it retries on its own)."""
    try:
        with connect(settings.database_url, name="ingest:start") as conn:
            check_database(conn, settings.storage_backend)
    except psycopg.OperationalError:
        log.warning("database not reachable at start; storage back end not checked")


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
    exit_when_stuck(stop, grace_s=settings.ingest_stop_grace_s + 5 + RECEIVER_STOP_S, log=log, what="the worker is")
    IngestWorker(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
