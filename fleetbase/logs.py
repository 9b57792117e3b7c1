"""One logging set-up for every process (`setup_logging`), and the request id the API
puts on every line logged while it answers a request.

`FLEET_LOG_FORMAT=json` (the default) writes one JSON object per line on stderr — time
(UTC, ISO 8601), level, process, logger, message, request_id when there is one, and the
exception's traceback — which the journal or a log collector keeps and searches;
`text` writes the same as a readable line (`make demo` uses it). `FLEET_LOG_LEVEL` sets
the level (INFO by default).
"""

from __future__ import annotations

import contextvars
import json
import logging
import os
import sys
from datetime import UTC, datetime

request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else was passed with `extra=` and is kept.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    def __init__(self, process: str) -> None:
        super().__init__()
        self.process = process

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "process": self.process,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            entry["request_id"] = current
        entry.update({key: value for key, value in record.__dict__.items() if key not in _STANDARD})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self, process: str) -> None:
        super().__init__("%(asctime)s " + process + " %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        current = request_id.get()
        return f"{line} [request {current}]" if current else line


def setup_logging(process: str, *, level: str | int | None = None, fmt: str | None = None) -> None:
    """Configure the root logger once for this process (again replaces the handler)."""
    fmt = (fmt or os.environ.get("FLEET_LOG_FORMAT") or "json").lower()
    if fmt not in ("json", "text"):
        raise ValueError(f"FLEET_LOG_FORMAT must be json or text, not {fmt!r}")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(process) if fmt == "json" else TextFormatter(process))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level or os.environ.get("FLEET_LOG_LEVEL", "INFO").upper())
    for chatty in ("httpx", "httpcore"):  # a line per outgoing request: ours say what matters
        logging.getLogger(chatty).setLevel(logging.WARNING)
