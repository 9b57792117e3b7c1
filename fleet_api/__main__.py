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
    uvicorn.run(create_app(settings), host=settings.api_host, port=settings.api_port,
                log_level="info")
    return 0


if __name__ == "__main__":
    sys.exit(main())
