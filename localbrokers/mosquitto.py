"""Mosquitto as a child process, with the configuration `fleetbase.broker.write_config` wrote."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import time

from fleetbase.broker import BrokerFiles


class BrokerProcess:
    """A `mosquitto -c <config>` child process that can be stopped, killed and restarted."""

    def __init__(self, files: BrokerFiles, *, executable: str = "mosquitto") -> None:
        self.files = files
        self.executable = shutil.which(executable) or "/usr/sbin/mosquitto"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 10.0) -> None:
        self.process = subprocess.Popen(
            [self.executable, "-c", str(self.files.config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"mosquitto exited at start: {error} (see {self.files.log_file})")
            try:
                socket.create_connection((self.files.bind_address, self.files.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"mosquitto did not listen on port {self.files.port}")

    def reload(self) -> None:
        """Re-read the password file and ACL without dropping connections (SIGHUP)."""
        if self.process is not None:
            self.process.send_signal(signal.SIGHUP)

    def stop(self, *, kill: bool = False) -> None:
        """Stop gracefully (the broker saves its persistence file) or kill it outright."""
        if self.process is None or self.process.poll() is not None:
            return
        if kill:
            self.process.kill()
        else:
            self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()
