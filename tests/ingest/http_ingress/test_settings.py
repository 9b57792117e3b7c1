"""The HTTP ingress refuses to start outside demo mode without its broker password."""

import pytest

from fleetbase.errors import ConfigurationError
from ingest.http_ingress.settings import HttpIngressSettings


def test_outside_demo_mode_the_ingress_needs_its_broker_password(monkeypatch):
    monkeypatch.delenv("FLEET_HTTP_INGRESS_MQTT_PASSWORD", raising=False)
    monkeypatch.delenv("FLEET_DEMO_MODE", raising=False)

    with pytest.raises(ConfigurationError) as refused:
        HttpIngressSettings.load()

    assert "FLEET_HTTP_INGRESS_MQTT_PASSWORD" in refused.value.detail
    assert (
        HttpIngressSettings.load(http_ingress_mqtt_password="s3cret-for-the-broker").broker_password
        == "s3cret-for-the-broker"
    )
