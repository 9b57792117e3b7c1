"""`python -m ingest`: run one ingest worker until SIGTERM or Ctrl-C."""

import logging
import sys

from fleetbase.errors import ConfigurationError
from fleetbase.signals import stop_on_signals
from ingest.settings import IngestSettings
from ingest.worker import IngestWorker


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = IngestSettings.load()
    except ConfigurationError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    stop = stop_on_signals()
    IngestWorker(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
