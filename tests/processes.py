"""Waiting for conditions and running child processes in tests, on a machine that may be busy.

- `wait_until(condition)` polls until `condition()` is true (never a fixed sleep: a busy
  machine is slower, not wrong); it fails with `message` after `timeout`.
- `running(command)` starts a process and, whatever happens in the test, stops it on
  exit: SIGTERM, a grace period, then SIGKILL, so no test leaves a process behind.
"""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], *, timeout: float = 30.0, interval: float = 0.05, message: str | Callable[[], str] = ""
) -> T:
    """The first true value `condition()` returns; AssertionError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            detail = message() if callable(message) else message
            raise AssertionError(f"condition not met within {timeout} s" + (f": {detail}" if detail else ""))
        time.sleep(interval)


def stop_process(process: subprocess.Popen, *, grace: float = 15.0, sig: int = signal.SIGTERM) -> int:
    """Ask `process` to stop with `sig`; kill it if it has not exited after `grace` s. Its exit code."""
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


@contextmanager
def running(command: Sequence[str], *, grace: float = 15.0, **popen: object) -> Iterator[subprocess.Popen]:
    """`subprocess.Popen(command, **popen)`, stopped (then killed) when the block ends."""
    process = subprocess.Popen(list(command), **popen)  # type: ignore[call-overload]
    try:
        yield process
    finally:
        stop_process(process, grace=grace)
