"""Ending a long-running command (`python -m ingest`, `scheduler`, `device_sim`) cleanly, and promptly."""

import logging
import os
import signal
import threading


def stop_on_signals() -> threading.Event:
    """An event set by SIGTERM or SIGINT, so the run ends cleanly. Call from the main thread."""
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    return stop


def exit_when_stuck(stop: threading.Event, *, grace_s: float, log: logging.Logger, what: str = "jobs") -> None:
    """Once `stop` is set, give the process `grace_s` to end cleanly, then end it (exit code 3).

    A daemon thread: a clean stop that comes first ends the process, and the thread with it."""

    def watch() -> None:
        stop.wait()
        threading.Event().wait(grace_s)
        log.error("%s still running %g s after being told to stop: exiting anyway", what, grace_s)
        logging.shutdown()
        os._exit(3)

    threading.Thread(target=watch, name="stop-watchdog", daemon=True).start()
