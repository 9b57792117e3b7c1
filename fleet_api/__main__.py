"""`python -m fleet_api`: serve the API with uvicorn."""

import sys

import uvicorn

from fleet_api.app import create_app
from fleet_api.settings import ApiSettings
from fleetbase.errors import ConfigurationError
from fleetbase.logs import setup_logging


def app_from_environment():
    """What each of several processes builds (uvicorn imports this by name in each)."""
    setup_logging("fleet_api")
    return create_app(ApiSettings.load())


def main() -> int:
    setup_logging("fleet_api")
    try:
        settings = ApiSettings.load()
    except ConfigurationError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    if (settings.api_tls_certfile is None) != (settings.api_tls_keyfile is None):
        print("error: set both FLEET_API_TLS_CERTFILE and FLEET_API_TLS_KEYFILE, or neither", file=sys.stderr)
        return 2
    certfile, keyfile = settings.api_tls_certfile, settings.api_tls_keyfile
    if settings.api_processes > 1:
        uvicorn.run(
            "fleet_api.__main__:app_from_environment",
            factory=True,
            workers=settings.api_processes,
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=settings.api_host,
            port=settings.api_port,
            log_config=None,
            access_log=False,
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
