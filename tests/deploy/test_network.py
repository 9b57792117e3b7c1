"""The network deployment (deploy/network/): what Prometheus and the dashboard ask for is
what the code exposes, and the image holds every package the project installs."""

from __future__ import annotations

import json
import re
import tomllib
from collections import Counter
from pathlib import Path

import yaml

from fleet_api.metrics import RequestMetrics
from ingest.metrics import Counters
from ingest.service import BatchOutcome

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ROOT / "deploy" / "network"
METRIC = re.compile(r"\b((?:fleet_api|ingest)_[a-z_]+)\b")


def exposed_names() -> set[str]:
    """Every sample name `/metrics` can show: the API's requests and the ingest counters."""
    api = RequestMetrics()
    api.record("GET", "/healthz", 200, 0.01)
    names = {sample.name for family in api.registry.collect() for sample in family.samples}
    ingest = Counters()
    ingest.record(
        BatchOutcome(
            messages=3,
            readings=2,
            stored=1,
            duplicates=1,
            out_of_order=1,
            statuses=1,
            ignored_types=Counter(lwt=1),
            rejected=Counter(bad_json=1),
            flags=Counter(jump=1),
            zone_events=1,
            alerts_opened=1,
        ),
        lags_s=[0.2],
    )
    return names | {name.split("{", 1)[0] for name in ingest.values}


def queries() -> list[str]:
    dashboards = [json.loads(path.read_text()) for path in (NETWORK / "grafana" / "dashboards").glob("*.json")]
    exprs = [target["expr"] for dashboard in dashboards for panel in dashboard["panels"] for target in panel["targets"]]
    rules = yaml.safe_load((NETWORK / "prometheus" / "alerts.yml").read_text())
    return exprs + [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_the_dashboard_and_the_alerts_ask_only_for_metrics_the_code_exposes():
    asked = {name for expr in queries() for name in METRIC.findall(expr)}
    assert len(queries()) >= 10 and asked
    assert asked <= exposed_names(), asked - exposed_names()


def test_the_dashboard_reads_the_provisioned_prometheus():
    datasource = yaml.safe_load((NETWORK / "grafana" / "provisioning" / "datasources" / "prometheus.yml").read_text())
    [uid] = [source["uid"] for source in datasource["datasources"]]
    for path in (NETWORK / "grafana" / "dashboards").glob("*.json"):
        for panel in json.loads(path.read_text())["panels"]:
            assert panel["datasource"]["uid"] == uid, panel["title"]


def test_the_image_holds_every_package_the_project_installs():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = {pattern.rstrip("*") for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]}
    copied = set(re.findall(r"^COPY (\w+) \1$", (NETWORK / "Dockerfile").read_text(), re.M))
    assert packages == copied


def compose() -> dict:
    return yaml.safe_load((NETWORK / "compose.yaml").read_text())


def test_the_compose_files_settings_exist_and_its_secrets_are_files_git_ignores():
    from fleet_api.settings import ApiSettings
    from ingest.settings import IngestSettings
    from scheduler.settings import SchedulerSettings

    known = {
        f"FLEET_{name.upper()}"
        for settings in (ApiSettings, IngestSettings, SchedulerSettings)
        for name in settings.model_fields
    } | {"FLEET_SECRETS_DIR", "FLEET_LOG_FORMAT", "FLEET_LOG_LEVEL"}
    services = compose()["services"]
    used = {
        name
        for service in services.values()
        for name in (service.get("environment") or {})
        if name.startswith("FLEET_")
    }
    targets = {
        secret["target"]
        for service in services.values()
        for secret in service.get("secrets", [])
        if isinstance(secret, dict)
    }
    assert used and used <= known, used - known
    assert targets <= known and "FLEET_DATABASE_URL" in targets
    assert not any(
        "PASSWORD" in name and not name.endswith("_FILE")
        for service in services.values()
        for name in (service.get("environment") or {})
    ), "a password in the environment"
    files = [Path(secret["file"]) for secret in compose()["secrets"].values()]
    assert all(path.parts[:2] == (".", "secrets") or path.parts[0] == "secrets" for path in files)
    assert "deploy/network/secrets/" in (ROOT / ".gitignore").read_text().splitlines()


def test_every_image_is_pinned_and_every_command_is_a_module_of_ours():
    import importlib.util

    for name, service in compose()["services"].items():
        image = service.get("image", "")
        assert ":" in image and not image.endswith(":latest"), name
        command = service.get("command") or []
        if command[:2] == ["python", "-m"]:
            assert importlib.util.find_spec(command[2]) is not None, name
    ingest = compose()["services"]["ingest"]
    assert ingest["environment"]["FLEET_INGEST_SOURCE"] == "nats"
    assert len(ingest["environment"]["FLEET_NATS_URLS"].split(",")) == 3
