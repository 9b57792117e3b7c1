"""`make bench-web`: the web application's map page, in Debian's Chromium (headless).

Three figures, each beside a baseline measured in the same run on the same machine:

1. Weight: the map page's own HTML, CSS and JavaScript as gzip (level 6) would send them,
   against the target of 250 KB; the base layer (land, roads, towns) gets its own figure.
   Baseline: the sign-in page, the smallest page of the same layout.
2. First map drawn: from navigation to the moment the 42 demo vehicles are on the map
   (the page's `carte-dessinee` performance mark, after the stream's snapshot is drawn),
   median of 7 loads, on loopback. Target: within 1 s. Baseline: the same page's
   DOMContentLoaded, which no script of ours delays.
3. Busy stream: 10,000 vehicles, 1,000 of them changing every second (100 every 100 ms,
   written to vehicle_state and announced with NOTIFY as the ingest workers do, so the
   real stream carries them) for 15 s. A PerformanceObserver in the page records every
   main-thread task over 50 ms ("long tasks"); target: none above 200 ms while the stream
   runs. Baseline: the same page and fleet with an idle stream for the same time.

The API runs as its own uvicorn process on a database built for the run (dropped at the end).
"""

from __future__ import annotations

import gzip
import multiprocessing
import os
import random
import re
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fleetbase.db import connect  # noqa: E402
from fleetbase.migrate import apply_migrations  # noqa: E402
from fleetbase.seed import seed_demo  # noqa: E402
from fleetbase.settings import FleetSettings  # noqa: E402
from localbrokers.ports import free_port  # noqa: E402

ADMIN_URL = os.environ.get("FLEET_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DEMO_PASSWORD = "bench-web-password"
CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
LONG_TASKS = """
window.__longTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__longTasks.push({start: entry.startTime, duration: entry.duration});
}).observe({entryTypes: ["longtask"]});
"""


def database_url(name: str) -> str:
    return ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def build_database(name: str, *, vehicles: int) -> str:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = database_url(name)
    apply_migrations(url)
    with connect(url) as conn:
        seed_demo(conn, settings=FleetSettings(database_url=url, demo_mode=True, demo_password=DEMO_PASSWORD))
        conn.execute(
            "INSERT INTO vehicles (label, kind, energy, home_site_id)"
            " SELECT 'velo-' || i, 'ebike', 'electric', (SELECT min(id) FROM sites) + i %% 5"
            " FROM generate_series(1, %(extra)s) AS i",
            {"extra": max(0, vehicles - 42)},
        )
        conn.execute(
            "INSERT INTO vehicle_state (vehicle_id, fix_time, lat, lon, speed_kmh, battery_pct,"
            " effective_odometer_km, last_seen_at)"
            " SELECT v.id, now(), s.lat + (random() - 0.5) / 5, s.lon + (random() - 0.5) / 5, 0,"
            " 5 + random() * 95, 1000, now() FROM vehicles v JOIN sites s ON s.id = v.home_site_id"
        )
    return url


def drop_database(url: str) -> None:
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(url.rsplit("/", 1)[1])))


def serve(port: int, url: str) -> None:
    """Child process: the API and its pages under uvicorn."""
    import uvicorn

    from fleet_api.app import create_app
    from fleet_api.settings import ApiSettings

    app = create_app(ApiSettings(database_url=url, demo_mode=True, demo_password=DEMO_PASSWORD))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


class Site:
    def __init__(self, url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = multiprocessing.get_context("spawn").Process(target=serve, args=(self.port, url))

    def __enter__(self) -> Site:
        self.process.start()
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{self.url}/connexion", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the app did not start")
            time.sleep(0.1)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.join(10)
        if self.process.is_alive():
            self.process.kill()


def gzip_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


def page_weight(client: httpx.Client, path: str) -> tuple[int, int, list[str]]:
    """(raw bytes, gzip bytes, assets) of a page's HTML and the CSS and JavaScript it names."""
    html = client.get(path)
    assets = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', html.text)
    bodies = [html.content] + [client.get(asset).content for asset in assets]
    return sum(len(body) for body in bodies), sum(gzip_size(body) for body in bodies), assets


def signed_in_client(site: Site) -> httpx.Client:
    client = httpx.Client(base_url=site.url, timeout=120)  # the base layer is built on its first request
    form = client.get("/connexion")
    login_csrf = re.search(r'name="login_csrf" value="([^"]+)"', form.text).group(1)
    client.post("/connexion", data={"username": "manager", "password": DEMO_PASSWORD, "login_csrf": login_csrf})
    return client


def sign_in(page, site: Site) -> None:
    page.goto(f"{site.url}/connexion")
    page.fill("#username", "manager")
    page.fill("#password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/carte")


def first_map_times(browser, site: Site, runs: int = 7) -> tuple[list[float], list[float]]:
    """Per load: ms to the `carte-dessinee` mark, and ms to DOMContentLoaded (the baseline)."""
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    page = context.new_page()
    sign_in(page, site)
    page.goto(f"{site.url}/carte/fond.geojson")  # built once per process; not part of a page load
    drawn, loaded = [], []
    for _ in range(runs):
        page.goto(f"{site.url}/carte")
        page.wait_for_function("() => performance.getEntriesByName('carte-dessinee').length > 0", timeout=30000)
        drawn.append(page.evaluate("() => performance.getEntriesByName('carte-dessinee')[0].startTime"))
        loaded.append(page.evaluate("() => performance.getEntriesByType('navigation')[0].domContentLoadedEventEnd"))
        assert page.evaluate("() => window.fleetMap.vehicles.size") == 42
    context.close()
    return drawn, loaded


