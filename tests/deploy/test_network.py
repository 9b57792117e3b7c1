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
    ingest.record(BatchOutcome(messages=3, readings=2, stored=1, duplicates=1, out_of_order=1, statuses=1,
                               ignored_types=Counter(lwt=1), rejected=Counter(bad_json=1),
                               flags=Counter(jump=1), zone_events=1, alerts_opened=1), lags_s=[0.2])
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
