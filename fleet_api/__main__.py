"""`python -m fleet_api`: serve the API with uvicorn."""

import sys

import uvicorn

from fleet_api.app import create_app
from fleet_api.settings import ApiSettings
from fleetbase.errors import ConfigurationError


def main() -> int:
    try:
        settings = ApiSettings.load()
    except ConfigurationError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    if (settings.api_tls_certfile is None) != (settings.api_tls_keyfile is None):
        print("error: set both FLEET_API_TLS_CERTFILE and FLEET_API_TLS_KEYFILE, or neither", file=sys.stderr)
        return 2
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port,
                ssl_certfile=settings.api_tls_certfile, ssl_keyfile=settings.api_tls_keyfile,
                log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
