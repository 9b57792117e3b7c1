"""Settings refuse default secrets outside demo mode."""

import pytest

from fleetbase.errors import ConfigurationError
from fleetbase.settings import FleetSettings


def test_production_refuses_default_secrets(monkeypatch):
    monkeypatch.delenv("FLEET_MQTT_PASSWORD", raising=False)

    with pytest.raises(ConfigurationError, match="FLEET_MQTT_PASSWORD"):
        FleetSettings.load(demo_mode=False)


def test_production_starts_with_its_own_secrets(monkeypatch):
    monkeypatch.setenv("FLEET_MQTT_PASSWORD", "a-real-secret")

    settings = FleetSettings.load(demo_mode=False)

    assert settings.mqtt_password.get_secret_value() == "a-real-secret"


def test_demo_mode_accepts_default_secrets():
    assert FleetSettings.load(demo_mode=True).demo_mode


def test_an_unknown_time_zone_is_refused():
    with pytest.raises(ValueError, match="time zone"):
        FleetSettings(timezone="Europe/Dax")


def test_the_public_address_is_a_web_address_without_its_trailing_slash(monkeypatch):
    monkeypatch.setenv("FLEET_PUBLIC_URL", "https://flotte.example.org/")
    assert FleetSettings.load(demo_mode=True).public_url == "https://flotte.example.org"
    assert FleetSettings(demo_mode=True, public_url="http://127.0.0.1:8000").public_url == "http://127.0.0.1:8000"
    for wrong in ("flotte.example.org", "ftp://flotte.example.org", "https://"):
        with pytest.raises(ValueError, match="public_url"):
            FleetSettings(public_url=wrong)
