"""The HTTP ingress's settings (`FLEET_HTTP_INGRESS_*` and the shared `FLEET_*`)."""

import socket

from pydantic import Field, SecretStr

from fleetbase.broker import HTTP_INGRESS_LOGIN, service_password
from fleetbase.settings import FleetSettings


class HttpIngressSettings(FleetSettings):
    http_ingress_host: str = "127.0.0.1"
    http_ingress_port: int = Field(default=8055, ge=1, le=65535)  # not 5055: Traccar, run beside, listens there
    http_ingress_client_id: str = Field(default_factory=lambda: f"http-ingress-{socket.gethostname()}")
    # How long a request waits for the broker's PUBACK before it is answered 503.
    http_ingress_publish_timeout_s: float = Field(default=5.0, gt=0)
    http_ingress_body_max_bytes: int = Field(default=256 * 1024, ge=1024)
    # The same checks of the fix time as the ingest worker's (same variables).
    ingest_future_tolerance_s: int = Field(default=300, ge=0)

    def secrets(self) -> dict[str, SecretStr]:
        return {"http_ingress_mqtt_password": self.http_ingress_mqtt_password or SecretStr("")}

    @property
    def broker_password(self) -> str:
        return service_password(self, HTTP_INGRESS_LOGIN) or ""
