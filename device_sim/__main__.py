"""`python -m device_sim`: the demo fleet until SIGTERM/SIGINT; `… load`: a load run.

Settings come from `FLEET_*` variables (`device_sim.settings`); flags override them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import datetime

from device_sim.settings import FAULT_NAMES, SimulatorSettings
from fleetbase.logs import setup_logging
from fleetbase.signals import exit_when_stuck, stop_on_signals

FAULT_FLAGS = {
    "gps_jump": "--gps-jumps",
    "duplicate": "--duplicates",
    "out_of_order": "--out-of-order",
    "clock_skew": "--clock-skew",
    "malformed": "--malformed",
    "unknown_tracker": "--unknown-tracker",
}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(
        prog="python -m device_sim",
        description=("Simulated trackers of the demo fleet publishing over MQTT (default), or a load run."),
    )
    main.add_argument("--mqtt-url", help="broker, e.g. mqtt://127.0.0.1:1884 (FLEET_MQTT_URL)")
    main.add_argument("--seed", type=int, help="same seed, same readings (FLEET_SIM_SEED)")
    main.add_argument("--time-factor", type=float, help="simulated seconds per second (FLEET_SIM_TIME_FACTOR)")
    main.add_argument(
        "--start", type=datetime.fromisoformat, help="simulated start, e.g. 2026-11-25T05:00:00Z (FLEET_SIM_START)"
    )
    main.add_argument(
        "--resume-at",
        type=datetime.fromisoformat,
        help="continue a run of the same --seed and --start from this moment (FLEET_SIM_RESUME_AT)",
    )
    main.add_argument("--only", help="comma-separated tracker ids (default: the whole fleet)")
    main.add_argument("--moving-interval", type=float, help="seconds between fixes while moving")
    main.add_argument("--parked-interval", type=float, help="seconds between fixes while parked")
    main.add_argument("--report-interval", type=float, help="seconds between two log lines")
    main.add_argument("--fault-rate", type=float, help="chance per reading of an enabled fault")
    for name, flag in FAULT_FLAGS.items():
        main.add_argument(flag, dest=f"fault_{name}", action="store_true", help=f"inject {name} faults")
    main.add_argument("--all-faults", action="store_true", help="every fault above")
    main.add_argument("-v", "--verbose", action="store_true")
    commands = main.add_subparsers(dest="command")
    load = commands.add_parser("load", help="publish many virtual trackers at a steady rate")
    load.add_argument("--trackers", type=int, required=True, help="virtual trackers")
    load.add_argument("--rate", type=float, required=True, help="messages per second, in all")
    load.add_argument("--duration", type=float, required=True, help="seconds")
    load.add_argument("--tracker-prefix", default="load-", help="virtual tracker ids: PREFIX00001…")
    load.add_argument("--connections", type=int, default=1, help="MQTT connections (default 1)")
    load.add_argument("--report-every", type=float, default=5.0, help="seconds between JSON lines")
    load.add_argument(
        "--mqtt-protocol", choices=("5", "3.1.1"), default="5", help="3.1.1 for NATS 2.9's MQTT listener (default 5)"
    )
    # Also accepted after `load`; SUPPRESS keeps a value given before `load`.
    load.add_argument("--mqtt-url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return main


def settings_from(args: argparse.Namespace) -> SimulatorSettings:
    """The environment's settings with the flags that were given on top."""
    overrides = {
        "mqtt_url": args.mqtt_url,
        "sim_seed": args.seed,
        "sim_time_factor": args.time_factor,
        "sim_start": args.start,
        "sim_resume_at": args.resume_at,
        "sim_trackers": args.only,
        "sim_moving_interval_s": args.moving_interval,
        "sim_parked_interval_s": args.parked_interval,
        "sim_report_interval_s": args.report_interval,
        "sim_fault_rate": args.fault_rate,
    }
    for name in FAULT_NAMES:
        if args.all_faults or getattr(args, f"fault_{name}"):
            overrides[f"sim_fault_{name}"] = True
    return SimulatorSettings.load(**{key: value for key, value in overrides.items() if value is not None})


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging("simulator", level=logging.DEBUG if args.verbose else None)
    settings = settings_from(args)
    stop = stop_on_signals()
    exit_when_stuck(stop, grace_s=settings.sim_stop_grace_s, log=logging.getLogger("device_sim"), what="the simulator")
    if args.command == "load":
        from device_sim.load import run_load

        def print_line(report) -> None:
            print(json.dumps(report.to_json()), flush=True)

        report = run_load(
            settings,
            trackers=args.trackers,
            rate=args.rate,
            duration=args.duration,
            tracker_prefix=args.tracker_prefix,
            connections=args.connections,
            mqtt_v311=args.mqtt_protocol == "3.1.1",
            report_interval_s=args.report_every,
            on_report=print_line,
            stop=stop,
            stop_drain_s=settings.sim_stop_grace_s / 2,
        )
        return 0 if report.error is None else 1
    from device_sim.runner import FleetRunner

    FleetRunner(settings).run(stop)
    return 0


if __name__ == "__main__":
    sys.exit(main())
