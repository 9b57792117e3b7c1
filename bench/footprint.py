"""`make bench-footprint`: what the whole stack costs one small server.

Runs `deploy/demo.py` (broker, API, ingest worker, scheduler, simulator) on its own
database and ports, in real time, with the 42 demo vehicles all reporting every 10 s;
after a warm-up, measures for a window:
- memory: the sum of the processes' proportional set size (PSS: a page shared by several
  processes counted once, shared between them), the PostgreSQL backends serving the
  stack included, and RSS beside it;
- CPU: the processes' user + system time over the window, as a share of one core.

No ratio to a baseline here: a footprint is an amount, compared with the target for a
2-core, 2 GB server (under 600 MB, under 5 % of one core). The launcher itself (and the
demo's e-mail catcher inside it) is not counted: a server has no launcher.

    python bench/footprint.py [--warmup 60] [--window 60]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psycopg

from localbrokers.ports import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("FLEET_TEST_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DATABASE = "fleet_footprint"
TICKS = os.sysconf("SC_CLK_TCK")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if parent == pid:
                found.append(int(entry.name))
    return found


def descendants(pid: int) -> list[int]:
    result, queue = [], children_of(pid)
    while queue:
        child = queue.pop()
        result.append(child)
        queue.extend(children_of(child))
    return result


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def name(pid: int) -> str:
    """`python -m <name>`'s name; a helper process (multiprocessing) by its parent's."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [part.decode(errors="replace") for part in argv if part]
    if words and "postgres" in words[0]:  # a backend's title: "postgres: main: user db host state"
        return "postgres backends"
    if "-m" in words:
        return words[words.index("-m") + 1]
    if words and Path(words[0]).name.startswith("python"):
        return f"{name(parent_of(pid))} (child)"
    return Path(words[0]).name if words else "?"


def memory_kib(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in KiB."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def backends(database: str) -> list[int]:
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        return [
            row[0]
            for row in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database]
            )
        ]


def wait_healthy(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except Exception:
            time.sleep(0.5)
    raise SystemExit(f"the stack did not become healthy within {timeout:.0f} s ({url})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--warmup", type=float, default=60.0)
    parser.add_argument("--window", type=float, default=60.0)
    args = parser.parse_args()

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
    api_port, mqtt_port = free_port(), free_port()
    url = ADMIN_URL.rsplit("/", 1)[0] + f"/{DATABASE}"
    environment = {
        **os.environ,
        "FLEET_DATABASE_URL": url,
        "FLEET_API_PORT": str(api_port),
        "FLEET_MQTT_URL": f"mqtt://127.0.0.1:{mqtt_port}",
        "FLEET_SIM_TIME_FACTOR": "1",
        "FLEET_SIM_MOVING_INTERVAL_S": "10",
        "FLEET_SIM_PARKED_INTERVAL_S": "10",
        "FLEET_SIM_SEED": "7",
    }
    launcher = subprocess.Popen(
        [sys.executable, "deploy/demo.py"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_healthy(f"http://127.0.0.1:{api_port}/healthz", timeout=120)
        time.sleep(args.warmup)  # a benchmark's warm-up, not a test's wait
        pids = descendants(launcher.pid) + backends(DATABASE)
        before = {pid: cpu_seconds(pid) for pid in pids}
        started = time.monotonic()
        time.sleep(args.window)
        elapsed = time.monotonic() - started
        pids = [pid for pid in pids if Path(f"/proc/{pid}").exists()]
        rows = []
        for pid in pids:
            pss, rss = memory_kib(pid)
            rows.append((name(pid), pid, pss, rss, cpu_seconds(pid) - before.get(pid, 0.0)))
        with psycopg.connect(url) as conn:
            stored = conn.execute(
                "SELECT count(*) FROM positions WHERE received_at > now() - %s * interval '1 second'", [elapsed]
            ).fetchone()[0]
    finally:
        os.killpg(launcher.pid, signal.SIGINT)
        try:
            launcher.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(launcher.pid, signal.SIGKILL)
            launcher.wait()

    grouped: dict[str, list[float]] = {}
    for process, _pid, pss, rss, cpu in rows:
        totals = grouped.setdefault(process, [0, 0, 0.0, 0])
        totals[0] += pss
        totals[1] += rss
        totals[2] += cpu
        totals[3] += 1
    print(f"{'process':<20} {'n':>3} {'PSS MiB':>9} {'RSS MiB':>9} {'CPU % of a core':>16}")
    for key, (pss, rss, cpu, count) in sorted(grouped.items()):
        print(f"{key:<20} {count:>3} {pss / 1024:>9.1f} {rss / 1024:>9.1f} {100 * cpu / elapsed:>16.2f}")
    pss_total = sum(row[2] for row in rows) / 1024
    rss_total = sum(row[3] for row in rows) / 1024
    cpu_total = 100 * sum(row[4] for row in rows) / elapsed
    print(f"{'whole stack':<20} {len(rows):>3} {pss_total:>9.1f} {rss_total:>9.1f} {cpu_total:>16.2f}")
    print(f"readings stored in the {elapsed:.0f} s window: {stored} ({stored / elapsed:.1f}/s)")
    print(
        f"target: under 600 MB and under 5 % of one core -> "
        f"{'met' if rss_total < 600 and cpu_total < 5 else 'NOT met'} (RSS sum, as the issue counts)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
