"""`make demo`: the whole service with a simulated fleet, on this machine, until Ctrl-C.

Creates, migrates and seeds the database, runs the project's own Mosquitto (on the
port of FLEET_MQTT_URL, default 1884) with a login per seeded tracker, then starts
every runnable part that exists — API, ingest worker, HTTP ingress, scheduler, simulator — as child
processes, prints the URL and the demo logins, and stops them all on Ctrl-C.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
from demo_maintenance import prepare_maintenance, start_mail_catcher  # deploy/, beside this script
from demo_simulation import drop_database, plan_simulation

from fleet_api.settings import ApiSettings
from fleetbase.__main__ import create_database
from fleetbase.broker import BrokerFiles, service_logins, write_config, write_password_file
from fleetbase.db import connect
from fleetbase.migrate import apply_migrations
from fleetbase.seed import seed_demo
from fleetbase.seed_data import DEMO_USERS
from localbrokers.mosquitto import BrokerProcess
from tracking import live_repository

ROOT = Path(__file__).resolve().parent.parent
DEMO_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/fleet_demo"
SIMULATION_RECORD = ROOT / "var" / "demo-simulation.json"
BROKER_DIR = ROOT / "var" / "demo-broker"
# (package, what it is); each runs with `python -m package` when it has a __main__.
PARTS = (
    ("fleet_api", "API"),
    ("ingest", "ingest worker"),
    ("ingest.http_ingress", "HTTP ingress"),
    ("scheduler", "scheduler"),
    ("device_sim", "simulator"),
)


def runnable(package: str) -> bool:
    return importlib.util.find_spec(f"{package}.__main__") is not None


def wait_for_health(url: str, *, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            response = httpx.get(url, timeout=2)
        except httpx.HTTPError as error:  # not up yet: keep the reason
            last = str(error) or type(error).__name__
        else:
            if response.status_code == 200:
                return response.text
            last = f"{response.status_code} {response.text[:200]}"  # degraded (503): what is missing
        time.sleep(0.5)
    return f"not healthy after {timeout:.0f} s: {last}"


def latest_fix(database_url: str) -> datetime | None:
    """The newest reading the service stored (None before the first run)."""
    with connect(database_url, name="demo") as conn:
        return live_repository.latest_fix_time(conn)


def main() -> int:
    os.environ.setdefault("FLEET_DEMO_MODE", "true")
    os.environ.setdefault("FLEET_LOG_FORMAT", "text")  # a console a person reads
    os.environ.setdefault("FLEET_DEMO_PASSWORD", "landes-demo")
    own_database = "FLEET_DATABASE_URL" not in os.environ
    os.environ.setdefault("FLEET_DATABASE_URL", DEMO_DATABASE_URL)
    # The scheduler scans and mails often in the demo, so maintenance alerts show within minutes.
    for name, value in (
        ("FLEET_SCHEDULER_DUE_SCAN_S", "30"),
        ("FLEET_SCHEDULER_NOTIFY_S", "10"),
        ("FLEET_SCHEDULER_WEBHOOKS_S", "10"),
    ):
        os.environ.setdefault(name, value)
    # Since this morning, a minute per simulated hour: the fleet is on the road at once and
    # maintenance comes due within minutes (FLEET_SIM_TIME_FACTOR=1 for real time).
    os.environ.setdefault("FLEET_SIM_TIME_FACTOR", "60")
    settings = ApiSettings.load()  # FLEET_SIM_* are the simulator's: set after loading is fine

    create_database(settings.database_url)
    applied = apply_migrations(settings.database_url, storage_backend=settings.storage_backend)
    print(f"schema: {len(applied)} migration(s) applied" if applied else "schema: up to date")
    time_factor = float(os.environ["FLEET_SIM_TIME_FACTOR"])
    if time_factor > 1 and not {"FLEET_SIM_SEED", "FLEET_SIM_START"} & os.environ.keys():
        # The same simulated fleet as last time, going on where it stopped (deploy/demo_simulation.py).
        plan = plan_simulation(
            record_path=SIMULATION_RECORD,
            database_url=settings.database_url,
            latest_fix=latest_fix(settings.database_url),
            now=datetime.now(UTC),
            zone=settings.zone,
            own_database=own_database,
            time_factor=time_factor,
        )
        if plan.note:
            print(plan.note)
        if plan.recreate_database:
            drop_database(settings.database_url)
            create_database(settings.database_url)
            apply_migrations(settings.database_url, storage_backend=settings.storage_backend)
            # The broker's persistence may still queue the old fleet's readings for the ingest worker.
            shutil.rmtree(BROKER_DIR, ignore_errors=True)
        plan.save(SIMULATION_RECORD)
        os.environ.update(plan.environment())
    with connect(settings.database_url) as conn:
        report = seed_demo(conn, settings=settings)
        files = BrokerFiles(BROKER_DIR, port=settings.mqtt_port)
        write_config(files)
        write_password_file(conn, files.password_file, service_logins=service_logins(settings))
    print(f"seed: +{report.vehicles} vehicles, +{report.users} users")

    broker = BrokerProcess(files)
    broker.start()
    # Trackers registered through the API reach the broker without a restart: the API
    # rewrites this password file and sends the broker SIGHUP.
    pid_file = files.directory / "mosquitto.pid"
    pid_file.write_text(str(broker.process.pid))
    os.environ["FLEET_MQTT_PASSWORD_FILE"] = str(files.password_file)
    os.environ["FLEET_MQTT_BROKER_PID_FILE"] = str(pid_file)
    mail_dir = ROOT / "var" / "demo-mail"
    mail_catcher, smtp_port = start_mail_catcher(mail_dir)
    os.environ.setdefault("FLEET_SMTP_HOST", "127.0.0.1")
    os.environ.setdefault("FLEET_SMTP_PORT", str(smtp_port))
    children: list[tuple[str, subprocess.Popen]] = []
    try:
        for package, title in PARTS:
            if package in ("scheduler", "device_sim"):
                continue  # started below: the simulator books its loans through the API
            if runnable(package):
                children.append((title, subprocess.Popen([sys.executable, "-m", package], cwd=ROOT)))
        base = f"http://{settings.api_host}:{settings.api_port}"
        health = wait_for_health(f"{base}/healthz", timeout=30)
        if runnable("device_sim"):
            # The simulated participants' loans are booked at the demo coordinator's desk (device_sim.desk).
            os.environ.setdefault("FLEET_SIM_DESK_URL", base)
            children.append(("simulator", subprocess.Popen([sys.executable, "-m", "device_sim"], cwd=ROOT)))
        if runnable("scheduler"):
            history = prepare_maintenance(settings)
            print(f"maintenance: history written for {history} vehicle(s)")
            children.append(("scheduler", subprocess.Popen([sys.executable, "-m", "scheduler"], cwd=ROOT)))
        print("\n" + "=" * 72)
        print(f"Fleet service running: {base}  (API docs: {base}/docs)")
        print(f"web application: {base}/connexion  (sign in as manager for the live map, {base}/carte)")
        print(f"health: {health}")
        print(f"broker: {settings.mqtt_url} (log: {files.log_file})")
        print(
            f"phones over HTTP (Traccar Client, OwnTracks): {settings.http_ingress_public_url}"
            " (README: « Un téléphone comme tracker »)"
        )
        print("running: " + ", ".join(title for title, _ in children))
        print(
            f"demo logins (password: {settings.demo_password.get_secret_value()}): "
            + ", ".join(f"{username} ({role})" for username, role, _ in DEMO_USERS)
        )
        print(f"e-mails (alerts, garage notices): {mail_dir}/*.eml (SMTP catcher on 127.0.0.1:{smtp_port})")
        print("Ctrl-C stops everything.")
        print("=" * 72 + "\n", flush=True)
        while all(process.poll() is None for _, process in children):
            time.sleep(0.5)
        stopped = [title for title, process in children if process.poll() is not None]
        print(f"stopped unexpectedly: {', '.join(stopped)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…")
        return 0
    finally:
        for _, process in children:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for _, process in children:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
        broker.stop()
        mail_catcher.stop()


if __name__ == "__main__":
    sys.exit(main())
