"""Schemathesis against the running API: whatever the input, no 5xx and no answer that breaks
its own OpenAPI schema (status, content type, body).

The calls go to a real uvicorn on loopback as an admin (the role that may call every
route), so they reach the code behind authorization. Each call gets a freshly minted
token and the admin re-enabled, because the fuzzer may log out or change that user.
Left out: the endless live stream, and `/healthz`, whose 503 is its answer when the
broker is not running (tested in test_health.py).

Two tests: every operation on its own (FLEET_FUZZ_EXAMPLES cases each, 15 by default),
and sequences of calls chained by the links schemathesis infers from the schema (an id
a POST answered, used by the next call; FLEET_FUZZ_SCENARIOS sequences, 5 by default).
`make fuzz` runs both deeper (see the Makefile).
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import Flaky
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.repository import token_digest
from fleet_api.app import create_app
from fleetbase.db import connect
from fleetbase.passwords import hash_user_password
from tests.fleet_api.conftest import Server, api_settings

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = int(os.environ.get("FLEET_FUZZ_EXAMPLES", "15"))
SCENARIOS = int(os.environ.get("FLEET_FUZZ_SCENARIOS", "5"))


@pytest.fixture(scope="module")
def fuzz_server(module_db):
    with connect(module_db) as conn:
        conn.execute(
            "INSERT INTO users (username, full_name, role, password_hash)"
            " VALUES ('fuzz-admin', 'Fuzz', 'admin', %(hash)s)",
            {"hash": hash_user_password(secrets.token_urlsafe(12))},
        )
    with Server(create_app(api_settings(module_db))) as server:
        yield server


def fresh_admin_headers(database_url: str) -> dict[str, str]:
    token = secrets.token_urlsafe(24)
    now = datetime.now(UTC)
    with connect(database_url) as conn:
        user_id = conn.execute(
            "UPDATE users SET disabled_at = NULL, role = 'admin', garage_id = NULL,"
            " prescriber_id = NULL WHERE username = 'fuzz-admin' RETURNING id"
        ).fetchone()["id"]
        conn.execute(
            "INSERT INTO api_tokens (token_hash, user_id, created_at, expires_at)"
            " VALUES (%(hash)s, %(user_id)s, %(now)s, %(expires)s)",
            {"hash": token_digest(token), "user_id": user_id, "now": now, "expires": now + timedelta(hours=1)},
        )
    return {"Authorization": f"Bearer {token}"}


# The schema is the app's own (no database needed to build it); calls go to `fuzz_server`.
schema = (
    schemathesis.openapi.from_dict(create_app(api_settings("postgresql://unused")).openapi())
    .exclude(path="/api/v1/fleet/stream")
    .exclude(path="/healthz")
)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_input_breaks_the_api(case, fuzz_server, module_db):
    case.call_and_validate(base_url=fuzz_server.url, headers=fresh_admin_headers(module_db), checks=CHECKS, timeout=20)


def test_no_sequence_of_calls_breaks_the_api(fuzz_server, module_db):
    """Call sequences until SCENARIOS have run. The server's state carries over from one
    sequence to the next (a label taken, a loan validated), so Hypothesis, replaying a
    sequence, may see other answers and stop with `Flaky`: that says nothing of the API.
    The run then goes on with new sequences, and only the checks' own failures count."""
    failures: list[str] = []
    completed = 0

    class Workflow(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"base_url": fuzz_server.url, "headers": fresh_admin_headers(module_db), "timeout": 20}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            try:
                case.validate_response(response, checks=CHECKS, transport_kwargs=kwargs)
            except Exception as error:
                failures.append(f"{error}\n{case.as_curl_command()}")
                raise

        def teardown(self):
            nonlocal completed
            completed += 1

    for runs in range(1, 21):  # noqa: B007 (printed after the loop)
        try:
            Workflow.run(
                settings=settings(
                    max_examples=max(1, SCENARIOS - completed),
                    stateful_step_count=8,
                    deadline=None,
                    phases=[Phase.generate],
                    derandomize=True,
                    suppress_health_check=list(HealthCheck),
                )
            )
        except Flaky:
            if failures:
                break
        if failures or completed >= SCENARIOS:
            break
    print(f"{completed} call sequences ran, in {runs} run(s) of the state machine")
    assert not failures, "\n\n".join(failures)
    assert completed >= SCENARIOS, f"only {completed} call sequences ran"
