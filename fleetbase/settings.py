"""Settings shared by every process, read from `FLEET_*` environment variables.

Each runnable component subclasses `FleetSettings` with its own fields and builds one
instance at start-up (`IngestSettings.load()`); nothing else reads the environment.
Outside demo mode, `load()` refuses to start while a secret still has its default value.
"""

from __future__ import annotations

import os
import zoneinfo
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fleetbase.errors import ConfigurationError
from fleetbase.location_policy import LocationPolicy
from fleetbase.storage import StorageBackend

DEFAULT_SECRET = "change-me"


class FleetSettings(BaseSettings):
    """Settings common to the API, the ingest worker, the scheduler and the tools."""

    model_config = SettingsConfigDict(env_prefix="FLEET_", extra="ignore")

    database_url: str = "postgresql://postgres@127.0.0.1:5432/fleet"
    db_pool_min: int = Field(default=1, ge=1)
    db_pool_max: int = Field(default=10, ge=1)

    mqtt_url: str = "mqtt://127.0.0.1:1884"
    mqtt_username: str = "ingest"
    mqtt_password: SecretStr = SecretStr(DEFAULT_SECRET)
    # The services' MQTT version towards the broker: "5", or "3.1.1" for a broker that speaks
    # only that (NATS 2.9's MQTT listener). The ingest worker on MQTT needs 5 (shared
    # subscriptions); on NATS it reads JetStream and does not use MQTT.
    mqtt_protocol: Literal["5", "3.1.1"] = "5"
    # With an mqtts:// URL the services check the broker's certificate against this CA
    # file (the system's CAs when unset).
    mqtt_ca_file: str | None = None
    # The project's broker also listens with TLS on broker_tls_port when both files are set
    # (`python -m fleetbase broker-config`); trackers on the internet use that listener.
    broker_tls_port: int = Field(default=8883, ge=1, le=65535)
    broker_tls_certfile: str | None = None
    broker_tls_keyfile: str | None = None

    # The HTTP ingress's and a Traccar server's broker logins (services, like ingest's):
    # each is in the broker's password file when its password is set (in demo mode, one
    # derived from the demo password when unset; see fleetbase/broker.py).
    http_ingress_mqtt_password: SecretStr | None = None
    traccar_mqtt_password: SecretStr | None = None

    demo_mode: bool = False
    demo_password: SecretStr = SecretStr(DEFAULT_SECRET)

    retention_days: int = Field(default=60, ge=1, le=3650)
    # How long the audit log keeps an entry (docs/PRIVACY.md): a year, the CNIL's usual
    # span for access logs; removed only by the scheduler's retention job.
    audit_retention_days: int = Field(default=365, ge=30, le=3650)
    storage_backend: StorageBackend = StorageBackend.AUTO  # fleetbase/storage.py
    timezone: str = "Europe/Paris"
    # The address people reach the service's pages at (behind its TLS proxy, if any): the
    # links e-mails carry (a garage's ticket at <public_url>/reparations/<id>).
    public_url: str = "http://127.0.0.1:8000"

    # A lent vehicle's position (fleetbase/location_policy.py, docs/PRIVACY.md); during an
    # open incident its history is shown from the incident's start and at most
    # incident_lookback_hours before; an incident closes by itself incident_auto_close_days
    # after it was opened or last renewed.
    loan_location_policy: LocationPolicy = LocationPolicy.COARSE
    incident_lookback_hours: float = Field(default=24.0, ge=0, le=24 * 31)
    incident_auto_close_days: float = Field(default=7.0, gt=0, le=92)
    # A loan still overdue this many days after its end: the fleet manager is alerted and
    # offered to open a "vehicle not returned" incident.
    incident_not_returned_days: float = Field(default=2.0, ge=0, le=92)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("public_url")
    @classmethod
    def _public_address(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).hostname:
            raise ValueError("public_url must be an http:// or https:// address")
        return value.rstrip("/")

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_scheme(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("mqtt", "mqtts"):
            raise ValueError("mqtt_url must start with mqtt:// or mqtts://")
        return value

    @classmethod
    def load(cls, **overrides: Any) -> Self:
        """Read the environment (plus `overrides`) and refuse default secrets in production.

        Secrets may also come from files named like their variable (`FLEET_MQTT_PASSWORD`…)
        in FLEET_SECRETS_DIR, or in systemd's $CREDENTIALS_DIRECTORY (`LoadCredential=`),
        so they never sit in an environment file."""
        secrets_dir = os.environ.get("FLEET_SECRETS_DIR") or os.environ.get("CREDENTIALS_DIRECTORY")
        if secrets_dir and "_secrets_dir" not in overrides:
            overrides["_secrets_dir"] = secrets_dir
        settings = cls(**overrides)
        settings.check_secrets()
        return settings

    def secrets(self) -> dict[str, SecretStr]:
        """The secrets this process needs, by setting name; subclasses add theirs."""
        return {"mqtt_password": self.mqtt_password}

    def check_secrets(self) -> None:
        if self.demo_mode:
            return
        defaults = sorted(
            name for name, value in self.secrets().items() if value.get_secret_value() in ("", DEFAULT_SECRET)
        )
        if defaults:
            names = ", ".join(f"FLEET_{name.upper()}" for name in defaults)
            raise ConfigurationError(f"refusing to start outside demo mode with default secrets: {names}")

    @property
    def mqtt_host(self) -> str:
        return urlsplit(self.mqtt_url).hostname or "127.0.0.1"

    @property
    def mqtt_tls(self) -> bool:
        return urlsplit(self.mqtt_url).scheme == "mqtts"

    @property
    def mqtt_port(self) -> int:
        parts = urlsplit(self.mqtt_url)
        return parts.port or (8883 if parts.scheme == "mqtts" else 1883)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)
