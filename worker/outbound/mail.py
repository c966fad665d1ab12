"""
Outgoing mail over SMTP: how deskpilot reaches a person directly, outside the ticket.

Used for the codes that prove a one-time link's owner: the link sits in a public reply other
people on the ticket can read; the code goes only to the owner's own address.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

from worker.config import MailSettings


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


def send_mail(settings: MailSettings, to: str, subject: str, body: str) -> None:
    """
    Hand one plain-text message to the configured SMTP server; ``MailError`` if it refuses.

    Args:
        settings: the ``mail`` section.
        to: the one recipient.
        subject: its subject line.
        body: its text.
    """
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = settings.sender, to, subject
    message.set_content(body)
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.host, settings.port, timeout=settings.timeout_s, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        with smtp:
            if settings.security == "starttls":
                smtp.starttls(context=context)
            if settings.username is not None and settings.password is not None:
                smtp.login(settings.username, settings.password.resolve())
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"SMTP {settings.host}:{settings.port}: {exc}") from exc


__all__ = ["MailError", "send_mail"]
