"""Sending e-mail through SMTP (smtplib): one message, several recipients, UTF-8 text."""

from __future__ import annotations

import smtplib
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from maintenance.settings import MaintenanceSettings

MailError = (smtplib.SMTPException, OSError)


class SmtpMailer:
    """`mailer(recipients, subject, body)` sends one message or raises one of `MailError`."""

    def __init__(self, settings: MaintenanceSettings) -> None:
        self.settings = settings

    def __call__(self, recipients: Sequence[str], subject: str, body: str) -> None:
        settings = self.settings
        message = EmailMessage()
        message["From"] = settings.smtp_sender
        message["To"] = ", ".join(recipients)
        message["Subject"] = subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = make_msgid(domain="plateforme-mobilite.example.org")
        message.set_content(body, charset="utf-8")
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_s) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
