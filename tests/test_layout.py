"""The shape of the code: the domain packages never need the HTTP side to run."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.factories import source_packages

ROOT = Path(__file__).resolve().parents[1]
HTTP = ("fleet_api", "fastapi", "starlette")
# Processes whose job is HTTP (the phones' ingress) may use FastAPI.
SERVES_HTTP = {"ingest/http_ingress"}


def run_time_imports(path: Path) -> set[str]:
    """The top-level modules `path` imports when it runs (imports under `if TYPE_CHECKING:` left out)."""
    tree = ast.parse(path.read_text())
    typing_only = {
        id(node)
        for block in ast.walk(tree)
        if isinstance(block, ast.If) and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
        for node in ast.walk(block)
    }
    names = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_domain_package_imports_the_http_side():
    offenders = []
    for package in source_packages():
        if package in ("fleet_api", "device_sim"):
            continue
        for path in (ROOT / package).rglob("*.py"):
            where = str(path.relative_to(ROOT))
            if any(where.startswith(prefix) for prefix in SERVES_HTTP):
                continue
            wrong = run_time_imports(path) & set(HTTP)
            if wrong:
                offenders.append(f"{where}: {sorted(wrong)}")
    assert not offenders, "the HTTP side belongs in fleet_api/:\n" + "\n".join(offenders)


def test_the_service_never_starts_its_own_broker():
    """localbrokers/ runs Mosquitto and nats-server as child processes, for the demo, the
    tests and the benchmarks; in production the brokers are system services."""
    offenders = [
        str(path.relative_to(ROOT))
        for package in source_packages()
        if package != "localbrokers"
        for path in (ROOT / package).rglob("*.py")
        if "localbrokers" in run_time_imports(path)
    ]
    assert not offenders, "only the demo, the tests and the benchmarks use localbrokers:\n" + "\n".join(offenders)