def changes(url: str, *, per_second: int, seconds: float, vehicle_count: int, stop: threading.Event) -> int:
    """Move `per_second` random vehicles a second, in batches every 100 ms, as ingest would."""
    sent = 0
    batch = per_second // 10
    with psycopg.connect(url, autocommit=True) as conn:
        ids = [row[0] for row in conn.execute("SELECT id FROM vehicles")]
        deadline = time.monotonic() + seconds
        tick = time.monotonic()
        while time.monotonic() < deadline and not stop.is_set():
            chosen = random.sample(ids, batch)
            with conn.transaction():
                conn.execute(
                    "UPDATE vehicle_state SET lat = lat + (random() - 0.5) / 500,"
                    " lon = lon + (random() - 0.5) / 500, battery_pct = greatest(0, battery_pct - 0.1),"
                    " last_seen_at = now() WHERE vehicle_id = ANY(%(ids)s)",
                    {"ids": chosen},
                )
                conn.execute(
                    "SELECT pg_notify('vehicle_state', json_build_object('vehicle_ids', %(ids)s::bigint[])::text)",
                    {"ids": chosen},
                )
            sent += batch
            tick += 0.1
            time.sleep(max(0.0, tick - time.monotonic()))
    return sent


def busy_stream(browser, site: Site, url: str, *, vehicle_count: int, per_second: int, seconds: float) -> dict:
    context = browser.new_context(viewport={"width": 1366, "height": 850})
    context.add_init_script(LONG_TASKS)
    page = context.new_page()
    sign_in(page, site)
    page.wait_for_function(
        f"() => window.fleetMap && window.fleetMap.vehicles.size === {vehicle_count}", timeout=120000
    )
    page.wait_for_timeout(3000)  # let markercluster's chunked loading finish
    startup = page.evaluate("() => window.__longTasks.map(t => t.duration)")
    page.evaluate("() => { window.__longTasks = []; window.fleetMap.frames = 0; }")
    stop = threading.Event()
    sent = [0]
    if per_second:
        writer = threading.Thread(
            target=lambda: sent.__setitem__(
                0, changes(url, per_second=per_second, seconds=seconds, vehicle_count=vehicle_count, stop=stop)
            )
        )
        writer.start()
        writer.join()
        page.wait_for_timeout(1500)  # the last changes reach the page
    else:
        page.wait_for_timeout(seconds * 1000 + 1500)
    tasks = page.evaluate("() => window.__longTasks.map(t => t.duration)")
    frames = page.evaluate("() => window.fleetMap.frames")
    context.close()
    return {
        "startup_max_ms": max(startup, default=0.0),
        "max_ms": max(tasks, default=0.0),
        "count": len(tasks),
        "total_ms": sum(tasks),
        "frames": frames,
        "sent": sent[0],
    }


def main() -> None:
    from playwright.sync_api import sync_playwright

    print(f"web bench on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average {os.getloadavg()}")
    demo_url = build_database("fleet_bench_web_demo", vehicles=42)
    big_url = build_database("fleet_bench_web_big", vehicles=10_000)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
            with Site(demo_url) as site:
                client = signed_in_client(site)
                raw, packed, assets = page_weight(client, "/carte")
                base_raw, base_packed, _ = page_weight(httpx.Client(base_url=site.url), "/connexion")
                layer = client.get("/carte/fond.geojson").content
                print(
                    f"\n1. weight of /carte (HTML + {len(assets)} CSS/JS files): {raw / 1024:.0f} KiB raw, "
                    f"{packed / 1024:.1f} KiB gzip (target <= 250 KB); sign-in page (baseline) "
                    f"{base_packed / 1024:.1f} KiB gzip, ratio {packed / base_packed:.1f}"
                )
                print(
                    f"   base layer /carte/fond.geojson: {len(layer) / 1024:.0f} KiB raw, "
                    f"{gzip_size(layer) / 1024:.1f} KiB gzip"
                )
                drawn, loaded = first_map_times(browser, site)
                print(
                    f"\n2. first map with 42 vehicles drawn: median {statistics.median(drawn):.0f} ms "
                    f"after navigation "
                    f"(min {min(drawn):.0f}, max {max(drawn):.0f}; target <= 1000 ms); DOMContentLoaded "
                    f"(baseline) median {statistics.median(loaded):.0f} ms, ratio "
                    f"{statistics.median(drawn) / statistics.median(loaded):.1f}"
                )
            with Site(big_url) as site:
                idle = busy_stream(browser, site, big_url, vehicle_count=10_000, per_second=0, seconds=15)
                busy = busy_stream(browser, site, big_url, vehicle_count=10_000, per_second=1000, seconds=15)
                print(f"\n3. 10,000 vehicles, first drawing: longest task {busy['startup_max_ms']:.0f} ms")
                print(
                    f"   stream idle (baseline) for 15 s: longest task {idle['max_ms']:.0f} ms, "
                    f"{idle['count']} long tasks"
                )
                print(
                    f"   1,000 changes/s for 15 s ({busy['sent']} changes sent, {busy['frames']} frames applied): "
                    f"longest task {busy['max_ms']:.0f} ms (target <= 200 ms), {busy['count']} long tasks "
                    f"totalling {busy['total_ms']:.0f} ms"
                )
            browser.close()
    finally:
        drop_database(demo_url)
        drop_database(big_url)
    print(f"\nload average at the end {os.getloadavg()}")


if __name__ == "__main__":
    main()
