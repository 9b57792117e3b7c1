"""A burst of requests larger than the connection pool and the server's thread pool is
served, not stalled: requests wait for a connection in the event loop, not in a thread."""

from __future__ import annotations

import threading

import httpx

from fleet_api.app import create_app
from tests.fleet_api.conftest import Server, api_settings, bearer, token_for

BURST = 80  # above the server's 40 worker threads


def test_a_burst_beyond_the_pool_and_the_thread_pool_is_served(api_db):
    with (
        Server(create_app(api_settings(api_db, db_pool_max=2))) as server,
        httpx.Client(base_url=server.url, timeout=60) as client,
    ):
        manager = bearer(token_for(client, "manager"))
        barrier = threading.Barrier(BURST)
        statuses: list[int] = []

        def fetch() -> None:
            with httpx.Client(base_url=server.url, timeout=60) as own:
                barrier.wait()
                statuses.append(own.get("/api/v1/vehicles", headers=manager).status_code)

        threads = [threading.Thread(target=fetch) for _ in range(BURST)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

    assert statuses == [200] * BURST
