"""nats-server as a child process, with the configuration `fleetbase.nats.write_nats_config` wrote."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

from fleetbase.nats import NatsNode


class NatsProcess:
    """A `nats-server -c <config>` child process that can be stopped, killed and restarted."""

    def __init__(self, node: NatsNode, *, executable: str = "nats-server") -> None:
        self.node = node
        self.executable = shutil.which(executable) or "/usr/sbin/nats-server"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, *, timeout: float = 20.0) -> None:
        self.process = subprocess.Popen(
            [self.executable, "-c", str(self.node.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                raise RuntimeError(f"nats-server exited at start: {error} (see {self.node.log_file})")
            try:
                socket.create_connection((self.node.bind_address, self.node.mqtt_port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"nats-server did not listen on port {self.node.mqtt_port}")

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self, *, kill: bool = False) -> None:
        process = self.process
        if process is None or process.poll() is not None:  # not running
            return
        if kill:
            process.kill()
        else:
            process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
