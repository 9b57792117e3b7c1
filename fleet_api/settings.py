"""The API process's settings."""

from pydantic import Field

from fleetbase.settings import FleetSettings


class ApiSettings(FleetSettings):
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    health_timeout_s: float = Field(default=2.0, gt=0)
