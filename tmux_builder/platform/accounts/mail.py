"""Sending one plain-text mail through the SMTP server from settings (standard library)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from tmux_builder.errors import NotConfiguredError
from tmux_builder.platform.core.settings import Settings


def send_mail(settings: Settings, to: str, subject: str, body: str) -> None:
    if not settings.smtp_host:
        raise NotConfiguredError("no SMTP server is configured (TMUX_BUILDER_SMTP_HOST)",
                                 field="smtp_host")
    message = EmailMessage()
    message["From"] = settings.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    timeout = settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(settings.smtp_host, settings.smtp_port,
                                                timeout=timeout,
                                                context=ssl.create_default_context())
    else:
        client = smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=timeout)
    with client:
        if settings.smtp_security == "starttls":
            client.starttls(context=ssl.create_default_context())
        if settings.smtp_username:
            password = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            client.login(settings.smtp_username, password)
        client.send_message(message)
