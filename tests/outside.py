"""What lies outside the system, for real: an SMTP server (aiosmtpd) and a garage's own
web hook receiver (http.server in a thread, checking signatures as a partner would).
Both can be made slow or made to stall, as a garage's or a host's server sometimes is."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from localbrokers.ports import free_port
from scheduler.settings import SchedulerSettings
from tests.conftest import DEMO_PASSWORD


@dataclass
class ReceivedMail:
    sender: str
    recipients: list[str]
    subject: str
    body: str


class MailCatcher:
    """aiosmtpd handler keeping every message it accepts.

    - `refuse`: addresses answered `550` (the mailbox does not exist);
    - `delay_s`: how long each message takes to be accepted (a slow server);
    - `hold`: when set to an Event, each message waits for it (a stalled server), and
      `holding` is set while one waits.
    """

    def __init__(self) -> None:
        self.messages: list[ReceivedMail] = []
        self.helo_names: list[str] = []
        self.refuse: set[str] = set()
        self.delay_s = 0.0
        self.hold: threading.Event | None = None
        self.holding = threading.Event()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.helo_names.append(session.host_name)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        if self.hold is not None:
            self.holding.set()
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 60)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(
            ReceivedMail(
                envelope.mail_from,
                list(envelope.rcpt_tos),
                str(message["Subject"]),
                message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
            )
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[MailCatcher, int]]:
    catcher = MailCatcher()
    port = free_port()
    controller = Controller(catcher, hostname="127.0.0.1", port=port)
    controller.start()
    yield catcher, port
    if catcher.hold is not None:
        catcher.hold.set()  # a test that failed while the server stalled
    controller.stop()


class FakeClock:
    """The scheduler's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def maintenance_settings(url: str, **overrides) -> SchedulerSettings:
    values = dict(
        database_url=url,
        demo_mode=True,
        demo_password=DEMO_PASSWORD,
        smtp_port=free_port(),
        webhook_timeout_s=5,
        webhook_backoff_s=30,
        webhook_max_attempts=4,
    )
    return SchedulerSettings(**(values | overrides))


@dataclass
class GarageSystem:
    """A garage's own system: checks Fleet-Signature (HMAC-SHA256 over "<t>.<body>", at most
    5 minutes old) and processes each Idempotency-Key once."""

    secret: str
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    fail_next: int = 0
    requests: list[dict] = field(default_factory=list)
    processed: dict[str, dict] = field(default_factory=dict)
    hold: threading.Event | None = None  # set to an Event: each request waits for it (a stalled system)
    redirect_to: str | None = None  # answer 302 there (a site that moved); a GET there answers 200
    pages_served: int = 0
    holding: threading.Event = field(default_factory=threading.Event)

    def answer(self, headers: dict, body: bytes) -> int:
        self.requests.append({"headers": headers, "body": body})
        if self.redirect_to is not None:
            return 302
        if self.hold is not None:
            self.holding.set()
            self.hold.wait(60)
        if self.fail_next > 0:
            self.fail_next -= 1
            return 503
        try:
            fields = dict(part.split("=", 1) for part in headers.get("Fleet-Signature", "").split(","))
            timestamp, signature = int(fields["t"]), fields["v1"]
        except (KeyError, ValueError):
            return 401
        if abs(self.now.timestamp() - timestamp) > 300:
            return 401  # too old: a replay
        expected = hmac.new(self.secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, signature):
            return 401
        key = headers["Idempotency-Key"]
        if key not in self.processed:
            self.processed[key] = json.loads(body)
        return 200


@pytest.fixture
def garage_system() -> Iterator[tuple[GarageSystem, str]]:
    system = GarageSystem(secret="secret-partage-avec-le-garage")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            status = system.answer(dict(self.headers), body)
            self.send_response(status)
            if status == 302:
                self.send_header("Location", system.redirect_to)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def do_GET(self):  # the page a redirection leads to: no delivery happens here
            system.pages_served += 1
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield system, f"http://127.0.0.1:{server.server_address[1]}/fleet-hooks"
    if system.hold is not None:
        system.hold.set()
    server.shutdown()
    server.server_close()
