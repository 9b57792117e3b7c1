"""`python -m ingest.http_ingress`: serve the HTTP ingress until SIGTERM or Ctrl-C."""

import logging
import sys

import uvicorn

from fleetbase.errors import ConfigurationError
from ingest.http_ingress.app import create_app
from ingest.http_ingress.settings import HttpIngressSettings


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        settings = HttpIngressSettings.load()
    except ConfigurationError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    uvicorn.run(
        create_app(settings),
        host=settings.http_ingress_host,
        port=settings.http_ingress_port,
        log_level="info",
        access_log=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
