"""Sending e-mail through SMTP (smtplib): one message, several recipients, UTF-8 text.

What reaches a header (a vehicle's label in a subject, a garage's name, an address)
comes from people's input: `header_text` puts it on one line, every control character
a space, so a newline can neither break the message nor add a header.

A message that does not go raises one of:

    MailNotSent              the message did not go
    ├── MessageRefused       this message cannot go now (the server refused it or its
    │                        recipients): tried again later, the others go on
    └── ServerUnavailable    the server is away, too slow, or refuses us: nothing more
                             is tried until the next run, and the message keeps its turn
"""

from __future__ import annotations

import re
import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from fleetbase.errors import FleetError
from scheduler.settings import SchedulerSettings

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


class MailNotSent(FleetError):
    """The message did not go; `detail` says why."""

    reason = "mail_not_sent"


class MessageRefused(MailNotSent):
    """This message, not the server, is the problem: retry it later, send the others."""

    reason = "message_refused"


class ServerUnavailable(MailNotSent):
    """The SMTP server cannot take any message now."""

    reason = "server_unavailable"


def header_text(value: str) -> str:
    """`value` on one line: control characters (line breaks included) and runs of spaces become one space."""
    return " ".join(_CONTROL.sub(" ", value).split())


class SmtpMailer:
    """`mailer(recipients, subject, body)` sends one message or raises `MailNotSent`.

    Each message has its own connection, bounded by `smtp_timeout_s` per exchange, and
    greets the server with `smtp_helo_name` (smtplib would otherwise look the host's
    name up in the DNS for every message, which is slow where the host is not listed).
    """

    def __init__(self, settings: SchedulerSettings) -> None:
        self.settings = settings

    def __call__(self, recipients: Sequence[str], subject: str, body: str) -> None:
        settings = self.settings
        try:
            message = EmailMessage()
            message["From"] = header_text(settings.smtp_sender)
            message["To"] = ", ".join(header_text(recipient) for recipient in recipients)
            message["Subject"] = header_text(subject)
            message["Date"] = formatdate(localtime=False)
            message["Message-ID"] = make_msgid(domain="plateforme-mobilite.example.org")
            message.set_content(body, charset="utf-8")
        except (ValueError, TypeError) as error:  # an address the e-mail library cannot write
            raise MessageRefused(f"message impossible à composer : {error}") from error
        try:
            with smtplib.SMTP(
                settings.smtp_host,
                settings.smtp_port,
                local_hostname=settings.smtp_helo_name,
                timeout=settings.smtp_timeout_s,
            ) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
                smtp.send_message(message)
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as error:
            raise MessageRefused(f"refusé par le serveur SMTP : {_said(error)}") from error
        except (smtplib.SMTPException, OSError) as error:  # OSError: refused, unreachable, timed out
            raise ServerUnavailable(f"serveur SMTP indisponible : {_said(error)}") from error


def _said(error: Exception) -> str:
    """What the server answered, on one line."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(f"{address}: {code} {_text(answer)}" for address, (code, answer) in error.recipients.items())
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {_text(error.smtp_error)}"
    return header_text(str(error)) or type(error).__name__


def _text(answer: bytes | str) -> str:
    return header_text(answer.decode(errors="replace") if isinstance(answer, bytes) else answer)
